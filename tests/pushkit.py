"""A real push setup: a bare remote, a clone with hookman's pre-push shim, and two feature
branches that each add a migration on the same parent (the first already on the remote's
main)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from tests.helpers import add_revision, commit_all, git, init_repo, make_project

BASE, FIRST, SECOND = "aaaa00000001", "bbbb00000002", "cccc00000003"


def install_hooks(repo: Path) -> None:
    """hookman's real installer: the three shims, as `hookman install` writes them."""
    from hooks_manager.installer import install

    install(str(repo))


def set_test_command(repo: Path, command: str, extra: str = "") -> None:
    """[tool.hookman] test_command, committed so the branch carries it."""
    (repo / "pyproject.toml").write_text(
        f"[tool.hookman]\ntest_command = {command!r}\n{extra}")


class Setup:
    """Paths of one scenario."""

    def __init__(self, remote: Path, seed: Path, clone: Path) -> None:
        self.remote = remote
        self.seed = seed  # a teammate's clone: lands the first feature on main
        self.clone = clone  # ours: works on the second feature


def forked_setup(tmp_path: Path, test_command: str = "",
                 settings: str = "") -> Setup:
    """main: BASE. feature-a (FIRST on BASE) lands on the remote's main; our clone's
    feature-b adds SECOND on BASE. feature-b alone has one head; against origin/main it
    forks."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = make_project(init_repo(tmp_path / "seed"))
    set_test_command(seed, test_command or f"{shlex.quote(sys.executable)} -c pass", settings)
    add_revision(seed, BASE, None)
    commit_all(seed, "base migration")
    git(seed, "remote", "add", "origin", str(remote))
    git(seed, "push", "-q", "-u", "origin", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    git(clone, "checkout", "-q", "-b", "feature-b")
    add_revision(clone, SECOND, BASE)
    commit_all(clone, "feature b migration")
    git(seed, "checkout", "-q", "-b", "feature-a")
    add_revision(seed, FIRST, BASE)
    commit_all(seed, "feature a migration")
    git(seed, "checkout", "-q", "main")
    git(seed, "merge", "-q", "--ff-only", "feature-a")
    git(seed, "push", "-q", "origin", "main")
    git(clone, "fetch", "-q", "origin")
    install_hooks(clone)
    return Setup(remote, seed, clone)


def own_fork(setup: Setup) -> None:
    """feature-b takes origin/main in (a merge made past the hooks): now the branch's own
    history has two heads."""
    git(setup.clone, "merge", "-q", "--no-verify", "--no-edit", "origin/main")


def push(repo: Path, *args: str, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    """`git push` as a user runs it, hooks and all; no terminal (stdin closed, no tty)."""
    full = {**os.environ, **(env or {})}
    return subprocess.run(["git", "push", *args], cwd=repo, capture_output=True, text=True,
                          env=full, stdin=subprocess.DEVNULL, start_new_session=True,
                          check=False)


def remote_sha(setup: Setup, branch: str) -> str:
    return git(setup.remote, "rev-parse", "--verify", "-q", branch, check=False)


def repo_state(repo: Path) -> tuple[str, str, str, list[str]]:
    """Everything a failed fix must leave as it was: HEAD, the index, the work tree status,
    and the files in versions/."""
    files = sorted(p.name for p in (repo / "migrations" / "versions").iterdir()
                   if p.name != "__pycache__")
    return (git(repo, "rev-parse", "HEAD"), git(repo, "ls-files", "-s"),
            git(repo, "status", "--porcelain", "--untracked-files=all"), files)
