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


def _edited_on_both_sides(project: Path) -> tuple[str, str, str]:
    """bbbb0002 edited on feature and on main, ccc0003 deleted on main and edited on feature,
    dddd0004 deleted on feature and edited on main: (base, feature, main) commits."""
    based(project)
    two = add_revision(project, "bbbb0002", "aaaa0001")
    three = add_revision(project, "cccc0003", "bbbb0002")
    four = add_revision(project, "dddd0004", "cccc0003")
    base = commit_all(project, "chain")
    git(project, "checkout", "-q", "-b", "feature")
    two.write_text(revision_source("bbbb0002", "aaaa0001") + "# feature's edit\n")
    three.write_text(revision_source("cccc0003", "bbbb0002") + "# feature's edit\n")
    four.unlink()
    feature = commit_all(project, "feature edits")
    git(project, "checkout", "-q", "main")
    two.write_text(revision_source("bbbb0002", None))  # read, it would make a second base
    three.unlink()
    four.write_text(revision_source("dddd0004", "cccc0003") + "# main's edit\n")
    return base, feature, commit_all(project, "main edits")


def test_a_revision_changed_on_both_sides_is_read_from_ours_with_a_note(project: Path) -> None:
    _edited_on_both_sides(project)
    done = hookman(project, "check", "--rev", "feature", "--against", "main", "--json")
    problems = json.loads(done.stdout)["projects"][0]["problems"]
    noted = sorted(p["path"] for p in problems if p["kind"] == "merge-conflict")
    assert noted == [f"migrations/versions/{r}_rev.py" for r in ("cccc0003", "dddd0004")]
    said = {p["path"].split("/")[-1]: p["message"] for p in problems
            if p["kind"] == "merge-conflict"}
    assert said["cccc0003_rev.py"].endswith("the prediction reads feature's version")
    assert said["dddd0004_rev.py"].endswith("the prediction reads main's version "
                                            "(feature deleted it)")
    # A revision whose two sides differ in substance is more than a note: one id, two files.
    clash = [p["path"] for p in problems if p["kind"] == "revision-id-collision"]
    assert clash == ["migrations/versions/bbbb0002_rev.py"]
    # Ours (feature) is read where it has the file; where ours deleted it, theirs' edit is.
    assert heads(project, "--rev", "feature", "--against", "main") == ["dddd0004"]


def test_the_push_reads_predict_the_same_merge_as_three_trees(project: Path) -> None:
    # The push lists our tree and the upstream's changes since the base, not three trees;
    # the merge it predicts, conflicts included, must be the one three_way gives from three.
    from hooks_manager.sources import GitReads, PredictedMerge, SharedMerge

    base, feature, main = _edited_on_both_sides(project)
    (project / "other.txt").write_text("outside the version location\n")
    commit_all(project, "main touches another file")
    main = git(project, "rev-parse", "HEAD")
    rels = ["migrations/versions"]
    full = PredictedMerge(str(project), feature, main)
    shared = SharedMerge(GitReads(str(project)), feature, "main", main, base)
    assert shared.entries(rels) == full.entries(rels)
    assert shared.conflicts == full.conflicts == [
        f"migrations/versions/{r}_rev.py" for r in ("bbbb0002", "cccc0003", "dddd0004")]
    blob = git(project, "rev-parse", f"{feature}:migrations/versions/bbbb0002_rev.py")
    assert shared.entries(rels)["migrations/versions/bbbb0002_rev.py"] == blob
    assert shared.sides(rels) == full.sides(rels)  # which side a file is from, for the report
    assert not shared.same_as_ours(rels)
    assert shared.same_as_ours(["docs"])  # nothing changed there since the base
