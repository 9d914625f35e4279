"""hookman's verdict against alembic's own, on generated histories written as real files.

The oracle is alembic itself: either its ``RevisionMap`` fed with ``Revision`` objects built
from the executed files (fast), or ``ScriptDirectory.from_config(Config(ini))`` over the same
files (what ``alembic heads`` does). Heads (down_revision only, as ``upgrade head`` counts them),
bases and effective heads (depends_on counted, ``get_revisions("heads")``) must be equal as
multisets; for a broken history, the exception or warning alembic gives must be one hookman
names. A sample of healthy histories is then upgraded for real on SQLite.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
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

from hooks_manager.check import check_projects
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
    versions.mkdir(parents=True)
    for rel, data in history.files.items():
        path = versions / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    ini = ("[alembic]\nscript_location = %(here)s/migrations\n"
           "sqlalchemy.url = sqlite:///%(here)s/app.db\n")
    if history.recursive:
        ini += "recursive_version_locations = true\n"
    (root / "alembic.ini").write_text(ini)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    return root / "alembic.ini"


def ask_hookman(root: Path) -> Verdict:
    """The in-process equivalent of `hookman check` on the work tree."""
    ws = load_workspace(str(root))
    [report] = check_projects(ws.require_projects(), ws.source, ws.settings)
    return report.verdict


class Outcome:
    """What alembic made of a history: its graph, or the error it stopped with."""

    def __init__(self) -> None:
        self.heads: list[str] = []
        self.bases: list[str] = []
        self.effective: list[str] = []
        self.warnings: list[str] = []
        self.error: BaseException | None = None

    @property
    def duplicate_warned(self) -> bool:
        return any("present more than once" in w for w in self.warnings)


def ask_alembic(read: Callable[[], tuple[list[str], list[str], list[str]]]) -> Outcome:
    outcome = Outcome()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            outcome.heads, outcome.bases, outcome.effective = read()
        except (RevisionError, KeyError, AttributeError, CommandError) as exc:
            outcome.error = exc
    outcome.warnings = [str(w.message) for w in caught]
    return outcome


def script_directory_view(ini: Path) -> tuple[list[str], list[str], list[str]]:
    script = ScriptDirectory.from_config(Config(str(ini)))
    heads = list(script.get_heads())
    return heads, list(script.get_bases()), [_id(r) for r in script.get_revisions("heads")]


def revision_map_view(versions: Path, recursive: bool) -> tuple[list[str], list[str], list[str]]:
    revision_map = RevisionMap(lambda: _revisions(versions, recursive))
    heads = list(revision_map.heads)
    bases = list(revision_map.bases)
    return heads, bases, [_id(r) for r in revision_map.get_revisions("heads")]


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
    for path in Script._list_py_dir(_Listing(recursive), versions):  # type: ignore[arg-type]
        if not _only_source_rev_file.match(path.name):
            continue
        module: dict[str, object] = {"__name__": "m", "__file__": str(path)}
        exec(compile(path.read_bytes(), str(path), "exec"), module)
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


def assert_same(alembic: Outcome, verdict: Verdict) -> None:
    found = {p.kind for p in verdict.errors}
    shown = [f"{p.kind}: {p.message}" for p in verdict.problems]
    assert not any("loaded twice" in w for w in alembic.warnings), alembic.warnings
    event(f"alembic: {type(alembic.error).__name__ if alembic.error else 'loaded'}"
          f"{', duplicate warned' if alembic.duplicate_warned else ''}"
          f"{', forked' if len(alembic.heads) > 1 else ''}")
    if alembic.error is not None:
        expected = kinds_for(alembic.error)
        assert found & expected, f"alembic: {alembic.error!r}; hookman: {shown}"
        return
    assert Counter(verdict.head_ids) == Counter(alembic.heads), shown
    assert Counter(verdict.bases) == Counter(alembic.bases), shown
    assert Counter(verdict.effective_heads) == Counter(alembic.effective), shown
    wanted = {"multiple-heads"} if len(alembic.heads) > 1 else set()
    if alembic.duplicate_warned:
        wanted.add("duplicate-revision")
    assert found == wanted, f"alembic warned {alembic.warnings}; hookman: {shown}"


# --- the properties -----------------------------------------------------------------------------


@settings(PROPERTY, max_examples=800)
@given(histories())
def test_matches_alembic_revision_map(history: History) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root, history)
        verdict = ask_hookman(root)
        versions = root / "migrations" / "versions"
        alembic = ask_alembic(lambda: revision_map_view(versions, history.recursive))
        assert_same(alembic, verdict)


@settings(PROPERTY, max_examples=300)
@given(histories())
def test_matches_alembic_script_directory(history: History) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ini = write_project(root, history)
        verdict = ask_hookman(root)
        assert_same(ask_alembic(lambda: script_directory_view(ini)), verdict)


@settings(PROPERTY, max_examples=15)
@given(histories(defects=False, single_head=True))
def test_healthy_history_upgrades_to_hookmans_head(history: History) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ini = write_project(root, history)
        verdict = ask_hookman(root)
        assert verdict.ok, [p.message for p in verdict.problems]
        assert len(verdict.heads) <= 1
        command.upgrade(Config(str(ini)), "head")
        with sqlite3.connect(root / "app.db") as db:
            table = db.execute("SELECT name FROM sqlite_master WHERE name = 'alembic_version'")
            rows = db.execute("SELECT version_num FROM alembic_version").fetchall() if (
                table.fetchone()) else []
        assert [r[0] for r in rows] == verdict.head_ids
