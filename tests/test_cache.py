"""The scan cache only ever saves work: it never changes a verdict."""

from __future__ import annotations

import marshal
from pathlib import Path

from tests.helpers import add_revision, commit_all, hookman

CACHE = Path(".git") / "hookman" / "scan-cache"


def test_cache_is_written_and_an_edit_is_seen(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    path = add_revision(project, "bbbb0002", "aaaa0001")
    assert hookman(project, "check").returncode == 0
    assert (project / CACHE).exists()
    # Same size, new content: ctime/mtime change, so the file is read again.
    path.write_text(path.read_text().replace("'aaaa0001'", "'zzzz0001'"))
    done = hookman(project, "check")
    assert done.returncode == 1
    assert "missing-parent" in done.stdout


def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    add_revision(project, "bbbb0002", "aaaa0001")
    commit_all(project, "two")
    (project / CACHE).parent.mkdir(parents=True, exist_ok=True)
    (project / CACHE).write_bytes(b"\x00garbage")
    assert hookman(project, "check", "--rev", "HEAD").returncode == 0
    # A cache from another format (or version) holding a lie is not believed.
    lie = {"bogus": ("bbbb0002", ("nope",), (), (), 1)}
    (project / CACHE).write_bytes(marshal.dumps(((1, "0.0.0"), lie)))
    done = hookman(project, "check", "--rev", "HEAD")
    assert done.returncode == 0, done.stdout
    assert "head bbbb0002" in done.stdout


def test_a_problem_is_never_cached(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    (project / "migrations" / "versions" / "bad_rev.py").write_text("revision = (\n")
    for _ in range(2):
        done = hookman(project, "check")
        assert done.returncode == 1
        assert "[unparseable-file]" in done.stdout
