"""What a warm run skips, observed through git's own trace (GIT_TRACE names every git command
a process runs) and through the answers staying the same as a cold run's."""

from __future__ import annotations

import json
from pathlib import Path

from hooks_manager.cache import Key, ScanCache
from hooks_manager.check import ProjectReport, check_projects
from hooks_manager.graph import Record
from hooks_manager.repo import git_dir
from hooks_manager.sources import WorkTree
from hooks_manager.workspace import load_workspace
from tests.headkit import HEAD_FILE, add_on, based
from tests.helpers import add_revision, commit_all, git, hookman
from tests.hooktools import commit, install


def _git_commands(trace: Path) -> list[str]:
    """The git commands in a GIT_TRACE file (`trace: built-in: git <command> ...`); git
    creates the file only when a git command runs."""
    if not trace.exists():
        return []
    return [line.split("built-in: ", 1)[1] for line in trace.read_text().splitlines()
            if "trace: built-in: " in line]


def test_an_unchanged_clone_is_checked_without_listing_the_index(project: Path,
                                                                 tmp_path: Path) -> None:
    add_revision(project, "aaaa00000001", None)
    commit_all(project, "base")
    first = hookman(project, "check")
    assert first.returncode == 0, first.stderr
    trace = tmp_path / "trace"
    again = hookman(project, "check", env={"GIT_TRACE": str(trace)})
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    assert not [c for c in _git_commands(trace) if c.startswith("git ls-files")]
    # A change to the index (a second project staged) is seen at once.
    other = project / "other"
    (other / "migrations" / "versions").mkdir(parents=True)
    (other / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (other / "migrations" / "env.py").write_text("")
    git(project, "add", "-A")
    found = hookman(project, "check")
    assert found.returncode == 0, found.stderr
    assert "other" in found.stdout, found.stdout


def test_weak_ids_are_named_the_same_warm_and_cold(project: Path) -> None:
    add_revision(project, "aaaaaa111111", None)  # three distinct characters: typed by hand
    add_revision(project, "5f2c9e0b7d41", "aaaaaa111111")
    commit_all(project, "base")
    cold = hookman(project, "check", env={"HOOKMAN_NO_CACHE": "1"})
    first = hookman(project, "check")
    warm = hookman(project, "check")
    assert "revision id aaaaaa111111 (" in cold.stdout, cold.stdout
    assert "looks typed by hand" in cold.stdout
    assert cold.stdout == first.stdout == warm.stdout
    assert "5f2c9e0b7d41 (" not in warm.stdout  # the random id is not named


def test_an_up_to_date_head_file_costs_the_commit_no_read(project: Path,
                                                          tmp_path: Path) -> None:
    based(project)
    install(project)
    trace = tmp_path / "trace"
    add_revision(project, "bbbb0002", "aaaa0001")
    assert hookman(project, "heads", "--write").returncode == 0
    git(project, "add", "-A")
    done = commit(project, "-m", "b", env={"GIT_TRACE": str(trace)})
    assert done.returncode == 0, done.stderr
    commands = _git_commands(trace)
    assert any(c.startswith("git ls-files") and HEAD_FILE in c for c in commands), commands
    assert not [c for c in commands if c.startswith("git cat-file blob")], commands
    # A stale one is still read and blocked.
    add_revision(project, "cccc0003", "bbbb0002")
    git(project, "add", "-A")
    stale = commit(project, "-m", "c")
    assert stale.returncode == 1
    assert "stale-head-file" in stale.stderr or "alembic_heads.txt says" in stale.stderr
    add_on(project, "dddd0004", "cccc0003", "d, head file written")
    assert git(project, "log", "-1", "--format=%s") == "d, head file written"


def test_a_healthy_commit_lists_the_index_once(project: Path, tmp_path: Path) -> None:
    # The configuration candidates and the version folder the last commit asked about go
    # into one `git ls-files`; a new folder is still asked about (and remembered).
    add_revision(project, "aaaa00000001", None)
    commit_all(project, "base")
    install(project)
    add_revision(project, "bbbb00000002", "aaaa00000001")
    git(project, "add", "-A")
    assert commit(project, "-m", "first").returncode == 0
    add_revision(project, "cccc00000003", "bbbb00000002")
    git(project, "add", "-A")
    trace = tmp_path / "trace"
    done = commit(project, "-m", "second", env={"GIT_TRACE": str(trace)})
    assert done.returncode == 0, done.stderr
    listings = [c for c in _git_commands(trace) if c.startswith("git ls-files")]
    assert len(listings) == 1, listings
    assert "migrations/versions" in listings[0]
    # A fork staged now is still seen through the shared listing.
    add_revision(project, "dddd00000004", "bbbb00000002")
    git(project, "add", "-A")
    blocked = commit(project, "-m", "fork")
    assert blocked.returncode == 1
    assert "cccc00000003" in blocked.stderr
    assert "dddd00000004" in blocked.stderr


def test_two_projects_share_the_one_listing(project: Path, tmp_path: Path) -> None:
    # Each project asks for its own folder; the remembered set holds both, so the listing
    # does not flip between them from one commit to the next.
    other = project / "other"
    (other / "migrations" / "versions").mkdir(parents=True)
    (other / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (other / "migrations" / "env.py").write_text("")
    add_revision(project, "aaaa00000001", None)
    commit_all(project, "base")
    install(project)
    traces = []
    for n in range(3):
        add_revision(project, f"bbbb0000000{n}", "aaaa00000001" if n == 0 else
                     f"bbbb0000000{n - 1}")
        git(project, "add", "-A")
        trace = tmp_path / f"trace{n}"
        done = commit(project, "-m", f"commit {n}", env={"GIT_TRACE": str(trace)})
        assert done.returncode == 0, done.stderr
        traces.append([c for c in _git_commands(trace) if c.startswith("git ls-files")])
    assert [len(t) for t in traces[1:]] == [1, 1], traces
    assert "other/migrations/versions" in traces[2][0]
    assert "migrations/versions" in traces[2][0].replace("other/migrations/versions", "")


class _CountingCache(ScanCache):
    """The real cache, counting the records it is asked for."""

    def __init__(self, path: str | None) -> None:
        super().__init__(path)
        self.asked = 0

    def get(self, key: Key, path: str) -> Record | None:
        self.asked += 1
        return super().get(key, path)


def _check_in_process(project: Path) -> tuple[ProjectReport, _CountingCache]:
    source = WorkTree(str(project))
    folder = git_dir(str(project))
    assert folder is not None
    cache = _CountingCache(f"{folder}/hookman/scan-cache-worktree")
    source.cache = cache
    ws = load_workspace(str(project), source)
    (report,) = check_projects(ws.require_projects(), source, ws.settings)
    return report, cache


def test_a_remembered_verdict_stands_without_reading_a_record(project: Path) -> None:
    add_revision(project, "3f10b4cd8e8e", None)
    add_revision(project, "5f2c9e0b7d41", "3f10b4cd8e8e")
    add_revision(project, "aaaaaa111111", "5f2c9e0b7d41")  # typed by hand
    commit_all(project, "base")
    first, first_cache = _check_in_process(project)
    assert first_cache.asked == 3  # a cold cache: every file read, parsed and put
    warm, warm_cache = _check_in_process(project)
    assert warm_cache.asked == 0  # the keys matched the remembered verdict: nothing asked
    assert warm.verdict.head_ids == first.verdict.head_ids == ["aaaaaa111111"]
    assert warm.verdict.revision_count == 3
    assert warm.weak == first.weak  # the hand-typed id, remembered with the verdict
    assert [w[0] for w in warm.weak] == ["aaaaaa111111"]
    # Whoever asks for the records still gets them, read from the cache the plain way.
    assert [(r.revision, r.down_revisions, r.path) for r in warm.records] == [
        (r.revision, r.down_revisions, r.path) for r in first.records]
    assert warm_cache.asked == 3


def test_an_old_revision_edited_in_place_is_seen_after_a_remembered_verdict(
    project: Path
) -> None:
    add_revision(project, "aaaa00000001", None)
    old = add_revision(project, "bbbb00000002", "aaaa00000001")
    add_revision(project, "cccc00000003", "bbbb00000002")
    commit_all(project, "base")
    assert hookman(project, "check").returncode == 0
    assert hookman(project, "check").returncode == 0  # remembered
    # Same size, same folder listing (the folder's own mtime does not move): only the file's
    # stat tells, and the listing compares it.
    text = old.read_text()
    old.write_text(text.replace("'aaaa00000001'", "'zzzz00000001'"))
    assert len(old.read_text()) == len(text)
    done = hookman(project, "check")
    assert done.returncode == 1, done.stdout
    assert "missing-parent" in done.stdout


def test_json_names_the_same_typed_ids_warm_and_cold(project: Path) -> None:
    add_revision(project, "aaaaaa111111", None)
    add_revision(project, "5f2c9e0b7d41", "aaaaaa111111")
    commit_all(project, "base")
    cold = hookman(project, "check", "--json", env={"HOOKMAN_NO_CACHE": "1"})
    hookman(project, "check")  # the text check remembers the verdict and its typed ids
    first = hookman(project, "check", "--json")
    warm = hookman(project, "check", "--json")
    assert cold.stdout == first.stdout == warm.stdout
    (found,) = json.loads(warm.stdout)["projects"]
    assert [p["revisions"] for p in found["id_hygiene"]] == [["aaaaaa111111"]]
