"""Where the bytes come from: the index (not the work tree), a commit not checked out, and
the predicted merge of two commits — all with real git."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.helpers import add_revision, commit_all, git, hookman, revision_source

VERSIONS = Path("migrations") / "versions"


def heads(project: Path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    done = hookman(project, "check", "--json", *args, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    return sorted(h["revision"] for h in json.loads(done.stdout)["projects"][0]["heads"])


def based(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    commit_all(project, "base")


def test_staged_ignores_a_fork_that_is_only_in_the_work_tree(project: Path) -> None:
    based(project)
    add_revision(project, "bbbb0002", "aaaa0001")
    git(project, "add", "-A")
    add_revision(project, "cccc0003", "aaaa0001")  # not staged
    assert heads(project) == ["bbbb0002", "cccc0003"]
    assert heads(project, "--staged") == ["bbbb0002"]
    assert hookman(project, "check", "--staged").returncode == 0


def test_staged_sees_a_fork_that_is_only_in_the_index(project: Path) -> None:
    based(project)
    add_revision(project, "bbbb0002", "aaaa0001")
    add_revision(project, "cccc0003", "aaaa0001")
    git(project, "add", "-A")
    (project / VERSIONS / "cccc0003_rev.py").unlink()  # gone from disk, still staged
    assert heads(project) == ["bbbb0002"]
    assert heads(project, "--staged") == ["bbbb0002", "cccc0003"]
    assert hookman(project, "check", "--staged").returncode == 1
    hook = hookman(project, "hook", "pre-commit")
    assert hook.returncode == 1
    assert "cccc0003" in hook.stderr


def test_partially_staged_file_is_read_as_staged(project: Path) -> None:
    based(project)
    path = add_revision(project, "bbbb0002", "aaaa0001")
    git(project, "add", "-A")
    # The work tree makes the file a second base (two heads on disk); the index has a chain.
    path.write_text(revision_source("bbbb0002", None))
    assert heads(project) == ["aaaa0001", "bbbb0002"]
    assert heads(project, "--staged") == ["bbbb0002"]
    add_revision(project, "cccc0003", "aaaa0001")
    git(project, "add", str(VERSIONS / "cccc0003_rev.py"))
    assert heads(project, "--staged") == ["bbbb0002", "cccc0003"]
    path.write_text(revision_source("bbbb0002", "aaaa0001") + "# more\n")
    git(project, "add", str(path))
    path.write_text(revision_source("bbbb0002", "cccc0003"))  # unstaged fix of the fork
    assert heads(project) == ["bbbb0002"]
    assert heads(project, "--staged") == ["bbbb0002", "cccc0003"]


def test_rev_reads_a_commit_that_is_not_checked_out(project: Path) -> None:
    based(project)
    git(project, "checkout", "-q", "-b", "forked")
    add_revision(project, "bbbb0002", "aaaa0001")
    add_revision(project, "cccc0003", "aaaa0001")
    forked = commit_all(project, "fork")
    git(project, "checkout", "-q", "main")
    assert heads(project) == ["aaaa0001"]
    assert heads(project, "--rev", forked) == ["bbbb0002", "cccc0003"]
    assert heads(project, "--rev", "forked~1") == ["aaaa0001"]
    bad = hookman(project, "check", "--rev", "no-such-branch")
    assert bad.returncode == 2
    assert "no-such-branch" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_against_predicts_the_fork_of_two_single_headed_branches(project: Path) -> None:
    based(project)
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "yyyy0003", "aaaa0001")
    commit_all(project, "feature adds Y")
    git(project, "checkout", "-q", "main")
    add_revision(project, "xxxx0002", "aaaa0001")
    commit_all(project, "main adds X")
    assert heads(project, "--rev", "main") == ["xxxx0002"]
    assert heads(project, "--rev", "feature") == ["yyyy0003"]
    assert heads(project, "--rev", "feature", "--against", "main") == ["xxxx0002", "yyyy0003"]
    assert heads(project, "--rev", "main", "--against", "feature") == ["xxxx0002", "yyyy0003"]
    text = hookman(project, "check", "--rev", "feature", "--against", "main")
    assert text.returncode == 1
    assert "if feature were merged with main" in text.stdout


def test_against_fast_forward_is_healthy(project: Path) -> None:
    based(project)
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "bbbb0002", "aaaa0001")
    commit_all(project, "feature")
    assert heads(project, "--rev", "feature", "--against", "main") == ["bbbb0002"]
    assert heads(project, "--rev", "main", "--against", "feature") == ["bbbb0002"]


def test_against_sees_a_deletion_on_one_side(project: Path) -> None:
    based(project)
    add_revision(project, "bbbb0002", "aaaa0001")
    commit_all(project, "two")
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "cccc0003", "bbbb0002")
    commit_all(project, "feature")
    git(project, "checkout", "-q", "main")
    git(project, "rm", "-q", str(VERSIONS / "bbbb0002_rev.py"))
    commit_all(project, "main drops bbbb0002")
    # Merged, cccc0003 names a parent no file has any more.
    done = hookman(project, "check", "--rev", "feature", "--against", "main", "--json")
    kinds = {p["kind"] for p in json.loads(done.stdout)["projects"][0]["problems"]}
    assert done.returncode == 1
    assert "missing-parent" in kinds


def test_against_unrelated_histories(project: Path) -> None:
    based(project)
    git(project, "checkout", "-q", "--orphan", "other")
    git(project, "rm", "-rq", "--cached", ".")
    for path in (project / VERSIONS).glob("*.py"):
        path.unlink()
    add_revision(project, "zzzz0001", None)
    commit_all(project, "unrelated root")
    assert heads(project, "--rev", "other", "--against", "main") == ["aaaa0001", "zzzz0001"]


def test_git_index_file_is_honoured(project: Path) -> None:
    based(project)
    add_revision(project, "bbbb0002", "aaaa0001")
    add_revision(project, "cccc0003", "aaaa0001")
    other_index = project.parent / "other-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(other_index)}
    git(project, "read-tree", "HEAD", env=env)
    git(project, "add", str(VERSIONS / "bbbb0002_rev.py"), env=env)
    git(project, "add", "-A")  # the normal index has the fork
    assert heads(project, "--staged") == ["bbbb0002", "cccc0003"]
    assert heads(project, "--staged", env={"GIT_INDEX_FILE": str(other_index)}) == ["bbbb0002"]
