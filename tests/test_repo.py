"""repo.py's one answer each for the git folder, work tree or not, HEAD, the branch and what
git is in the middle of: asked of real repositories (a clone, a linked worktree, a bare
repository, a rebase stopped on a conflict)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks_manager import repo
from hooks_manager.errors import GitError
from tests.helpers import commit_all, git, init_repo


def _two_commits(path: Path) -> tuple[str, str]:
    init_repo(path)
    (path / "a.txt").write_text("one\n")
    first = commit_all(path, "one")
    (path / "a.txt").write_text("two\n")
    return first, commit_all(path, "two")


def test_branch_is_its_name_even_when_a_tag_shares_it(tmp_path: Path) -> None:
    work = tmp_path / "work"
    _two_commits(work)
    git(work, "checkout", "-q", "-b", "release")
    git(work, "tag", "release")  # `symbolic-ref --short` would say heads/release
    assert repo.current_branch(str(work)) == "release"
    assert repo.own_branch(str(work)) == "release"
    git(work, "checkout", "-q", "--detach")
    assert repo.current_branch(str(work)) is None
    assert repo.head_sha(str(work)) == git(work, "rev-parse", "HEAD")


def test_an_unborn_branch_has_a_name_and_no_commit(tmp_path: Path) -> None:
    work = init_repo(tmp_path / "work", branch="trunk")
    assert repo.current_branch(str(work)) == "trunk"
    assert repo.head_sha(str(work)) == ""
    with pytest.raises(GitError, match="HEAD has no commit yet"):
        repo.head_sha(str(work), required=True)


def test_linked_worktree_and_bare_repository_have_their_own_git_folder(tmp_path: Path) -> None:
    work = tmp_path / "work"
    first, _ = _two_commits(work)
    linked = tmp_path / "linked"
    git(work, "worktree", "add", "-q", "-b", "side", str(linked), first)
    assert repo.is_work_tree(str(linked))
    assert repo.is_work_tree(str(work))
    folder = repo.git_dir(str(linked))
    assert folder is not None
    assert Path(folder).resolve() == (work / ".git" / "worktrees" /
                                                             "linked").resolve()
    assert repo.find_root(str(linked / "deeper" / "still")) == str(linked)
    assert repo.current_branch(str(linked)) == "side"
    bare = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    assert repo.git_dir(str(bare)) == str(bare)
    assert not repo.is_work_tree(str(bare))
    assert repo.is_bare(str(bare))
    assert not repo.is_bare(str(work))
    assert repo.current_branch(str(bare)) == "main"  # a server's default branch
    plain = tmp_path / "plain"
    plain.mkdir()
    assert repo.git_dir(str(plain)) is None
    assert not repo.is_work_tree(str(plain))
    assert repo.find_root(str(plain)) is None


def test_a_stopped_rebase_is_in_progress_and_keeps_its_branch(tmp_path: Path) -> None:
    work = tmp_path / "work"
    first, _ = _two_commits(work)
    git(work, "checkout", "-q", "-b", "topic", first)
    (work / "a.txt").write_text("topic\n")
    commit_all(work, "topic")
    git(work, "rebase", "main", check=False)  # both changed a.txt: it stops on the conflict
    markers = [marker for marker, _, _ in repo.in_progress(str(work))]
    assert markers
    assert markers[0].startswith("rebase")
    assert not repo.merging(str(work))
    assert repo.current_branch(str(work)) is None  # HEAD is detached while it replays
    assert repo.own_branch(str(work)) == "topic"
    git(work, "rebase", "--abort")
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "--no-edit", "topic", check=False)  # conflicts: a merge stopped
    assert repo.merging(str(work))
    assert [m for m, _, _ in repo.in_progress(str(work))] == ["MERGE_HEAD"]
