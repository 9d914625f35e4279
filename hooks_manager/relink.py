"""`hookman rebase`: re-point this branch's unpublished migration onto the other head (the
relink fix), instead of writing a merge revision.

Three parts:
- the splice (pure): an `ast`-located edit of one assignment's string literal(s), byte for
  byte: quote style, prefix, annotation, tuple layout, comments, CRLF and BOM are kept;
- the plan (reads only): which head stays and which chain moves, decided from git's own state
  (MERGE_HEAD / REBASE_HEAD / CHERRY_PICK_HEAD, the upstream, or --onto), never sort order;
  every refusal (published, merge revision, branch label start, non-literal) comes here;
- the apply: write, verify one head per version line, else put every original byte back.

Nothing heavy is imported: git is run as a plain subprocess; GitPython only for --commit.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex

from hooks_manager import repo
from hooks_manager.config import Project, Settings
from hooks_manager.errors import MergeError
from hooks_manager.graph import Record, ancestors
from hooks_manager.repo import git_dir, in_progress, own_branch

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ast
    from collections.abc import Callable

    from hooks_manager.check import ProjectReport
    from hooks_manager.hookrun import HookRun
    from hooks_manager.refs import RefOutcome

    Say = Callable[[str], None]


class RelinkError(MergeError):
    """The relink was refused or failed; the message says why and what to do instead."""


# --- the splice (pure) ----------------------------------------------------------------------------


class NotLiteral(Exception):
    """The assignment's value is code, not a literal: hookman will not guess what it means."""


_STRING = re.compile(rb"\A([rRuU]{0,2})('|\")([^'\"\\\r\n]*)\2\Z")


def _line_starts(data: bytes) -> list[int]:
    starts = [0]
    pos = data.find(b"\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = data.find(b"\n", pos + 1)
    return starts


def _offset(starts: list[int], line: int, col: int) -> int:
    return starts[line - 1] + col  # ast's col_offset counts UTF-8 bytes of the line


def _assignment(tree: ast.Module, name: str) -> ast.expr | None:
    """The value of the last module-level `name = ...` / `name: T = ...` (Python's rule: the
    last assignment wins)."""
    import ast

    found: ast.expr | None = None
    for node in tree.body:
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found = node.value
        elif (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
              and node.target.id == name and node.value is not None):
            found = node.value
    return found


def _strings(value: ast.expr) -> list[ast.Constant]:
    """The string constants of a literal value: 'x', ('x', 'y'), ['x']; None gives none."""
    import ast

    if isinstance(value, ast.Constant) and (value.value is None or isinstance(value.value, str)):
        return [value] if isinstance(value.value, str) else []
    if isinstance(value, ast.Tuple | ast.List) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts):
        return [e for e in value.elts if isinstance(e, ast.Constant)]
    raise NotLiteral(ast.unparse(value))


def splice(data: bytes, changes: dict[str, dict[str, str]]) -> bytes:
    """``data`` with, for each assignment name, the string literals whose value is a key of its
    mapping replaced by the mapped value. Only those literals' bytes change. Raises NotLiteral
    for a value that is not a literal, KeyError-free: names or values not present are left."""
    import ast

    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    body = data[len(bom):]
    tree = ast.parse(body)
    starts = _line_starts(body)
    edits: list[tuple[int, int, bytes]] = []
    done: dict[str, dict[str, str]] = {}  # what the literals really changed
    for name, mapping in changes.items():
        value = _assignment(tree, name)
        if value is None:
            continue
        for node in _strings(value):
            if node.value not in mapping:
                continue
            assert node.end_lineno is not None
            assert node.end_col_offset is not None
            start = _offset(starts, node.lineno, node.col_offset)
            end = _offset(starts, node.end_lineno, node.end_col_offset)
            edits.append((start, end, _new_literal(body[start:end], mapping[node.value])))
            done.setdefault(name, {})[node.value] = mapping[node.value]
    docstring = _docstring_span(tree, starts)
    if docstring is not None:  # the docstring follows the code, never leads it
        edits += _docstring_edits(body, docstring, done)
    for start, end, text in sorted(edits, reverse=True):
        body = body[:start] + text + body[end:]
    return bom + body


def _new_literal(old: bytes, new: str) -> bytes:
    """One plain string token keeps its prefix and quotes; anything fancier (escapes, implicit
    concatenation, triple quotes) becomes one string in the first quote character seen."""
    plain = _STRING.match(old)
    safe = not re.search(r"['\"\\\r\n]", new)
    if plain and safe:
        return plain.group(1) + plain.group(2) + new.encode() + plain.group(2)
    quote = b'"' if old.lstrip(b"rRuU")[:1] == b'"' else b"'"
    if safe:
        return quote + new.encode() + quote
    return repr(new).encode()


def _docstring_span(tree: ast.Module, starts: list[int]) -> tuple[int, int] | None:
    import ast

    first = tree.body[0] if tree.body else None
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        node = first.value
        assert node.end_lineno is not None
        assert node.end_col_offset is not None
        return (_offset(starts, node.lineno, node.col_offset),
                _offset(starts, node.end_lineno, node.end_col_offset))
    return None


_DOC_FIELDS = {"Revises": "down_revision", "Revision ID": "revision"}
_DOC_LINE = re.compile(rb"(?m)^([ \t]*(Revises|Revision ID):[ \t]*)([^\r\n]*?)([ \t]*)(?=\r?$)")


def _docstring_edits(
    body: bytes, span: tuple[int, int], changes: dict[str, dict[str, str]]
) -> list[tuple[int, int, bytes]]:
    """`Revises: <old>` / `Revision ID: <old>` lines of the docstring, when they name exactly
    the old value (a line already stale, or naming several parents, is left alone)."""
    edits = []
    for match in _DOC_LINE.finditer(body, span[0], span[1]):
        field = _DOC_FIELDS[match.group(2).decode()]
        mapping = changes.get(field, {})
        said = match.group(3).decode("utf-8", "replace")
        if said in mapping:
            edits.append((match.start(3), match.end(3), mapping[said].encode()))
    return edits


def literal_down_revision(data: bytes) -> tuple[str, ...] | None:
    """The down_revision ids the splice can edit; None when it is not a literal."""
    import ast

    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    value = _assignment(ast.parse(data[bom:]), "down_revision")
    if value is None:
        return None
    try:
        return tuple(str(n.value) for n in _strings(value))
    except NotLiteral:
        return None


# --- sequential ids -------------------------------------------------------------------------------

_NUMBERED = re.compile(r"\A(\d+)(_\w*)?\Z")


def numbered(records: list[Record]) -> bool:
    """Every id is a zero-padded number (`0041`, or `0041_add_users`): ids encode the order,
    so a relink must renumber."""
    return bool(records) and all(_NUMBERED.match(r.revision) for r in records)


def renumber(chain: list[Record], onto: str, taken: set[str]) -> dict[str, str]:
    """Old id -> new id for ``chain`` (bottom first), numbered on from ``onto``."""
    match = _NUMBERED.match(onto)
    assert match is not None
    start, width = int(match.group(1)), len(match.group(1))
    mapping = {}
    for i, rec in enumerate(chain, 1):
        own = _NUMBERED.match(rec.revision)
        assert own is not None
        new = f"{start + i:0{width}d}{own.group(2) or ''}"
        if new in taken:
            raise RelinkError(f"renumbering {rec.revision} gives {new}, which another revision "
                              "already uses", hint="write a merge revision instead: hookman merge")
        mapping[rec.revision] = new
    return mapping


# --- the plan (reads only) ------------------------------------------------------------------------


class RelinkPlan:
    """Which chain moves onto which head, and every file change that takes."""

    __slots__ = ("chain", "dated", "files", "how", "new_parent", "old_parent", "project",
                 "redated", "renames", "renumbered", "stay")

    def __init__(self, project: Project, chain: list[Record], stay: str, how: str) -> None:
        self.project = project
        self.chain = chain  # bottom first; chain[0] is the revision whose parent changes
        self.stay = stay  # the head that keeps its place
        self.how = how  # how the sides were decided, for the report
        self.old_parent = chain[0].down_revisions[0]
        self.new_parent = stay
        self.renumbered: dict[str, str] = {}
        self.files: dict[str, bytes] = {}  # absolute path -> new bytes
        self.renames: dict[str, str] = {}  # absolute old path -> absolute new path
        self.dated = False  # file_template puts a date in the names
        self.redated = False  # --rename: the names and Create Date lines say now


def _tree_paths(root: str, commit: str) -> set[str]:
    from hooks_manager.sources import tree_paths

    return tree_paths(root, commit)


def git_state(root: str) -> tuple[str, str, str] | None:
    """(the commit that stays, the commit that moves, what git is doing) while git is stopped
    in a merge, rebase or cherry-pick. In a merge HEAD is this branch and MERGE_HEAD the
    other; in a rebase and a cherry-pick HEAD is the other side and *_HEAD the commit being
    replayed: ours and theirs swap, so sides come from here, never from marker order."""
    folder = git_dir(root)
    markers = {m for m, _, _ in in_progress(root)}
    if "MERGE_HEAD" in markers:
        return "MERGE_HEAD", "HEAD", "a merge"
    if "CHERRY_PICK_HEAD" in markers:
        return "HEAD", "CHERRY_PICK_HEAD", "a cherry-pick"
    if markers & {"rebase-merge", "rebase-apply"}:
        if folder and os.path.exists(os.path.join(folder, "REBASE_HEAD")):
            return "HEAD", "REBASE_HEAD", "a rebase"
        raise RelinkError("a rebase is in progress but git names no commit being replayed "
                          "(no REBASE_HEAD)", hint="pass --onto REV: the head to keep")
    return None


def upstream_of(root: str, settings: Settings) -> str | None:
    """The branch the other head lives on: the `upstream` setting, else origin's default
    branch, else the tracked branch unless it is this branch's own pushed copy (whose tree
    holds *our* migration: taking it as the other side would swap the sides)."""
    if settings.upstream:
        return settings.upstream
    from hooks_manager.refs import default_branch

    known = default_branch(root, "origin")
    if known is not None:
        return known.name
    tracked = repo.upstream_of(root)
    own = own_branch(root)
    if tracked and own and tracked.split("/", 1)[-1] == own:
        return None
    return tracked


def plan_relink(
    root: str, project: Project, settings: Settings, onto: str | None = None,
    upstream: str | None = None, rename: bool = False,
) -> RelinkPlan:
    from hooks_manager.check import check_project
    from hooks_manager.fix import fork_of
    from hooks_manager.sources import WorkTree

    report = check_project(project, WorkTree(root), settings)
    heads = fork_of(report)
    name = project.name
    if len(heads) < 2:
        raise RelinkError(f"{name}: nothing to re-point: the work tree has "
                          f"{'head ' + ', '.join(report.verdict.head_ids) or 'no head'}",
                          hint="if the head file is stale, `hookman heads --write` fixes it")
    others = [p for p in report.verdict.errors if p.kind != "multiple-heads"]
    if others:
        raise RelinkError(f"{name}: the history has problems a relink does not fix: "
                          f"{others[0].message}", hint="run `hookman check` and fix them first")
    if len(heads) > 2:
        raise RelinkError(f"{name}: {len(heads)} heads ({', '.join(heads)}); a relink joins "
                          "two", hint="write one merge revision for all: hookman merge")
    by_id = {r.revision: r for r in report.records}
    stay, how, move_commit = _sides(root, settings, report.records, heads, onto, upstream)
    moving = next(h for h in heads if h != stay)
    chain = _chain(by_id, moving, stay)
    plan = RelinkPlan(project, chain, stay, how)
    _refuse(root, plan.chain, move_commit, _merge_hint(name, heads))
    _prepare(root, plan, report.records, rename)
    return plan


def _merge_hint(name: str, heads: list[str]) -> str:
    command = "hookman merge" if name == "alembic" else f"hookman merge -p {shlex.quote(name)}"
    return f"write a merge revision of {' and '.join(heads)} instead (it rewrites nothing): " \
        f"{command}"


def _sides(
    root: str, settings: Settings, records: list[Record], heads: list[str], onto: str | None,
    upstream: str | None = None,
) -> tuple[str, str, str]:
    """(the head that stays, how that was decided, the commit holding the moving side)."""
    paths = {r.revision: r.path for r in records}
    if onto is not None:
        match = [h for h in heads if h == onto] or [h for h in heads if h.startswith(onto)]
        if len(match) != 1:
            raise RelinkError(f"--onto {onto}: not one of the heads {', '.join(heads)}",
                              hint="name the head to keep (the other one moves onto it)")
        return match[0], f"--onto {match[0]}", "HEAD"
    state = git_state(root)
    if state is not None:
        stay_commit, move_commit, doing = state
        where = f"{doing} stopped ({stay_commit} is the side that stays)"
    else:
        upstream = upstream or upstream_of(root, settings)
        if upstream is None:
            raise RelinkError("cannot tell which head is yours: no git merge, rebase or "
                              "cherry-pick is stopped and the branch has no upstream",
                              hint="pass --onto REV (the head to keep), or set upstream in "
                                   "[tool.hookman]")
        stay_commit, move_commit, where = upstream, "HEAD", f"the upstream {upstream}"
    tree = _tree_paths(root, stay_commit)
    present = [h for h in heads if paths[h] in tree]
    if len(present) != 1:
        said = "both" if present else "neither"
        raise RelinkError(f"cannot tell which head is yours: {said} of {', '.join(heads)} "
                          f"is in {stay_commit}", hint="pass --onto REV (the head to keep)")
    return present[0], where, move_commit


def _chain(by_id: dict[str, Record], moving: str, stay: str) -> list[Record]:
    """From the moving head down to the first revision whose parent the staying head also
    descends from: bottom first."""
    parents = {rev: rec.down_revisions for rev, rec in by_id.items()}
    shared = ancestors(parents, stay) | {stay}
    chain: list[Record] = []
    rev = moving
    while rev not in shared:
        rec = by_id[rev]
        chain.append(rec)
        if len(rec.down_revisions) != 1:
            kind = "a base (no parent)" if not rec.down_revisions else "a merge revision"
            raise RelinkError(f"{rec.revision} ({rec.path}) is {kind}; re-pointing moves a "
                              "plain chain only", hint="write a merge revision instead: "
                                                       "hookman merge")
        rev = rec.down_revisions[0]
    chain.reverse()
    return chain


def _refuse(root: str, chain: list[Record], move_commit: str, hint: str) -> None:
    bottom = chain[0]
    if bottom.branch_labels:
        raise RelinkError(f"{bottom.revision} ({bottom.path}) starts branch "
                          f"{', '.join(bottom.branch_labels)}; moving it would move the whole "
                          "version line", hint=hint)
    own = own_branch(root)
    for rec in chain:
        refs = published_in(root, move_commit, rec.path, own)
        if refs:
            raise RelinkError(f"{rec.revision} ({rec.path}) is published (in "
                              f"{', '.join(refs[:3])}); re-pointing it would rewrite a "
                              "migration others may have applied", hint=hint)
    full = os.path.join(root, bottom.path)
    with open(full, "rb") as handle:
        data = handle.read()
    try:
        literal = literal_down_revision(data)
    except (SyntaxError, ValueError) as exc:  # a work-tree edit that is not Python (yet)
        raise _does_not_parse(bottom.path, exc) from exc
    if literal != bottom.down_revisions:
        raise RelinkError(f"{bottom.path}: down_revision is not a literal string, so hookman "
                          "will not rewrite it", hint=hint)


def _does_not_parse(path: str, exc: SyntaxError | ValueError) -> RelinkError:
    """A refusal for a file ``ast`` cannot read (SyntaxError, or ValueError for NUL bytes):
    hookman cannot place its literal, so it edits nothing."""
    from hooks_manager.textsafe import shown

    where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
    why = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    return RelinkError(f"{shown(path)} does not parse: {shown(why)}{where}; fix it or use the "
                       "merge revision", hint="fix the file, or write a merge revision: "
                                              "hookman merge")


def published_in(root: str, commit: str, path: str, own: str | None) -> list[str]:
    """Remote-tracking branches (but this branch's own) and tags holding the commit that added
    ``path``; none when the file is not committed yet."""
    added = repo.added_in(root, [commit], path, "%H")
    if not added:
        return []
    refs = []
    for (ref,) in repo.refs(root, ("refname",), "refs/remotes", "refs/tags", contains=added):
        short = ref.removeprefix("refs/remotes/").removeprefix("refs/tags/")
        if own and ref.startswith("refs/remotes/") and short.split("/", 1)[-1] == own:
            continue  # this branch pushed for review: yours to rewrite (force-push)
        refs.append(short)
    return refs


def _refuse_to_edit(root: str, path: str) -> None:
    """Refuse a file the relink would edit when editing it could lose the user's work.

    Unstaged changes: the relink stages (or commits) the whole file, so hunks the user kept out
    of the index on purpose would be staged with it; the index state is theirs, not ours.
    A symlink: writing through it edits a file git tracks elsewhere (or not at all) while the
    link itself is what gets staged, so the commit would not hold the edit; refused rather than
    guessed at (the real file may be outside the repository, or shared by other paths)."""
    from hooks_manager.textsafe import shown as terminal_safe

    shown = terminal_safe(path)
    if os.path.islink(os.path.join(root, path)):
        raise RelinkError(f"{shown} is a symlink; hookman edits only a regular migration "
                          "file, so nothing was changed",
                          hint="re-point the file it links to by hand, or write a merge "
                               "revision instead: hookman merge")
    changed = repo.unstaged_changes(root, path)
    if changed is None and git_dir(root) is None:
        return  # not a git repository (a plain folder of migrations): no index to lose
    if changed is None:
        raise RelinkError(f"{shown}: not checked for unstaged changes (`git diff` failed), so "
                          "nothing was changed", hint="run `git status` to see why")
    if changed:
        raise RelinkError(f"{shown} has unstaged changes; hookman would stage them with its "
                          "edit, so nothing was changed",
                          hint="commit or stash those changes first (git stash --keep-index "
                               "keeps the staged part), then run it again")


def _prepare(root: str, plan: RelinkPlan, records: list[Record], rename: bool = False) -> None:
    """Every new byte, computed before any is written."""
    template = file_template(plan.project)
    plan.dated = template is not None and dated(template)
    if numbered(records):
        taken = {r.revision for r in records} - {r.revision for r in plan.chain}
        plan.renumbered = renumber(plan.chain, plan.stay, taken)
    mapping = plan.renumbered
    for rec in plan.chain:  # every refusal before the first byte is computed, let alone written
        _refuse_to_edit(root, rec.path)
    for i, rec in enumerate(plan.chain):
        full = os.path.join(root, rec.path)
        with open(full, "rb") as handle:
            data = handle.read()
        down = {plan.old_parent: plan.new_parent} if i == 0 else dict(mapping)
        changes = {"down_revision": down, "revision": dict(mapping), "depends_on": dict(mapping)}
        try:
            new = splice(data, changes)
        except (SyntaxError, ValueError) as exc:
            raise _does_not_parse(rec.path, exc) from exc
        except NotLiteral as exc:
            raise RelinkError(f"{rec.path}: a value is not a literal ({exc})",
                              hint="write a merge revision instead: hookman merge") from exc
        plan.files[full] = new
        folder, name = os.path.split(full)
        if rec.revision in mapping and name.startswith(rec.revision):
            plan.renames[full] = os.path.join(folder, mapping[rec.revision]
                                              + name[len(rec.revision):])
        elif rename and plan.dated and template is not None:
            import datetime

            # One second apart, so the moved chain keeps its order by name too.
            when = datetime.datetime.now() + datetime.timedelta(seconds=i)
            new_name = dated_name(template, name, rec.revision, when)
            if new_name is None:
                raise RelinkError(f"{rec.path}: its name does not follow file_template "
                                  f"{template!r}, so --rename cannot rename it",
                                  hint="run without --rename (the name is kept)")
            if new_name != name:  # within the same minute the name may not change
                plan.renames[full] = os.path.join(folder, new_name)
            plan.files[full] = redate(plan.files[full], str(when))
            plan.redated = True


# --- apply ----------------------------------------------------------------------------------------


class Applied:
    __slots__ = ("head_file", "paths")

    def __init__(self, paths: list[str], head_file: str | None) -> None:
        self.paths = paths  # every path touched, relative to the root (old and new names)
        self.head_file = head_file


def apply(root: str, plan: RelinkPlan, settings: Settings, say: Say) -> Applied:
    """Write the plan, verify one head per version line, else restore every original byte."""
    from hooks_manager.check import check_project
    from hooks_manager.fix import fork_of
    from hooks_manager.headfile import expected_heads, path_for, read_worktree, write
    from hooks_manager.sources import WorkTree

    originals: dict[str, bytes] = {}
    for full in plan.files:
        with open(full, "rb") as handle:
            originals[full] = handle.read()
    head_path = path_for(plan.project.script_location)
    head_before = read_worktree(head_path)
    renamed: list[tuple[str, str]] = []
    try:
        for full, data in plan.files.items():
            _write_same_mode(full, data)
            drop_bytecode(full)
        for old, new in plan.renames.items():
            if os.path.exists(new):
                raise RelinkError(f"{_rel(root, new)} exists already; nothing was changed")
            os.rename(old, new)
            renamed.append((old, new))
            drop_bytecode(new)
        report = check_project(plan.project, WorkTree(root), settings)
        if fork_of(report) or not report.verdict.ok:
            problem = report.verdict.errors[0].message if report.verdict.errors else "?"
            raise RelinkError(f"{plan.project.name}: after the edit the history is not "
                              f"single-headed ({problem}); every file was put back",
                              hint="write a merge revision instead: hookman merge")
        wrote_head = None
        if settings.head_file or head_before is not None:
            write(head_path, expected_heads(report.verdict))
            wrote_head = _rel(root, head_path)
    except BaseException:
        for old, new in reversed(renamed):
            os.rename(new, old)
        for full, data in originals.items():
            _write_same_mode(full, data)
            drop_bytecode(full)
        if head_before is None:
            if os.path.exists(head_path) and settings.head_file:
                os.remove(head_path)
        else:
            with open(head_path, "wb") as handle:
                handle.write(head_before)
        raise
    paths = []
    for full in plan.files:
        paths.append(_rel(root, full))
        if full in plan.renames:
            paths.append(_rel(root, plan.renames[full]))
    return Applied(paths, wrote_head)


def _write_same_mode(path: str, data: bytes) -> None:
    # In place, not a new file: the mode, owner and hard links of the user's file stay.
    with open(path, "r+b") as handle:
        handle.write(data)
        handle.truncate()


def drop_bytecode(path: str) -> None:
    """CPython trusts a cached .pyc whose recorded source size and mtime (whole seconds) match;
    a same-length id swap within the second would load the old graph. Remove it."""
    folder, name = os.path.split(path)
    cache = os.path.join(folder, "__pycache__")
    stem = name[:-3] + "."
    try:
        entries = os.listdir(cache)
    except OSError:
        return
    for entry in entries:
        if entry.startswith(stem) and entry.endswith(".pyc"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(cache, entry))


def _rel(root: str, path: str) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")


def downgrade_command(project: Project, root: str, to: str) -> str:
    """The exact command that takes a database at this branch's old head back to the fork
    point, to run *before* relinking (afterwards the old path no longer exists)."""
    args = ["alembic"]
    if project.config_path:
        args += ["-c", _rel(root, project.config_path)]
    if project.section != "alembic":
        args += ["-n", project.section]
    # Through fixcmd: printed from a sub-folder, the line is wrapped to run at the root.
    from hooks_manager import fixcmd

    return fixcmd.run(*args, "downgrade", to).text()


def describe(root: str, plan: RelinkPlan) -> list[str]:
    bottom = plan.chain[0]
    lines = [f"hookman: {plan.project.name}: re-point {bottom.revision} ({bottom.path}) from "
             f"{plan.old_parent} onto {plan.new_parent} (sides from {plan.how})"]
    if len(plan.chain) > 1:
        lines.append(f"  the rest of the chain follows: "
                     f"{' → '.join(r.revision for r in plan.chain[1:])}")
    for old, new in plan.renumbered.items():
        lines.append(f"  renumber {old} → {new}")
    for old, new in plan.renames.items():
        lines.append(f"  rename {_rel(root, old)} → {_rel(root, new)}")
    if plan.dated and not plan.redated:
        lines.append("  file_template puts dates in file names; the names are kept (so they "
                     "no longer sort in graph order): pass --rename to rename and redate")
    top = plan.chain[-1].revision
    lines.append(f"  a database already upgraded to {top} must be downgraded first, before "
                 f"the relink: {downgrade_command(plan.project, root, plan.old_parent)}")
    return lines


# --- the command ----------------------------------------------------------------------------------

_NEXT = {"a merge": "git commit", "a rebase": "git rebase --continue",
         "a cherry-pick": "git cherry-pick --continue"}


def rebase_command(
    onto: str | None, commit: bool, yes: bool, config: str | None, section: str | None,
    project_name: str | None, say: Say, rename: bool = False,
) -> int:
    """`hookman rebase`: plan every forked project, say what will change, (ask,) write,
    verify, then stage the files (or commit them with --commit)."""
    from hooks_manager.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_PROBLEMS, GitError
    from hooks_manager.repo import find_root
    from hooks_manager.selection import select_project

    root = find_root(os.getcwd())
    if root is None:
        raise GitError(f"hookman rebase needs a git repository, and {os.getcwd()} is not "
                       "inside one")
    from hooks_manager.workspace import load_workspace

    ws = load_workspace(root, config=config, section=section)
    settings = ws.settings
    projects = select_project(ws.require_projects(), project_name)
    state = git_state(root)
    if commit and state is not None:
        raise RelinkError(f"{state[2]} is stopped; --commit would commit in the middle of it",
                          hint=f"run `hookman rebase` without --commit, then {_NEXT[state[2]]}")
    if commit:
        from hooks_manager import gitops

        gitops.refuse_if_busy(root)
    plans = []
    for project in projects:
        if not _forked(root, project, settings):
            continue
        plans.append(plan_relink(root, project, settings, onto, rename=rename))
    if not plans:
        return _head_file_only(root, projects, settings, state, say)
    collide = False
    for plan in plans:
        for line in describe(root, plan):
            say(line)
        from hooks_manager.explain import before_merge  # what both lines change, read first

        warned = before_merge(root, plan.project, settings)
        for line in warned:
            say(line)
        collide = collide or any("warning [overlap]" in line for line in warned)
    if not yes:
        from hooks_manager.prompts import open_prompter

        prompter = open_prompter()
        if prompter.interactive:
            answer = prompter.confirm("Re-point it now?", True)
            if answer is None:
                say("hookman: cancelled; nothing was changed")
                return EXIT_INTERRUPTED
            if not answer:
                say("hookman: nothing was changed")
                return EXIT_PROBLEMS
    touched: list[str] = []
    for plan in plans:
        done = apply(root, plan, settings, say)
        touched += done.paths + ([done.head_file] if done.head_file else [])
        bottom = plan.chain[0].revision
        say(f"hookman: {plan.project.name}: {bottom} now follows {plan.new_parent}; one head: "
            f"{plan.renumbered.get(plan.chain[-1].revision, plan.chain[-1].revision)}")
    message = "; ".join(f"Relink {p.chain[0].revision} onto {p.new_parent}" for p in plans)
    _finish(root, touched, message if commit else None, state, say)
    say("hookman: the order is fixed; conflicting schema changes are not: read both "
        "migrations before upgrading")
    if collide:
        say("hookman: warning: the two lines collide (above): `alembic upgrade head` is "
            "expected to fail until one of them drops the duplicate operation")
    return EXIT_OK


def _forked(root: str, project: Project, settings: Settings) -> bool:
    from hooks_manager.check import check_project
    from hooks_manager.fix import fork_of
    from hooks_manager.sources import WorkTree

    report = check_project(project, WorkTree(root), settings)
    for problem in report.verdict.errors:
        # An unreadable file hides its revision, so the heads seen are not the real ones:
        # saying "one head" (or re-pointing) would be a guess.
        if problem.kind == "unparseable-file":
            from hooks_manager.textsafe import shown

            raise RelinkError(f"{shown(problem.path or project.name)} does not parse "
                              f"({shown(problem.message)}); fix it or use the merge revision",
                              hint="fix the file, then run `hookman rebase` again")
    return bool(fork_of(report))


def _head_file_only(
    root: str, projects: list[Project], settings: Settings,
    state: tuple[str, str, str] | None, say: Say,
) -> int:
    """No fork left, but a head file may still hold conflict markers (the other side's
    migration was already re-pointed, or the history never forked): rewrite it."""
    from hooks_manager.check import check_project
    from hooks_manager.errors import EXIT_OK
    from hooks_manager.headfile import expected_heads, parse, path_for, read_worktree, write
    from hooks_manager.sources import WorkTree

    fixed = []
    for project in projects:
        path = path_for(project.script_location)
        data = read_worktree(path)
        if data is None or not parse(data).conflicted:
            continue
        report = check_project(project, WorkTree(root), settings)
        write(path, expected_heads(report.verdict))
        fixed.append(_rel(root, path))
    if not fixed:
        raise RelinkError("nothing to re-point: every history has one head",
                          hint="`hookman check` shows the heads")
    say(f"hookman: no fork; rewrote the conflicted {', '.join(fixed)}")
    _finish(root, fixed, None, state, say)
    return EXIT_OK


def _finish(
    root: str, paths: list[str], message: str | None, state: tuple[str, str, str] | None,
    say: Say,
) -> None:
    known = [p for p in paths if os.path.exists(os.path.join(root, p)) or _tracked(root, p)]
    if message is not None:
        from hooks_manager import gitops

        sha = gitops.commit_files(root, known, message)
        say(f"hookman: committed {sha[:10]} {message}")
        return
    repo.stage(root, known)
    what = " ".join(shlex.quote(p) for p in known)
    step = _NEXT[state[2]] if state is not None else "git commit"
    say(f"hookman: staged {what}; next: {step}")


def _tracked(root: str, path: str) -> bool:
    return bool(repo.ls_files(root, "--", path))


# --- the pre-push menu's relink ------------------------------------------------------------------


def preflight(root: str, records: list[Record], heads: list[str], mine: set[str]) -> str:
    """Why the relink cannot be offered for this fork ("" when it can): exactly one head is
    ours, and its chain is unpublished, plain, unlabelled and literal. Reads only."""
    ours = [h for h in heads if h in mine]
    if len(heads) != 2 or len(ours) != 1:
        return ("it joins two heads, one of them yours; here the heads are "
                f"{', '.join(heads)}")
    stay = next(h for h in heads if h != ours[0])
    by_id = {r.revision: r for r in records}
    try:
        _refuse(root, _chain(by_id, ours[0], stay), "HEAD", "")
    except RelinkError as exc:
        return exc.message
    return ""


def yours(root: str, path: str) -> bool:
    """The file is uncommitted, or the commit that added it has the author email git would
    give a commit made here now (`git var GIT_AUTHOR_IDENT`: config and environment)."""
    added = repo.added_in(root, ["HEAD"], path, "%ae")
    ident = repo.author_ident(root)
    return not added or f"<{added}>" in ident


def commit_relinks(root: str, plans: list[RelinkPlan], settings: Settings, say: Say
                   ) -> tuple[str, str, list[str]]:
    """Apply and commit the plans: (sha, message, paths). Files are put back if the commit
    fails."""
    from hooks_manager import gitops

    touched: list[str] = []
    for plan in plans:
        done = apply(root, plan, settings, say)
        touched += done.paths + ([done.head_file] if done.head_file else [])
    message = "; ".join(f"Relink {p.chain[0].revision} onto {p.new_parent}" for p in plans)
    known = [p for p in touched if os.path.exists(os.path.join(root, p)) or _tracked(root, p)]
    sha = gitops.commit_files(root, known, message)
    return sha, message, known


def _mine_and_forks(
    root: str, outcome: RefOutcome, upstream_only: bool
) -> tuple[set[str] | None, list[ProjectReport]]:
    from hooks_manager.fix import fork_of

    reports = outcome.predicted if upstream_only else outcome.own
    forks = [r for r in reports if fork_of(r)]
    if upstream_only:
        return {rec.revision for r in outcome.own for rec in r.records}, forks
    if outcome.upstream is None:
        return None, forks
    tree = _tree_paths(root, outcome.upstream.name)
    return {rec.revision for r in forks for rec in r.records if rec.path not in tree}, forks


def relink_choice(
    root: str, settings: Settings, outcome: RefOutcome, upstream_only: bool, branch: str,
    interactive: bool,
) -> tuple[tuple[str, str] | None, str, bool]:
    """The menu's relink entry, or why it is missing; and whether it goes first (the default):
    `fix = "rebase"`, or at a terminal with `fix` unset when every moving revision is yours."""
    from hooks_manager.fix import fork_of

    mine, forks = _mine_and_forks(root, outcome, upstream_only)
    if mine is None:
        return None, "no upstream is known to tell which head is yours", False
    moves: list[tuple[str, str]] = []
    owned = True
    for report in forks:
        heads = fork_of(report)
        why = preflight(root, report.records, heads, mine)
        if why:
            return None, why, False
        moving = next(h for h in heads if h in mine)
        moves.append((moving, next(h for h in heads if h != moving)))
        path = next(r.path for r in report.records if r.revision == moving)
        owned = owned and yours(root, path)
    if not moves:
        return None, "no fork to re-point", False
    what = "; ".join(f"{m} onto {s}" for m, s in moves)
    if upstream_only:
        assert outcome.upstream is not None
        title = (f"Merge {outcome.upstream.name} into {branch}, re-point {what} (edits "
                 "down_revision; no merge revision) and commit it (then push again)")
    else:
        title = f"Re-point {what} (edits down_revision; no merge revision) and commit it " \
                "(then push again)"
    first = settings.fix == "rebase" or (settings.fix is None and interactive and owned)
    return ("rebase", title), "", first


def fix_by_relink(run: HookRun, outcome: RefOutcome, branch: str, upstream_only: bool) -> int:
    """The menu's relink: (merge the upstream,) re-point, verify, commit those files only."""
    from hooks_manager import gitops
    from hooks_manager.fix import fork_of
    from hooks_manager.headfile import path_for
    from hooks_manager.output import say
    from hooks_manager.refs import push_again

    root = run.root
    gitops.refuse_if_busy(root)
    mine, forks = _mine_and_forks(root, outcome, upstream_only)
    assert mine is not None
    stays = {r.project.name: next(h for h in fork_of(r) if h not in mine) for r in forks}
    if not upstream_only:
        upstream = outcome.upstream.name if outcome.upstream else None
        plans = [plan_relink(root, r.project, run.settings, onto=stays[r.project.name],
                             upstream=upstream) for r in forks]
        sha, message, paths = commit_relinks(root, plans, run.settings, say)
        return push_again(sha, message, paths)
    assert outcome.upstream is not None
    name = outcome.upstream.name
    if gitops.has_tracked_changes(root):
        raise RelinkError(f"{branch} has uncommitted changes; hookman merges {name} only into "
                          "a clean branch, so nothing was changed",
                          hint="commit or stash them and push again")
    before = repo.head_sha(root, required=True)
    head_files = tuple(_rel(root, path_for(r.project.script_location)) for r in forks)
    merged = gitops.merge_upstream(root, name, head_files)
    say(f"hookman: merged {name} into {branch} ({merged[:10]})")
    try:
        plans = [plan_relink(root, r.project, run.settings, onto=stays[r.project.name])
                 for r in forks]
        sha, message, paths = commit_relinks(root, plans, run.settings, say)
    except BaseException:
        gitops.undo_commit(root, before)
        say(f"hookman: the merge of {name} was undone; {branch} is as it was")
        raise
    return push_again(sha, message, paths)


def ci_line(upstream: str | None, remote: str, name: str) -> str:
    """The relink as commands to paste, for the refusal printed when no one can be asked."""
    push = shlex.join(["git", "push", remote, name])
    if upstream is None:
        return f"hookman rebase --commit --yes && {push}"
    merge = shlex.join(["git", "merge", "--no-verify", upstream])
    # `;`: with a head file the merge stops on it, and the relink is what resolves it.
    return (f"{merge}; hookman rebase --yes && git commit --no-verify -m "
            f"{shlex.quote('Relink onto ' + upstream)} && {push}")


# --- dated file names (file_template) ------------------------------------------------------------

_TOKEN = re.compile(r"%\((\w+)\)([-#0 +]*\d*(?:\.\d+)?[sd])")
_DATES = ("year", "month", "day", "hour", "minute", "second", "epoch")


def file_template(project: Project) -> str | None:
    """The project's file_template as alembic reads it (``%%`` -> ``%``), if set."""
    if project.config_path:
        import configparser

        parser = configparser.ConfigParser(
            defaults={"here": os.path.dirname(project.config_path)})
        try:
            parser.read(project.config_path, encoding="utf-8-sig")
            value = parser.get(project.section, "file_template", fallback=None)
        except configparser.Error:
            value = None
        if value:
            return value
    if project.toml_path:
        import tomllib

        try:
            with open(project.toml_path, "rb") as handle:
                table = tomllib.load(handle).get("tool", {}).get("alembic", {})
        except (OSError, tomllib.TOMLDecodeError):
            return None
        value = table.get("file_template")
        return value if isinstance(value, str) else None
    return None


def dated(template: str) -> bool:
    return any(m.group(1) in _DATES for m in _TOKEN.finditer(template))


def dated_name(template: str, name: str, rev: str, when: object) -> str | None:
    """``name`` rendered again from ``template`` with the same id and slug and the date
    ``when`` (a datetime); None when the name does not follow the template."""
    import datetime

    assert isinstance(when, datetime.datetime)
    pattern, pos = "", 0
    for match in _TOKEN.finditer(template):
        pattern += re.escape(template[pos:match.start()])
        key = match.group(1)
        pattern += {"rev": "(?P<rev>.+?)", "slug": "(?P<slug>.*)"}.get(key, r"\d+")
        pos = match.end()
    pattern += re.escape(template[pos:]) + r"\.py"
    found = re.fullmatch(pattern, name)
    if found is None or found.groupdict().get("rev", rev) != rev:
        return None
    values = {"rev": rev, "slug": found.groupdict().get("slug") or "",
              "epoch": int(when.timestamp()), "year": when.year, "month": when.month,
              "day": when.day, "hour": when.hour, "minute": when.minute, "second": when.second}
    return f"{template % values}.py"


_CREATE_DATE = re.compile(rb"(?m)^([ \t]*Create Date:[ \t]*)([^\r\n]*?)([ \t]*)(?=\r?$)")


def redate(data: bytes, when: str) -> bytes:
    """The docstring's `Create Date:` set to ``when`` (with --rename: name and date agree)."""
    import ast

    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    body = data[len(bom):]
    span = _docstring_span(ast.parse(body), _line_starts(body))
    if span is None:
        return data
    found = _CREATE_DATE.search(body, span[0], span[1])
    if found is None:
        return data
    return bom + body[:found.start(2)] + when.encode() + body[found.end(2):]
