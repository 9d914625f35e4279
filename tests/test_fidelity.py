"""hookman's verdict against alembic's own, on generated histories written as real files.

The oracle is alembic itself: either its ``RevisionMap`` fed with ``Revision`` objects built
from the executed files (fast), or ``ScriptDirectory.from_config(Config(ini))`` over the same
files (what ``alembic heads`` does). Heads (down_revision only, as ``upgrade head`` counts them),
bases and effective heads (depends_on counted, ``get_revisions("heads")``) must be equal as
multisets; for a broken history, the exception or warning alembic gives must be one hookman
names. A sample of healthy histories is then upgraded for real on SQLite.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import Script, ScriptDirectory
from alembic.script.base import _legacy_rev, _only_source_rev_file
from alembic.script.revision import (
    CycleDetected,
    DependencyCycleDetected,
    DependencyLoopDetected,
    LoopDetected,
    Revision,
    RevisionError,
    RevisionMap,
)
from alembic.util import CommandError, to_tuple
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis.control import currently_in_test_context

from hooks_manager.check import check_projects
from hooks_manager.config import Settings
from hooks_manager.graph import Verdict
from hooks_manager.workspace import load_workspace
from tests.fidelity_gen import History, histories
from tests.helpers import ENV_PY

PROPERTY = settings(deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
if os.environ.get("FIDELITY_NO_SHRINK"):  # while developing: report failures fast
    PROPERTY = settings(PROPERTY, phases=[Phase.explicit, Phase.generate])


# --- the two sides ------------------------------------------------------------------------------


def write_project(root: Path, history: History) -> Path:
    versions = root / "migrations" / "versions"
    if history.module:
        # Imported by some revision files; alembic finds it through prepend_sys_path, which
        # is relative to where alembic runs (the ini's folder: see in_root).
        (root / "src").mkdir()
        (root / "src" / f"{history.module}.py").write_text(history.constants)
        sys.modules.pop(history.module, None)
        # One process runs every example: the finder cached for the relative "src" entry
        # may still list the previous example's folder (same name, same mtime tick).
        sys.path_importer_cache.pop("src", None)
        importlib.invalidate_caches()
    versions.mkdir(parents=True)
    for rel, data in history.files.items():
        path = versions / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    ini = ("[alembic]\nscript_location = %(here)s/migrations\n"
           "sqlalchemy.url = sqlite:///%(here)s/app.db\n")
    if history.recursive:
        ini += "recursive_version_locations = true\n"
    if history.module:
        ini += "prepend_sys_path = src\npath_separator = os\n"
    (root / "alembic.ini").write_text(ini)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    return root / "alembic.ini"


def ask_hookman(root: Path, history: History | None = None, fallback: bool = True) -> Verdict:
    """The in-process equivalent of `hookman check` on the work tree. Computed values are
    asked of alembic (static_fallback), as a project that has them is told to do."""
    per_label = history.per_label if history is not None else False
    table: dict[str, object] = {"heads_per_branch_label": per_label}
    if fallback and history is not None and history.computed:
        table["static_fallback"] = True
    hookman_settings = Settings(table, None)
    ws = load_workspace(str(root), projects=False)
    ws.settings = hookman_settings  # the projects' head policy comes from these settings
    ws.discover()
    [report] = check_projects(ws.require_projects(), ws.source, hookman_settings)
    return report.verdict


class Outcome:
    """What alembic made of a history: its graph, or the error it stopped with."""

    def __init__(self) -> None:
        self.heads: list[str] = []
        self.bases: list[str] = []
        self.effective: list[str] = []
        self.labels: dict[str, frozenset[str]] = {}  # each head's branch labels
        self.warnings: list[str] = []
        self.error: BaseException | None = None

    @property
    def duplicate_warned(self) -> bool:
        return any("present more than once" in w for w in self.warnings)


View = tuple[list[str], list[str], list[str], dict[str, frozenset[str]]]


def ask_alembic(read: Callable[[], View]) -> Outcome:
    outcome = Outcome()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            outcome.heads, outcome.bases, outcome.effective, outcome.labels = read()
        except (RevisionError, KeyError, AttributeError, CommandError) as exc:
            outcome.error = exc
    outcome.warnings = [str(w.message) for w in caught]
    return outcome


def script_directory_view(ini: Path) -> View:
    saved = list(sys.path)
    with in_root(ini.parent):
        try:
            script = ScriptDirectory.from_config(Config(str(ini)))
            heads = list(script.get_heads())
            labels = _labels(script.revision_map, heads)
            return (heads, list(script.get_bases()),
                    [_id(r) for r in script.get_revisions("heads")], labels)
        finally:
            sys.path[:] = saved


def revision_map_view(versions: Path, recursive: bool) -> View:
    revision_map = RevisionMap(lambda: _revisions(versions, recursive))
    heads = list(revision_map.heads)
    bases = list(revision_map.bases)
    return (heads, bases, [_id(r) for r in revision_map.get_revisions("heads")],
            _labels(revision_map, heads))


def _labels(revision_map: RevisionMap, heads: list[str]) -> dict[str, frozenset[str]]:
    found = {}
    for head in heads:
        rev = revision_map.get_revision(head)
        assert rev is not None
        found[head] = frozenset(rev.branch_labels)
    return found


@contextmanager
def in_root(folder: Path) -> Iterator[None]:
    """alembic run from the ini's folder, as its docs say (prepend_sys_path is relative)."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _id(rev: object) -> str:
    assert isinstance(rev, Revision)
    return rev.revision


class _Listing:
    """What alembic's file lister reads from a ScriptDirectory."""

    sourceless = False

    def __init__(self, recursive: bool) -> None:
        self.recursive_version_locations = recursive


def _revisions(versions: Path, recursive: bool) -> Iterator[Revision]:
    """Script._from_path and Script.__init__ without alembic's importer: the file is executed
    (so Python, not a parser, says what each name holds) and fed to Revision as alembic does."""
    src = str(versions.parent.parent / "src")  # the ini's prepend_sys_path, when there is one
    for path in Script._list_py_dir(_Listing(recursive), versions):  # type: ignore[arg-type]
        if not _only_source_rev_file.match(path.name):
            continue
        module: dict[str, object] = {"__name__": "m", "__file__": str(path)}
        sys.path.insert(0, src)
        try:
            exec(compile(path.read_bytes(), str(path), "exec"), module)
        finally:
            sys.path.remove(src)
        if "revision" in module:
            rev_id = module["revision"]
        else:
            legacy = _legacy_rev.match(path.name)
            if legacy is None:
                raise CommandError(f"Could not determine revision id from filename {path.name}")
            rev_id = legacy.group(1)
        if "down_revision" not in module:
            raise AttributeError("module has no attribute 'down_revision'")
        assert isinstance(rev_id, str)
        yield Revision(rev_id, module["down_revision"],  # type: ignore[arg-type]
                       dependencies=to_tuple(module.get("depends_on"), default=()),
                       branch_labels=to_tuple(module.get("branch_labels"), default=()))


# --- the comparison ---------------------------------------------------------------------------


def kinds_for(exc: BaseException) -> set[str]:
    """The hookman problem kinds that name the error alembic stopped with."""
    text = str(exc)
    if isinstance(exc, DependencyLoopDetected):
        return {"cycle", "dependency-cycle"}
    if isinstance(exc, LoopDetected):
        return {"cycle"}
    if isinstance(exc, DependencyCycleDetected):
        return {"dependency-cycle"}
    if isinstance(exc, CycleDetected):
        return {"cycle"}
    if isinstance(exc, KeyError) and exc.args == ("",):
        # `down_revision = ""`: alembic 1.12.1 and newer fail; 1.12.0 and older took it as a
        # base, and real histories carry it, so hookman accepts it with a named warning.
        return {"empty-down-revision"}
    if isinstance(exc, KeyError):
        return {"missing-parent"}
    if isinstance(exc, RevisionError) and "broken map" in text:
        # A down_revision that names a branch label: found through the label map while
        # linking, then missing from the id-only map alembic walks next.
        return {"missing-parent"}
    if isinstance(exc, AttributeError) and "down_revision" in text:
        return {"missing-down-revision"}
    if isinstance(exc, CommandError) and "Could not determine revision id" in text:
        return {"missing-revision"}
    if isinstance(exc, RevisionError) and "Branch name" in text:
        return {"duplicate-branch-label"}
    raise AssertionError(f"alembic failed in a way this test does not know: {exc!r}")


def assert_same(alembic: Outcome, verdict: Verdict, per_label: bool = False) -> None:
    found = {p.kind for p in verdict.errors}
    shown = [f"{p.kind}: {p.message}" for p in verdict.problems]
    assert not any("loaded twice" in w for w in alembic.warnings), alembic.warnings
    if currently_in_test_context():  # also called from plain example tests
        event(f"alembic: {type(alembic.error).__name__ if alembic.error else 'loaded'}"
              f"{', duplicate warned' if alembic.duplicate_warned else ''}"
              f"{', forked' if len(alembic.heads) > 1 else ''}")
    if alembic.error is not None:
        expected = kinds_for(alembic.error)
        named = found | {p.kind for p in verdict.problems if p.kind == "empty-down-revision"}
        assert named & expected, f"alembic: {alembic.error!r}; hookman: {shown}"
        return
    assert Counter(verdict.head_ids) == Counter(alembic.heads), shown
    assert Counter(verdict.bases) == Counter(alembic.bases), shown
    assert Counter(verdict.effective_heads) == Counter(alembic.effective), shown
    wanted = {"multiple-heads"} if len(alembic.heads) > 1 else set()
    if alembic.duplicate_warned:
        # A duplicated id is named as a duplicate; heads that exist only because alembic
        # dropped one of the two files are not called a fork (test_graph holds which).
        assert "duplicate-revision" in found, shown
        assert found - {"multiple-heads"} == {"duplicate-revision"}, shown
        if "multiple-heads" in found:
            assert len(set(alembic.heads)) > 1, shown
        return
    # Labels as alembic inherits them (along down_revision, not depends_on), and the
    # per-label head policy judged from alembic's own labels.
    assert {h: verdict.labels_of.get(h, frozenset()) for h in alembic.heads} == alembic.labels, (
        shown)
    by_labels = Counter(alembic.labels[h] for h in alembic.heads)
    if per_label and not any(n > 1 for n in by_labels.values()):
        wanted.discard("multiple-heads")
    assert found == wanted, f"alembic warned {alembic.warnings}; hookman: {shown}"


# --- the properties -----------------------------------------------------------------------------


@settings(PROPERTY, max_examples=800)
@given(histories())
def test_matches_alembic_revision_map(history: History) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root, history)
        verdict = ask_hookman(root, history)
        versions = root / "migrations" / "versions"
        alembic = ask_alembic(lambda: revision_map_view(versions, history.recursive))
        assert_same(alembic, verdict, history.per_label)


@settings(PROPERTY, max_examples=300)
@given(histories())
def test_matches_alembic_script_directory(history: History) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ini = write_project(root, history)
        verdict = ask_hookman(root, history)
        assert_same(ask_alembic(lambda: script_directory_view(ini)), verdict, history.per_label)


@settings(PROPERTY, max_examples=250)
@given(histories(computed=True))
def test_computed_labels_and_dependencies_match_alembic(history: History) -> None:
    """Labels and dependencies written as code, some imported through prepend_sys_path. With
    static_fallback hookman asks alembic for those files and must agree in full; without, the
    files keep their place: heads and bases still agree, and each computed value is named."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ini = write_project(root, history)
        alembic = ask_alembic(lambda: script_directory_view(ini))
        assert_same(alembic, ask_hookman(root, history), history.per_label)
        static = ask_hookman(root, history, fallback=False)
        shown = [f"{p.kind}: {p.message}" for p in static.problems]
        named = {p.path.rpartition("/")[2] for p in static.problems if p.kind == "not-static"}
        computed = {r for r in history.model if r.computed}
        assert len(named) >= min(1, len(computed)) or alembic.error is not None, shown
        if alembic.error is None and not any(p.kind == "not-static" and p.severity == "error"
                                             for p in static.problems):
            assert Counter(static.head_ids) == Counter(alembic.heads), shown
            assert Counter(static.bases) == Counter(alembic.bases), shown
            assert {p.kind for p in static.errors} <= {"multiple-heads", "duplicate-revision"}, (
                shown)


@settings(PROPERTY, max_examples=15)
@given(histories(defects=False, single_head=True))
def test_healthy_history_upgrades_to_hookmans_head(history: History) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ini = write_project(root, history)
        verdict = ask_hookman(root, history)
        assert verdict.ok, [p.message for p in verdict.problems]
        assert len(verdict.heads) <= 1
        command.upgrade(Config(str(ini)), "head")
        with sqlite3.connect(root / "app.db") as db:
            table = db.execute("SELECT name FROM sqlite_master WHERE name = 'alembic_version'")
            rows = db.execute("SELECT version_num FROM alembic_version").fetchall() if (
                table.fetchone()) else []
        assert [r[0] for r in rows] == verdict.head_ids


def _file(rev: str, down: str | None, labels: str | None = None, deps: str | None = None) -> bytes:
    return (f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = {labels!r}\n"
            f"depends_on = {deps!r}\n").encode()


def test_expand_contract_labels_do_not_cross_depends_on() -> None:
    """The issue's minimal case: alembic says `c1 (contract)`, `e2 (expand)`; one head per
    label is then the intended layout, not a fork."""
    files = {"base_m0.py": _file("base", None), "e1_m1.py": _file("e1", "base", "expand"),
             "c1_m2.py": _file("c1", "base", "contract", "e1"),
             "e2_m3.py": _file("e2", "e1", None, "c1")}
    history = History(files, False, [], per_label=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ini = write_project(root, history)
        alembic = ask_alembic(lambda: script_directory_view(ini))
        assert alembic.labels == {"c1": {"contract"}, "e2": {"expand"}}
        verdict = ask_hookman(root, history)
        assert_same(alembic, verdict, per_label=True)
        assert verdict.ok
