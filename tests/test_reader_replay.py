"""Histories real projects carry, replayed in real git repositories through the installed hook:
a file in newer-Python syntax, a Python 2 file in old history, an empty-string base, computed
labels, a head policy, a revision that names itself. Healthy ones pass; none shows a fake fork.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers import add_revision, commit_all, git, hookman, revision_source
from tests.hooktools import base_history, commit, install

VERSIONS = Path("migrations") / "versions"

# PEP 701 (3.12): the same quote inside a replacement field. 3.11 rejects it.
PY312 = 'TABLE = f"{"users"!r:{">"}10}"\n'
PY2 = "def upgrade():\n    print 'upgrading'\n    op.execute(u'SELECT 1')\n"


def _write(project: Path, rev: str, down: str | None, extra: str = "") -> Path:
    path = project / VERSIONS / f"{rev}_rev.py"
    path.write_text(revision_source(rev, down) + extra)
    return path


@pytest.fixture
def guarded(project: Path) -> Path:
    base_history(project)
    install(project)
    return project


def test_newer_python_syntax_is_a_warning_and_keeps_the_file_in_the_graph(guarded: Path) -> None:
    (guarded / "pyproject.toml").write_text(
        '[project]\nname = "app"\nrequires-python = ">=3.12"\ndependencies = ["alembic"]\n')
    commit_all(guarded, "declare python 3.12")
    _write(guarded, "bbbb0002", "aaaa0001", PY312)
    _write(guarded, "cccc0003", "bbbb0002")
    git(guarded, "add", "-A")
    done = commit(guarded, "-m", "3.12 syntax")
    assert done.returncode == 0, done.stderr
    assert "multiple-heads" not in done.stderr
    check = hookman(guarded, "check")
    assert check.returncode == 0, check.stdout
    assert "head cccc0003" in check.stdout
    if sys.version_info < (3, 12):
        assert "syntax error" in check.stdout
        assert "the project declares Python 3.12 and hookman runs on 3.11" in check.stdout


def test_newer_syntax_without_a_declaration_is_an_error_but_no_fork(guarded: Path) -> None:
    # An interpreter that compiles 3.12 syntax gets a plain syntax error instead.
    _write(guarded, "bbbb0002", "aaaa0001", PY312 if sys.version_info < (3, 12) else "x = (\n")
    _write(guarded, "cccc0003", "bbbb0002")
    git(guarded, "add", "-A")
    done = commit(guarded, "-m", "3.12 syntax, undeclared")
    assert done.returncode == 1
    assert "syntax error" in done.stderr
    assert "multiple-heads" not in done.stderr  # the file kept its place: one head
    assert "missing-parent" not in done.stderr


def test_a_python2_file_in_an_old_commit_is_a_warning(guarded: Path) -> None:
    # Old history, from before hookman: a Python 2 revision, committed past any hook.
    _write(guarded, "bbbb0002", "aaaa0001", PY2)
    git(guarded, "add", "-A")
    git(guarded, "commit", "-q", "--no-verify", "-m", "python 2 era")
    old = git(guarded, "rev-parse", "HEAD")
    # Then ported: the file compiles again, the next revision is committed through the hook.
    _write(guarded, "bbbb0002", "aaaa0001")
    _write(guarded, "cccc0003", "bbbb0002")
    git(guarded, "add", "-A")
    done = commit(guarded, "-m", "port to python 3")
    assert done.returncode == 0, done.stderr
    at_old = hookman(guarded, "check", "--rev", old)
    assert at_old.returncode == 0, at_old.stdout
    assert "head bbbb0002" in at_old.stdout
    assert "a Python 2 file in an old commit" in at_old.stdout
    # The same file at HEAD is what alembic loads today: an error, still no fake fork.
    _write(guarded, "dddd0004", "cccc0003", PY2)
    now = hookman(guarded, "check")
    assert now.returncode == 1
    assert "Missing parentheses" in now.stdout
    assert "multiple-heads" not in now.stdout


def test_an_empty_string_base_passes_with_a_warning(project: Path) -> None:
    path = project / VERSIONS / "aaaa0001_rev.py"
    path.write_text(revision_source("aaaa0001", None).replace(
        "down_revision = None", 'down_revision = ""'))
    install(project)
    add_revision(project, "bbbb0002", "aaaa0001")
    git(project, "add", "-A")
    done = commit(project, "-m", "history with an empty-string base")
    assert done.returncode == 0, done.stderr
    check = hookman(project, "check", "--json")
    assert check.returncode == 0, check.stdout
    found = json.loads(check.stdout)["projects"][0]
    assert found["bases"] == ["aaaa0001"]
    assert [p["kind"] for p in found["problems"]] == ["empty-down-revision"]
    assert "1.12.1" in found["problems"][0]["message"]


def test_a_computed_branch_label_keeps_the_file_and_is_named(guarded: Path) -> None:
    text = revision_source("bbbb0002", "aaaa0001").replace(
        "branch_labels = None", "branch_labels = (cli.EXPAND_BRANCH,)")
    (guarded / VERSIONS / "bbbb0002_rev.py").write_text("import cli\n" + text)
    add_revision(guarded, "cccc0003", "bbbb0002")
    git(guarded, "add", "-A")
    done = commit(guarded, "-m", "computed label")
    assert done.returncode == 0, done.stderr
    check = hookman(guarded, "check")
    assert "head cccc0003" in check.stdout
    assert "`branch_labels` `(cli.EXPAND_BRANCH,)` is not a literal" in check.stdout


def test_the_text_under_a_head_policy_names_the_heads_the_json_names(guarded: Path) -> None:
    (guarded / "pyproject.toml").write_text('[tool.hookman]\nallowed_heads = ["dddd0004"]\n')
    for rev in ("bbbb0002", "cccc0003", "dddd0004"):
        add_revision(guarded, rev, "aaaa0001")
    text = hookman(guarded, "check")
    data = json.loads(hookman(guarded, "check", "--json").stdout)["projects"][0]
    [fork] = [p for p in data["problems"] if p["kind"] == "multiple-heads"]
    assert sorted(fork["revisions"]) == ["bbbb0002", "cccc0003"]
    assert "2 heads" in text.stdout
    # (these hand-typed test ids also draw weak-revision-id warnings; the fork text must not)
    fork_text = [line for line in text.stdout.splitlines() if "weak-revision-id" not in line]
    assert all("dddd0004_rev.py" not in line for line in fork_text)
    assert "bbbb0002 cccc0003" in text.stdout
    assert all("dddd0004" not in line for line in data["fix"])
    assert any("bbbb0002 cccc0003" in line for line in data["fix"])


def test_a_revision_naming_itself_is_named_and_no_merge_is_offered(guarded: Path) -> None:
    add_revision(guarded, "bbbb0002", ("aaaa0001", "bbbb0002"))
    add_revision(guarded, "cccc0003", "bbbb0002")
    add_revision(guarded, "dddd0004", "zzzz9999")  # and a parent no file has
    text = hookman(guarded, "check")
    assert text.returncode == 1
    assert "[cycle]" in text.stdout
    assert "bbbb0002 names itself" in text.stdout
    assert "fix:" not in text.stdout
    assert "no merge offered" in text.stdout
    data = json.loads(hookman(guarded, "check", "--json").stdout)["projects"][0]
    assert data["fix"] == []
    merge = hookman(guarded, "merge")
    assert merge.returncode != 0
    assert not list((guarded / VERSIONS).glob("*merge*"))
