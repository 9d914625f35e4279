"""Real remotes for the off-machine guards: a bare `origin`, a teammate's clone that lands work
on main, and CI environments set as each provider sets them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.helpers import add_revision, commit_all, git, init_repo, make_project

BASE, FIRST, SECOND = "aaaa00000001", "bbbb00000002", "cccc00000003"
_PROVIDER_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "BITBUCKET_", "PRE_COMMIT")


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment with no CI provider's variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(_PROVIDER_PREFIXES) and k != "CI"}
    env.update(extra)
    return env


def run_hookman(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hooks_manager", *args], cwd=cwd,
                          capture_output=True, text=True, env=env, check=False,
                          stdin=subprocess.DEVNULL)


class Origin:
    """A bare remote with main = BASE, and a seed clone to change it with."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.bare = tmp / "origin.git"
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.bare))
        self.seed = make_project(init_repo(tmp / "seed"))
        add_revision(self.seed, BASE, None)
        self.base_commit = commit_all(self.seed, "base migration")
        git(self.seed, "remote", "add", "origin", str(self.bare))
        git(self.seed, "push", "-q", "origin", "main")

    @property
    def url(self) -> str:
        return f"file://{self.bare}"

    def branch(self, name: str, rev: str | None, down: str | None, start: str = "main",
               extra_commits: int = 0) -> str:
        """A branch from ``start`` adding revision ``rev`` (if any) on ``down``, pushed."""
        git(self.seed, "checkout", "-q", "-B", name, start)
        if rev is not None:
            add_revision(self.seed, rev, down)
            commit_all(self.seed, f"{name}: migration {rev}")
        for i in range(extra_commits):
            (self.seed / f"{name.replace('/', '_')}-{i}.txt").write_text(f"{i}\n")
            commit_all(self.seed, f"{name}: change {i}")
        git(self.seed, "push", "-q", "-f", "origin", name)
        sha = git(self.seed, "rev-parse", "HEAD")
        git(self.seed, "checkout", "-q", "main")
        return sha

    def land(self, rev: str, down: str, extra_commits: int = 0) -> str:
        """Main moves: a migration lands on it (and some other commits after it)."""
        git(self.seed, "checkout", "-q", "main")
        git(self.seed, "reset", "-q", "--hard", "origin/main")
        add_revision(self.seed, rev, down)
        commit_all(self.seed, f"main: migration {rev}")
        for i in range(extra_commits):
            (self.seed / f"main-{i}.txt").write_text(f"{i}\n")
            commit_all(self.seed, f"main: change {i}")
        git(self.seed, "push", "-q", "origin", "main")
        return git(self.seed, "rev-parse", "HEAD")

    def merge_commit(self, name: str, ours: str, theirs: str) -> str:
        """A speculative merge commit (a merge queue's or a merged-results pipeline's), pushed
        as branch ``name``."""
        git(self.seed, "checkout", "-q", "-B", name, ours)
        git(self.seed, "merge", "-q", "--no-verify", "--no-edit", theirs)
        git(self.seed, "push", "-q", "-f", "origin", name)
        sha = git(self.seed, "rev-parse", "HEAD")
        git(self.seed, "checkout", "-q", "main")
        return sha

    def shallow_clone(self, branch: str, name: str = "ci") -> Path:
        """What a pipeline checks out: depth 1, one branch."""
        path = self.tmp / name
        git(self.tmp, "clone", "-q", "--depth", "1", "--branch", branch, self.url, str(path))
        return path


def github_env(tmp: Path, event_name: str, payload: Mapping[str, object], **extra: str
               ) -> dict[str, str]:
    """GitHub Actions' variables for ``event_name``, the payload written where it puts it."""
    path = tmp / f"event-{event_name}.json"
    path.write_text(json.dumps(payload))
    summary = tmp / "step-summary.md"
    return clean_env(CI="true", GITHUB_ACTIONS="true", GITHUB_EVENT_NAME=event_name,
                     GITHUB_EVENT_PATH=str(path), GITHUB_STEP_SUMMARY=str(summary), **extra)
