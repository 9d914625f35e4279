"""The only GitPython importer: the few writes hookman makes to a repository (commit one new
file, merge the upstream into the branch) and the state that must hold before it makes them.

Writes go through GitPython's git passthrough (``repo.git.<command>``), never ``repo.index``:
the passthrough runs git itself, so it honours GIT_INDEX_FILE and git's own locking, while
``repo.index`` always writes ``.git/index``.
"""

from __future__ import annotations

import contextlib
import os
import shlex

from hooks_manager.sitepaths import full_site

full_site()  # GitPython lives in site-packages, which the hook shims' -S start skips

import git  # noqa: E402

from hooks_manager.errors import GitError, MergeError  # noqa: E402
from hooks_manager.repo import current_branch, git_dir, in_progress, merging  # noqa: E402


def open_repo(root: str) -> git.Repo:
    try:
        # expand_vars=False: GitPython would otherwise run os.path.expandvars on the path, so a
        # clone in a folder named `$HOME` (or `${x}`) opened another repository, with a warning.
        return git.Repo(root, expand_vars=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise GitError(f"{root} is not a git repository") from exc


def refuse_if_busy(root: str, allow_merge: bool = False) -> None:
    """Raise MergeError when git is in the middle of something a new commit would disturb.
    ``allow_merge``: a merge whose commit was stopped by the fork is what `hookman merge`
    concludes (when its conflicts are resolved)."""
    for marker, what, how in in_progress(root):
        if allow_merge and marker == "MERGE_HEAD":
            conflicted = unmerged(root)
            if conflicted:
                raise MergeError(f"{what} in {root} with unresolved conflicts in "
                                 f"{', '.join(conflicted)}; hookman writes nothing now",
                                 hint="resolve them and git add them, then run the fix again")
            continue
        raise MergeError(f"{what} in {root}; hookman writes nothing now", hint=how)
    folder = git_dir(root)  # a linked worktree's own folder: its state lives there
    if folder is None:
        raise GitError(f"{root} is not a git repository")
    lock = os.path.join(folder, "index.lock")
    if os.path.exists(lock):
        raise MergeError(f"the index is locked ({lock} exists): another git command is "
                         "running; hookman writes nothing now",
                         hint="wait for it to finish; if no git command is running, "
                              "delete the lock file")


def has_tracked_changes(root: str) -> bool:
    """Staged or unstaged changes to tracked files (untracked files do not count)."""
    return open_repo(root).is_dirty(index=True, working_tree=True, untracked_files=False)


def commit_new_files(root: str, paths: list[str], message: str, merging: bool = False) -> str:
    """Commit exactly ``paths`` (new files, relative to ``root``) and return the commit's sha.

    ``commit --only`` builds the commit from HEAD plus these paths, so whatever else is staged
    stays staged and out of this commit, and unstaged changes are not touched. ``--no-verify``:
    hookman's own pre-commit must not re-enter. On failure the paths are unstaged again.

    ``merging``: a merge is under way (its pre-merge-commit or pre-commit hook found the fork).
    git refuses a partial commit then; the merge's commit is the whole index, so the paths
    are added and the merge is concluded with git's own message (--no-edit). Its hooks ran
    already, on this very index minus the merge revision (that is how the fork was found)."""
    repo = open_repo(root)
    try:
        repo.git.add("--", *paths)
        if merging:
            repo.git.commit("--no-edit", "--no-verify", "--quiet")
        else:
            repo.git.commit("--only", "--no-verify", "--quiet", "-m", message, "--", *paths)
    except BaseException as exc:
        _unstage(repo, paths)
        if isinstance(exc, git.GitCommandError):
            raise GitError(f"git could not commit {', '.join(paths)}: {_said(exc)}",
                           hint="nothing was committed") from exc
        raise
    return repo.head.commit.hexsha


def _unstage(repo: git.Repo, paths: list[str]) -> None:
    """Put the index entries of ``paths`` back as HEAD has them. `reset` (not `rm --cached`):
    if HEAD holds a path (a concurrent fix committed the same file), removing it from the
    index would stage its deletion. When this fails too, the index is locked or gone: the
    caller asks git afterwards what is still staged, and says so."""
    with contextlib.suppress(git.GitCommandError):
        if repo.head.is_valid():
            repo.git.reset("-q", "HEAD", "--", *paths)
        else:
            repo.git.rm("--cached", "--quiet", "--ignore-unmatch", "--", *paths)


def unmerged(root: str) -> list[str]:
    """Paths with unresolved conflicts (a merge's commit is refused while there are any)."""
    return _conflicted(open_repo(root))


def merge_upstream(root: str, upstream: str, resolvable: tuple[str, ...] = ()) -> str:
    """`git merge --no-edit <upstream>` into the current branch; its sha. A conflict is aborted
    (`git merge --abort`), leaving the branch as it was, and raised as a MergeError.
    --no-verify: this merge is the fork on purpose; hookman's own pre-merge-commit would refuse
    it before the merge revision that follows can be written.

    A conflict only in ``resolvable`` paths (the head files: they conflict exactly because of
    the fork this merge is for) is settled with our side and the merge committed; the merge
    revision written next rewrites them anyway."""
    repo = open_repo(root)
    try:
        repo.git.merge("--no-edit", "--no-verify", upstream)
    except git.GitCommandError as exc:
        conflicted = _conflicted(repo)
        if conflicted and set(conflicted) <= set(resolvable):
            try:
                repo.git.checkout("--ours", "--", *conflicted)
                repo.git.add("--", *conflicted)
                repo.git.commit("--no-edit", "--no-verify", "--quiet")
                return repo.head.commit.hexsha
            except git.GitCommandError:
                pass  # fall through: abort, as for any other conflict
        if merging(root):
            repo.git.merge("--abort")
        if conflicted:
            raise MergeError(
                f"merging {upstream} into {current_branch(root) or 'HEAD'} conflicts in "
                f"{', '.join(conflicted)}; the merge was aborted and nothing changed",
                hint=f"merge by hand: git merge {shlex.quote(upstream)}, resolve and commit, then "
                     "hookman merge --commit, then git push again") from exc
        raise MergeError(f"git could not merge {upstream}: {_said(exc)}",
                         hint="nothing changed; fix the cause and push again") from exc
    return repo.head.commit.hexsha


def _conflicted(repo: git.Repo) -> list[str]:
    try:
        out = repo.git.diff("--name-only", "--diff-filter=U")
    except git.GitCommandError:
        return []
    return [line for line in str(out).splitlines() if line]


def _said(exc: git.GitCommandError) -> str:
    text = str(exc.stderr or exc).strip().removeprefix("stderr:").strip().strip("'").strip()
    return " ".join(text.split()) or f"exit code {exc.status}"


def undo_commit(root: str, sha: str) -> None:
    """Move the branch back to ``sha`` after a step of ours failed. `reset --keep` refuses
    rather than overwrite a local change, so it can never lose the user's work."""
    open_repo(root).git.reset("--keep", sha)


def commit_files(root: str, paths: list[str], message: str) -> str:
    """Commit exactly ``paths`` (edited, added, renamed or removed files, relative to
    ``root``): `add -A` stages each as it now is, `commit --only` keeps every other staged
    change staged and out of this commit. On failure the commit is not made and the paths
    are left as they were staged before."""
    repo = open_repo(root)
    try:
        repo.git.add("-A", "--", *paths)
        repo.git.commit("--only", "--no-verify", "--quiet", "-m", message, "--", *paths)
    except git.GitCommandError as exc:
        raise GitError(f"git could not commit {', '.join(paths)}: {_said(exc)}",
                       hint="the edited files are in the work tree; commit them by hand") from exc
    return repo.head.commit.hexsha
