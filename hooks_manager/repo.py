"""The git queries: one answer each for the git folder, the work tree holding a path, what git
is in the middle of, HEAD and its branch, a commit's id, a merge base and git's own paths.
Every git process still starts through proc.py; this module is what is asked of git, and the
one place each question is answered.

The git folder, the root and the in-progress markers are read from the file system, not from
`git rev-parse`: the hook path asks them on every commit and a process costs milliseconds.
"""

from __future__ import annotations

import os

from hooks_manager import proc
from hooks_manager.errors import GitError


def git_dir(root: str) -> str | None:
    """The git folder of the work tree at ``root`` (a linked worktree's own one), if any."""
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    if all(os.path.exists(os.path.join(root, name)) for name in ("HEAD", "objects", "refs")):
        return root  # a bare repository (a server): the folder is the git folder
    try:
        with open(dot_git, encoding="utf-8") as handle:  # a linked worktree: "gitdir: <path>"
            text = handle.read().strip()
    except OSError:
        return None
    if text.startswith("gitdir:"):
        return os.path.join(root, text[len("gitdir:"):].strip())
    return None


def find_root(start: str) -> str | None:
    """The work tree holding ``start`` (a `.git` folder, or file in a linked worktree)."""
    path = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(path, ".git")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


# What git can be in the middle of: (marker in the git folder, what it is, how to end it).
IN_PROGRESS = (
    ("MERGE_HEAD", "a merge is in progress", "finish it (git commit) or git merge --abort"),
    ("rebase-merge", "a rebase is in progress", "finish it or git rebase --abort"),
    ("rebase-apply", "a rebase (or git am) is in progress", "finish it or abort it"),
    ("CHERRY_PICK_HEAD", "a cherry-pick is in progress", "finish it or git cherry-pick --abort"),
    ("REVERT_HEAD", "a revert is in progress", "finish it or git revert --abort"),
)


def in_progress(root: str) -> list[tuple[str, str, str]]:
    """The entries of IN_PROGRESS whose marker exists (a linked worktree has its own)."""
    folder = git_dir(root)
    if folder is None:
        return []
    return [item for item in IN_PROGRESS if os.path.exists(os.path.join(folder, item[0]))]


def commit_sha(root: str, rev: str) -> str | None:
    """The commit ``rev`` names, None when it names none (`rev-parse --verify`)."""
    result = proc.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root)
    return result.out.decode().strip() if result.code == 0 else None


def head_sha(root: str) -> str:
    """HEAD's commit, "" on an unborn branch."""
    return proc.run(["git", "rev-parse", "-q", "--verify", "HEAD"], root).out.decode().strip()


def current_branch(root: str) -> str | None:
    """The branch HEAD is on (short name), None when detached."""
    branch = proc.run(["git", "symbolic-ref", "-q", "--short", "HEAD"], root)
    return (branch.out.decode().strip() or None) if branch.code == 0 else None


def absolute_git_path(root: str, *args: str) -> str | None:
    """`git rev-parse --path-format=absolute <args>`: one of git's own paths (`--git-path
    hooks`, `--git-common-dir`), None outside a repository."""
    result = proc.run(["git", "rev-parse", "--path-format=absolute", *args], root)
    return result.out.decode(errors="surrogateescape").strip() if result.code == 0 else None


def merge_base(root: str, ours: str, theirs: str) -> str | None:
    result = proc.run(["git", "merge-base", ours, theirs], root)
    if result.code == 1 and not result.err:
        return None  # unrelated histories: nothing in common
    if result.code:
        raise GitError(f"cannot compare {ours} with {theirs}: "
                       f"{result.err.decode(errors='replace').strip()}",
                       hint="check that both names exist (git fetch may be needed)")
    return result.out.decode().strip()
