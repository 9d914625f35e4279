"""The git queries: one answer each for the git folder, the work tree holding a path, what git
is in the middle of, HEAD and its branch, a commit's id, a merge base and git's own paths, and
every other question hookman asks git (its config, refs, status, diffs, history). Every git
process still starts through proc.py; this module is what is asked of git, and the one place
each question is answered. Only the byte readers (ls-files, ls-tree, cat-file of revision and
configuration files) live beside the sources that need them, in sources.py; and a fetch, which
needs a bound in time, in netgit.py. tests/test_layers.py holds every other module to that.

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


def is_work_tree(root: str) -> bool:
    """Whether ``root`` is the top of a git work tree (a `.git` folder, or the `.git` file of a
    linked worktree): the repository-or-not answer wherever a work tree is needed."""
    return os.path.exists(os.path.join(root, ".git"))


def find_root(start: str) -> str | None:
    """The work tree holding ``start`` (a `.git` folder, or file in a linked worktree)."""
    path = os.path.abspath(start)
    while True:
        if is_work_tree(path):
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


def merging(root: str) -> bool:
    """Whether a merge is in progress (MERGE_HEAD): its commit takes the whole index."""
    return any(marker == "MERGE_HEAD" for marker, _, _ in in_progress(root))


def commit_sha(root: str, rev: str) -> str | None:
    """The commit ``rev`` names, None when it names none (`rev-parse --verify`)."""
    result = proc.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root)
    return result.out.decode().strip() if result.code == 0 else None


def merge_base_and_ids(root: str, ours: str, theirs: str
                       ) -> tuple[str | None, tuple[str, ...] | None]:
    """merge_base(), and the commit id of each side (None when one names no commit): the two
    git processes run side by side."""
    running = proc.start(_rev_parse((ours, theirs)), root)
    try:
        base = merge_base(root, ours, theirs)
    finally:
        ids = _ids_of(proc.finish(running), 2)  # drained even when merge_base raised
    return base, ids


def _rev_parse(revs: tuple[str, ...]) -> list[str]:
    return ["git", "rev-parse", *[f"{rev}^{{commit}}" for rev in revs]]


def _ids_of(result: proc.Result, count: int) -> tuple[str, ...] | None:
    ids = tuple(result.out.decode().split())
    return ids if result.code == 0 and len(ids) == count else None


def head_sha(root: str, required: bool = False) -> str:
    """HEAD's commit, "" on an unborn branch (a GitError instead when ``required``)."""
    sha = proc.run(["git", "rev-parse", "-q", "--verify", "HEAD"], root).out.decode().strip()
    if required and not sha:
        raise GitError(f"HEAD has no commit yet in {root}", hint="make a first commit")
    return sha


def current_branch(root: str) -> str | None:
    """The branch HEAD is on (its name under refs/heads/), None when detached or unborn
    outside refs/heads. The full ref is read and cut, not `--short`, which says `heads/x`
    when a tag x exists too. In a bare repository: the default branch."""
    result = proc.run(["git", "symbolic-ref", "-q", "HEAD"], root)
    ref = result.out.decode("utf-8", "surrogateescape").strip() if result.code == 0 else ""
    return (ref.removeprefix("refs/heads/") or None) if ref.startswith("refs/heads/") else None


def own_branch(root: str) -> str | None:
    """The branch being worked on, also while a rebase has HEAD detached (git keeps its name
    in the rebase's folder)."""
    folder = git_dir(root)
    if folder is None:
        return None
    for name in ("rebase-merge/head-name", "rebase-apply/head-name"):
        try:
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                return handle.read().strip().removeprefix("refs/heads/")
        except OSError:
            continue
    return current_branch(root)


def upstream_of(root: str, rev: str = "HEAD") -> str | None:
    """The remote-tracking branch ``rev`` (a branch, or HEAD's) tracks, e.g. `origin/main`."""
    spec = "@{upstream}" if rev == "HEAD" else f"{rev}@{{upstream}}"
    return _text(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", spec)


def tree_id(root: str, rev: str) -> str | None:
    """The id of ``rev``'s tree: one id naming every file of a commit."""
    return _text(root, "rev-parse", "--verify", "-q", f"{rev}^{{tree}}")


def same_commit(root: str, one: str, other: str) -> bool | None:
    """Whether ``one`` and ``other`` name the same commit (None: one of them names none),
    asked in one process."""
    result = proc.run(["git", "rev-parse", f"{one}^{{commit}}", f"{other}^{{commit}}"], root)
    shas = result.out.split()
    return shas[0] == shas[1] if not result.code and len(shas) == 2 else None


def object_type(root: str, name: str) -> str | None:
    """`commit`, `tag`, `tree` or `blob`: what ``name`` is (None: nothing)."""
    return _text(root, "cat-file", "-t", name)


def is_shallow(root: str) -> bool:
    return proc.git(root, "rev-parse", "--is-shallow-repository").strip() == b"true"


def is_bare(root: str) -> bool:
    """Whether ``root`` is a bare repository; GitError when it is no repository at all."""
    result = proc.run(["git", "rev-parse", "--is-bare-repository"], root)
    if result.code:
        raise GitError(f"{root} is not a git repository",
                       hint="run hookman install --server inside the server's bare repository")
    return result.out.strip() == b"true"


def hook_locations(cwd: str) -> tuple[str, str, str]:
    """(work tree root, the folder git reads hooks from, the common git folder), absolute,
    from any subfolder or linked worktree."""
    result = proc.run(["git", "rev-parse", "--path-format=absolute", "--show-toplevel",
                       "--git-path", "hooks", "--git-common-dir"], cwd)
    lines = result.out.decode(errors="surrogateescape").splitlines()
    if result.code or len(lines) != 3:
        said = result.err.decode(errors="replace").strip()
        raise GitError(f"{cwd} is not inside a git work tree ({said or 'git rev-parse failed'})",
                       hint="run hookman install from inside the clone")
    return lines[0], lines[1], lines[2]


def git_hooks_dir(root: str) -> str:
    """The folder git reads hooks from (core.hooksPath honoured), absolute."""
    return proc.git(root, "rev-parse", "--path-format=absolute", "--git-path",
                    "hooks").decode(errors="surrogateescape").strip()


def absolute_git_path(root: str, *args: str) -> str | None:
    """`git rev-parse --path-format=absolute <args>`: one of git's own paths (`--git-path
    hooks`, `--git-common-dir`), None outside a repository."""
    result = proc.run(["git", "rev-parse", "--path-format=absolute", *args], root)
    return result.out.decode(errors="surrogateescape").strip() if result.code == 0 else None


def _text(root: str, *args: str) -> str | None:
    """git's output, stripped, when it succeeds; None when it does not."""
    result = proc.run(["git", *args], root)
    return result.out.decode("utf-8", "surrogateescape").strip() if result.code == 0 else None


# --- git config -------------------------------------------------------------------------------


def config_bool(root: str, key: str) -> bool | None:
    """``key`` read as git reads a boolean (local, global or system config), None when unset
    or not a boolean. GitError when git itself cannot run."""
    result = proc.run(["git", "config", "--type=bool", "--get", key], root)
    return result.out.strip() == b"true" if result.code == 0 else None


def config_set_local(root: str, key: str, value: str) -> None:
    """Set ``key`` in this clone's own config (.git/config), never global."""
    proc.git(root, "config", "--local", key, value)


def config_origin(root: str, key: str) -> tuple[str, str, str] | None:
    """(value, scope, file) of the setting of ``key`` that wins, None when unset."""
    result = proc.run(["git", "config", "--show-scope", "--show-origin", "--get", key], root)
    if result.code:
        return None
    scope, origin, value = result.out.decode(errors="surrogateescape").rstrip("\n").split(
        "\t", 2)
    return value, scope, origin


# --- refs and history -------------------------------------------------------------------------


def refs(
    root: str, fields: tuple[str, ...], *patterns: str, count: int | None = None,
    contains: str | None = None,
) -> list[list[str]]:
    """`git for-each-ref`: for each matching ref, the values of ``fields`` (`refname`,
    `objectname`, `symref`...), in that order."""
    fmt = "%00".join(f"%({field})" for field in fields)
    args = ["for-each-ref", f"--format={fmt}"]
    if count is not None:
        args.append(f"--count={count}")
    if contains is not None:
        args += ["--contains", contains]
    result = proc.run(["git", *args, *patterns], root)
    if result.code:
        return []
    return [line.split("\0") for line in
            result.out.decode("utf-8", "surrogateescape").splitlines()]


def added_in(
    root: str, revs: list[str], path: str, fmt: str, date: str | None = None
) -> str | None:
    """`git log --format=<fmt>` of the newest commit (reachable from ``revs``) that added
    ``path``; None when none did (the file is not committed) or git cannot tell."""
    return added_in_each(root, revs, [path], fmt, date)[0]


_SIDE_BY_SIDE = 8  # git processes at once: each holds two pipes, and select() stops at 1,024


def added_in_each(
    root: str, revs: list[str], paths: list[str], fmt: str, date: str | None = None
) -> list[str | None]:
    """added_in() of each of ``paths``, a few git processes side by side (a fork's heads)."""
    dates = [f"--date={date}"] if date else []
    found: list[str | None] = []
    for first in range(0, len(paths), _SIDE_BY_SIDE):
        running: list[proc.Running] = []
        try:
            for path in paths[first:first + _SIDE_BY_SIDE]:
                running.append(proc.start(["git", "log", "-1", "--diff-filter=A",
                                           f"--format={fmt}", *dates, *revs, "--", path], root))
        finally:
            results = [proc.finish(child) for child in running]  # even when a start failed
        for result in results:
            # "replace": names and dates are shown to the user, and must encode anywhere.
            said = result.out.decode(errors="replace").strip() if result.code == 0 else ""
            found.append(said or None)
    return found


def author_ident(root: str) -> str:
    """The author a commit made here now would get (`git var`: config and environment)."""
    return _text(root, "var", "GIT_AUTHOR_IDENT") or ""


# --- the index and the work tree ----------------------------------------------------------------


def ls_files(root: str, *args: str) -> list[str] | None:
    """`git ls-files -z <args>`: the paths listed, None when git fails (not a repository)."""
    result = proc.run(["git", "ls-files", "-z", *args], root)
    if result.code:
        return None
    return [p for p in result.out.decode("utf-8", "surrogateescape").split("\0") if p]


def untracked(root: str, rels: list[str]) -> list[str]:
    """Files under ``rels`` that git does not track and does not ignore."""
    return ls_files(root, "--others", "--exclude-standard", "--", *rels) or []


def status(root: str, paths: list[str]) -> list[bytes]:
    """`git status --porcelain -z` records of ``paths``: `XY path`, X the index, Y the work
    tree (`??`: untracked)."""
    return [line for line in proc.git(root, "status", "--porcelain", "-z", "--",
                                      *paths).split(b"\0") if line]


def staged_paths(root: str, paths: list[str]) -> list[str]:
    """Which of ``paths`` differ in the index from HEAD (from nothing, on an unborn branch)."""
    if not paths:
        return []
    result = proc.run(["git", "diff", "--cached", "--name-only", "-z", "HEAD", "--", *paths],
                      root)
    if result.code:
        result = proc.run(["git", "diff", "--cached", "--name-only", "-z", "--root", "--",
                           *paths], root)
    return [p.decode(errors="surrogateescape") for p in result.out.split(b"\0") if p]


def _differs(root: str, *args: str) -> bool | None:
    # `diff --quiet`: 1 when something differs, 0 when nothing does, else git could not tell.
    code = proc.run(["git", "diff", "--quiet", *args], root).code
    return None if code not in (0, 1) else code == 1


def index_changes(root: str, rels: list[str]) -> bool | None:
    """Whether the index changes anything under ``rels`` against HEAD (None: HEAD has no
    commit, or git cannot tell)."""
    return _differs(root, "--cached", "HEAD", "--", *rels)


def changes_between(root: str, base: str, tip: str, rels: list[str]) -> bool | None:
    """Whether ``tip`` changes anything under ``rels`` since ``base`` (None: unknown)."""
    return _differs(root, base, tip, "--", *rels)


def unstaged_changes(root: str, path: str) -> bool | None:
    """Whether the work tree's ``path`` differs from the index (None: git cannot tell)."""
    return _differs(root, "--", path)


def stage(root: str, paths: list[str]) -> None:
    """`git add -A` of ``paths``: new, changed and deleted files alike."""
    proc.git(root, "add", "-A", "--", *paths)


def unstage(root: str, paths: list[str]) -> None:
    """Put ``paths`` in the index back to HEAD's (the work tree is left as it is)."""
    proc.run(["git", "reset", "-q", "--", *paths], root)


def merge_base(root: str, ours: str, theirs: str) -> str | None:
    result = proc.run(["git", "merge-base", ours, theirs], root)
    if result.code == 1 and not result.err:
        return None  # unrelated histories: nothing in common
    if result.code:
        raise GitError(f"cannot compare {ours} with {theirs}: "
                       f"{result.err.decode(errors='replace').strip()}",
                       hint="check that both names exist (git fetch may be needed)")
    return result.out.decode().strip()
