"""Hypothesis strategies for alembic histories written the way real projects write them.

A history is drawn as a small model (revision ids, parents, labels, dependencies), optionally
damaged with the defects alembic refuses or warns about, then each revision is rendered as the
bytes of a file in one of the many syntax forms found in public projects. Nothing here decides
what the history *means*: the tests ask alembic (by executing the files) and compare.
"""

from __future__ import annotations

from hypothesis import strategies as st

from hooks_manager.graph import ancestors

HEX = "0123456789abcdef"
WORDS = ("add", "users", "orders", "index", "drop", "column", "email", "fix", "audit", "init")
LABELS = ("core", "reporting", "billing", "aux_schema")
DEFECTS = (
    "duplicate-revision", "missing-parent", "empty-parent", "cycle", "self-loop",
    "dependency-self-loop", "duplicate-branch-label", "label-is-an-id", "missing-dependency",
    "dependency-cycle", "parent-by-label", "no-down-revision", "no-revision",
)
SUBFOLDERS = ("", "", "", "2023", "2024/q1", "zz")


def revision_ids() -> st.SearchStrategy[str]:
    hexes = st.sampled_from([10, 11, 12, 20]).flatmap(
        lambda n: st.text(HEX, min_size=n, max_size=n))
    words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map("_".join)
    numbered = st.integers(1, 9999).map(lambda i: f"{i:04d}")
    return st.one_of(hexes, hexes, words, numbered)


class Rev:
    """One revision file of the model."""

    def __init__(self, index: int, rev: str, down: tuple[str, ...]) -> None:
        self.index = index  # unique per file; names its table and its file
        self.rev = rev
        self.down = down
        self.labels: tuple[str, ...] = ()
        self.depends: tuple[str, ...] = ()
        self.omit_revision = False
        self.omit_down = False
        self.folder = ""
        self.computed: set[str] = set()  # fields written as code, not as a literal

    def filename(self, style: str) -> str:
        if self.omit_revision:
            return f"{self.rev}.py"  # alembic's legacy rule: the id comes from the name
        if style == "dated":
            return f"2024_{self.index:02d}_{self.rev}_step.py"
        return f"{self.rev}_m{self.index}.py"


class History:
    """The files of one version location, plus what the ini should say."""

    def __init__(self, files: dict[str, bytes], recursive: bool, model: list[Rev],
                 constants: str = "", module: str = "", per_label: bool = False) -> None:
        self.files = files  # path relative to the versions folder -> bytes
        self.recursive = recursive
        self.model = model
        # Values some files import (alembic finds the module through prepend_sys_path).
        self.constants = constants
        self.module = module
        self.per_label = per_label  # the project allows one head per branch label

    @property
    def computed(self) -> bool:
        return any(r.computed for r in self.model)

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        parts = [f"recursive={self.recursive} per_label={self.per_label}",
                 f"--- src/{self.module}.py\n{self.constants}"]
        for path, data in self.files.items():
            parts.append(f"--- {path}\n{data.decode('utf-8', 'replace')}")
        return "History(\n" + "\n".join(parts) + "\n)"


# --- the model -------------------------------------------------------------------------------


def _pick(draw: st.DrawFn, pool: list[str] | tuple[str, ...]) -> str:
    return draw(st.sampled_from(list(pool)))


@st.composite
def models(draw: st.DrawFn, defects: bool = True, dependencies: bool = True) -> list[Rev]:
    size = draw(st.integers(0, 10))
    ids = draw(st.lists(revision_ids(), min_size=size + 4, max_size=size + 4, unique=True))
    fresh = ids[size:]  # ids no file uses: missing parents, the merge on top
    revs: list[Rev] = []
    for i in range(size):
        shape = draw(st.integers(0, 9)) if i else 0
        earlier = [r.rev for r in revs]
        if shape == 0:
            down: tuple[str, ...] = ()
        elif shape <= 6:
            # Mostly the newest revision (long chains), sometimes an older one (a fork).
            down = (earlier[-1] if draw(st.booleans()) else _pick(draw, earlier),)
        else:
            down = tuple(draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=3,
                                       unique=True)))
        revs.append(Rev(i, ids[i], down))
    _add_labels_and_dependencies(draw, revs, dependencies)
    if defects:
        for defect in draw(st.lists(st.sampled_from(DEFECTS), max_size=2)):
            _damage(draw, revs, defect, fresh)
    _avoid_alembic_hang(revs)
    if draw(st.booleans()):
        revs = draw(st.permutations(revs))  # files are written in any order; names decide
    return revs


def _add_labels_and_dependencies(draw: st.DrawFn, revs: list[Rev], dependencies: bool) -> None:
    unused = list(LABELS)
    for i, rev in enumerate(revs):
        if unused and draw(st.integers(0, 6)) == 0:
            rev.labels = (unused.pop(draw(st.integers(0, len(unused) - 1))),)
        if dependencies and i and draw(st.integers(0, 6)) == 0:
            target = revs[draw(st.integers(0, i - 1))]
            by_label = bool(target.labels) and draw(st.booleans())
            rev.depends = (target.labels[0] if by_label else target.rev,)


def _damage(draw: st.DrawFn, revs: list[Rev], defect: str, fresh: list[str]) -> None:
    if not revs:
        return
    victim = _pick_rev(draw, revs)
    later = revs[revs.index(victim) + 1:]
    if defect == "duplicate-revision":
        twin = Rev(len(revs) + 100, victim.rev, draw(st.sampled_from([(), victim.down])))
        revs.insert(draw(st.integers(0, len(revs))), twin)
    elif defect == "missing-parent":
        victim.down = (*victim.down, fresh[0])
    elif defect == "empty-parent":
        victim.down = ("",)
    elif defect == "cycle" and later:
        victim.down = (*victim.down, _pick_rev(draw, later).rev)
    elif defect == "self-loop":
        victim.down = (*victim.down, victim.rev)
    elif defect == "dependency-self-loop":
        victim.depends = (*victim.depends, victim.rev)
    elif defect == "duplicate-branch-label":
        other = _pick_rev(draw, revs)
        label = other.labels[0] if other.labels else _pick(draw, LABELS)
        victim.labels = (*victim.labels, label)
        other.labels = other.labels or (label,)
    elif defect == "label-is-an-id":
        victim.labels = (*victim.labels, _pick_rev(draw, revs).rev)
    elif defect == "missing-dependency":
        victim.depends = (*victim.depends, fresh[1])
    elif defect == "dependency-cycle" and later:
        victim.depends = (*victim.depends, _pick_rev(draw, later).rev)
    elif defect == "parent-by-label":
        target = _pick_rev(draw, revs)
        if not target.labels:
            target.labels = (fresh[2] + "_label",)
        victim.down = (target.labels[0],)
    elif defect == "no-down-revision":
        victim.omit_down = True
    elif defect == "no-revision":
        victim.omit_revision = True


def _avoid_alembic_hang(revs: list[Rev]) -> None:
    """A down_revision naming the file's own branch label, in a file whose id another file
    also uses, sends alembic 1.20's get_heads into an endless loop: no verdict to compare.
    (Alone, the own-label parent is a CycleDetected, and stays in the sample.)"""
    for rev in revs:
        if set(rev.down) & set(rev.labels) and sum(r.rev == rev.rev for r in revs) > 1:
            rev.down = ()


def _pick_rev(draw: st.DrawFn, revs: list[Rev]) -> Rev:
    return revs[draw(st.integers(0, len(revs) - 1))]


def _drop_redundant_parents(revs: list[Rev]) -> None:
    """A merge that also names an ancestor of another of its parents has one head, yet
    `alembic upgrade head` can fail on it (KeyError; lablup/backend.ai#11131): the upgrade
    sample keeps only merges of independent parents."""
    parents = {r.rev: r.down for r in revs}
    for rev in revs:
        below = set().union(*(ancestors(parents, d) for d in rev.down)) if rev.down else set()
        rev.down = tuple(d for d in rev.down if d not in below)


def merged_on_top(revs: list[Rev], new_id: str) -> list[Rev]:
    """``revs`` plus, if it has several heads, a merge revision of all of them."""
    named = {d for r in revs for d in r.down}
    heads = tuple(dict.fromkeys(r.rev for r in revs if r.rev not in named))
    if len(heads) < 2:
        return revs
    return [*revs, Rev(len(revs), new_id, heads)]


# --- rendering ---------------------------------------------------------------------------------

_ANNOTATIONS = {
    "revision": ("", "", ": str"),
    "down_revision": ("", "", ": Union[str, None]", ": str | None",
                      ": Union[str, Sequence[str], None]", ": Sequence[str] | str | None",
                      ": tuple[str, ...] | str | None"),
    "branch_labels": ("", "", ": Union[str, Sequence[str], None]", ": str | Sequence[str] | None"),
    "depends_on": ("", "", ": Union[str, Sequence[str], None]", ": str | Sequence[str] | None"),
}
_COMMENTS = ("", "", "", "  # noqa: E501", "  # the revision before this one", "  # 'quoted'")


def _string(draw: st.DrawFn, text: str) -> str:
    quote = _pick(draw, ("'", '"'))
    form = _pick(draw, ("plain",) * 6 + ("u", "concat", "escape"))
    if form == "u":
        return f"u{quote}{text}{quote}"
    if form == "concat" and len(text) > 1:
        cut = draw(st.integers(1, len(text) - 1))
        return f"{quote}{text[:cut]}{quote} {quote}{text[cut:]}{quote}"
    if form == "escape" and text:
        return f"{quote}\\x{ord(text[0]):02x}{text[1:]}{quote}"
    return f"{quote}{text}{quote}"


def _sequence(draw: st.DrawFn, items: tuple[str, ...], scalar_ok: bool = True) -> str:
    if not items:
        return _pick(draw, ("None", "None", "()", "[]"))
    if len(items) == 1 and scalar_ok and draw(st.booleans()):
        return _string(draw, items[0])
    texts = [_string(draw, item) for item in items]
    form = _pick(draw, ("tuple", "list", "lines", "u-trailing"))
    if form == "list":
        return "[" + ", ".join(texts) + "]"
    if form == "lines":
        notes = [_pick(draw, ("", "  # parent", "  # from main, revision 'x'")) for _ in texts]
        body = "".join(f"    {t},{n}\n" for t, n in zip(texts, notes, strict=True))
        return f"(\n{body})"
    if form == "u-trailing":
        return "(" + ", ".join("u" + t if t[0] in "'\"" else t for t in texts) + ", )"
    trailing = "," if len(texts) == 1 else _pick(draw, ("", ","))
    return "(" + ", ".join(texts) + trailing + ")"


def _assignment(draw: st.DrawFn, name: str, value: str) -> str:
    annotation = _pick(draw, _ANNOTATIONS[name])
    spacing = _pick(draw, (" = ", " = ", "  =  ", "="))
    return f"{name}{annotation}{spacing}{value}{_pick(draw, _COMMENTS)}"


def _computed(draw: st.DrawFn, rev: Rev, name: str, items: tuple[str, ...],
              module: str, constants: list[str]) -> tuple[str, str]:
    """``name`` written as code, the way real projects compute labels and dependencies
    (`branch_labels = (cli.EXPAND_BRANCH,)`, `depends_on = tuple(_deps)`): the value, and a
    line to put before the header."""
    rev.computed.add(name)
    const = f"V{rev.index}_{name}".upper()
    form = _pick(draw, ("local", "module", "module-item"))
    if form == "local":
        return f"tuple(_{const})", f"_{const} = {list(items)!r}\n"
    constants.append(f"{const} = {tuple(items)!r}\n")
    if form == "module-item" and len(items) == 1:
        constants.append(f"{const}_0 = {items[0]!r}\n")
        return f"({module}.{const}_0,)", f"import {module}\n"
    return const, f"from {module} import {const}\n"


@st.composite
def file_bytes(draw: st.DrawFn, rev: Rev, others: list[str], module: str = "",
               constants: list[str] | None = None) -> bytes:
    header: list[str] = []
    before = ""
    if not rev.omit_revision:
        header.append(_assignment(draw, "revision", _string(draw, rev.rev)))
    if not rev.omit_down:
        header.append(_assignment(draw, "down_revision", _sequence(draw, rev.down)))
    for name, items in (("branch_labels", rev.labels), ("depends_on", rev.depends)):
        if items and constants is not None and draw(st.integers(0, 3)) == 0:
            value, line = _computed(draw, rev, name, items, module, constants)
            before += line
            header.append(f"{name} = {value}")
        elif bool(items) or draw(st.booleans()):
            header.append(_assignment(draw, name, _sequence(draw, items)))
    if draw(st.integers(0, 4)) == 0:
        header = draw(st.permutations(header))
    if len(header) > 1 and "#" not in header[0] and draw(st.integers(0, 9)) == 0:
        header[0:2] = [header[0] + "; " + header[1]]  # two assignments on one line
    text = _layout(draw, rev, header, others)
    if before:  # after the docstring, before the header: where real files import constants
        cut = text.index("# revision identifiers") if "# revision identifiers" in text else 0
        text = text[:cut] + before + text[cut:]
    return _encode(draw, text)


def _layout(draw: st.DrawFn, rev: Rev, header: list[str], others: list[str]) -> str:
    stale = _pick(draw, others) if others else "None"
    doc_lines = [f"Add step {rev.index}", "", f"Revision ID: {stale}", f"Revises: {stale}",
                 "Create Date: 2024-01-02 03:04:05.678901"]
    if draw(st.integers(0, 4)) == 0:
        doc_lines += ["", "Example:", f"    revision = '{stale}'", "    down_revision = None"]
    quote = _pick(draw, ('"""', "'''"))
    docstring = quote + "\n".join(doc_lines) + "\n" + quote + "\n"
    # typing first: a module-level annotation is evaluated when the file runs.
    docstring += "from typing import Sequence, Union\n\n"
    imports = "from alembic import op\nimport sqlalchemy as sa\n"
    table = _pick(draw, (f"t_{rev.index}", f"revision_{rev.index}"))
    body = (f"\n\ndef upgrade() -> None:\n    op.create_table({table!r}, sa.Column("
            "'down_revision', sa.String(32)))\n\n\ndef downgrade() -> None:\n"
            f"    op.drop_table({table!r})\n")
    block = "# revision identifiers, used by Alembic.\n" + "\n".join(header) + "\n"
    placement = _pick(draw, ("after-imports",) * 4 + ("before-imports", "split", "end"))
    if placement == "before-imports":
        return docstring + block + "\n" + imports + body
    if placement == "split" and len(header) > 1:
        first = "\n".join(header[:1]) + "\n"
        rest = "\n".join(header[1:]) + "\n"
        return docstring + first + imports + "\n" + rest + body
    if placement == "end":
        return docstring + imports + body + "\n\n" + block
    return docstring + imports + "\n\n" + block + body


def _encode(draw: st.DrawFn, text: str) -> bytes:
    encoding = _pick(draw, ("plain",) * 8 + ("crlf", "bom", "latin-1"))
    if encoding == "crlf":
        return text.replace("\n", "\r\n").encode()
    if encoding == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    if encoding == "latin-1":
        cookie = "# -*- coding: latin-1 -*-\n"
        return (cookie + text.replace("Add step", "Ajouté café step", 1)).encode("latin-1")
    return text.encode()


@st.composite
def histories(draw: st.DrawFn, defects: bool = True, single_head: bool = False,
              computed: bool = False) -> History:
    # The upgrade sample has no depends_on: a merge of a base with revisions that depend on
    # it has one head yet `alembic upgrade head` fails inside alembic (KeyError in
    # HeadMaintainer), whatever the checker says.
    revs = draw(models(defects=defects, dependencies=not single_head))
    if single_head:
        _drop_redundant_parents(revs)
        revs = merged_on_top(revs, draw(revision_ids().filter(
            lambda i: i not in {r.rev for r in revs})))
    recursive = draw(st.integers(0, 3)) == 0
    style = _pick(draw, ("rev-first", "dated"))
    ids = [r.rev for r in revs]
    files: dict[str, bytes] = {}
    # A fresh module name per history: the in-process checks share one sys.modules.
    module = f"hm_consts_{draw(st.integers(0, 10**9))}" if computed else ""
    constants: list[str] | None = [] if computed else None
    for rev in revs:
        if recursive:
            rev.folder = _pick(draw, SUBFOLDERS)
        name = rev.filename(style)
        path = f"{rev.folder}/{name}" if rev.folder else name
        if path in files:  # two legacy-named twins: keep the history drawable
            path = f"{rev.folder}/dup_{rev.index}_{name}".lstrip("/")
        files[path] = draw(file_bytes(rev, ids, module, constants))
    _add_bystanders(draw, files, recursive)
    return History(files, recursive, revs, "".join(constants or []), module,
                   per_label=draw(st.integers(0, 2)) == 0)


def _add_bystanders(draw: st.DrawFn, files: dict[str, bytes], recursive: bool) -> None:
    """Files alembic never loads as revisions; broken on purpose, so loading one shows."""
    broken = b"this is not python (\n"
    if draw(st.booleans()):
        files["__init__.py"] = b""
    if draw(st.integers(0, 3)) == 0:
        files[".#lock_m99.py"] = broken
        files["README.txt"] = broken
        files["__pycache__/stale_m98.py"] = broken
        files["notes/__pycache__/stale_m97.py"] = broken
    if not recursive and draw(st.integers(0, 3)) == 0:
        files["zz_sub/extra_m96.py"] = broken  # a sub-folder only counts when recursive
