"""Builders for head-file scenarios: a project with head_file = true, a main branch and a
feature branch that each add a migration on the same parent (or not)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import add_revision, commit_all, git, hookman

HEAD_FILE = "migrations/alembic_heads.txt"
PYPROJECT = '[tool.hookman]\nhead_file = true\ntest_command = ""\n'


def bin_env() -> dict[str, str]:
    """PATH with this interpreter's scripts first, so `alembic` and `hookman` are the ones
    installed with hookman (what a developer's activated virtualenv gives)."""
    scripts = os.path.dirname(sys.executable)
    return {"PATH": scripts + os.pathsep + os.environ.get("PATH", ""), "GIT_EDITOR": "true"}


def write_heads(repo: Path) -> None:
    done = hookman(repo, "heads", "--write")
    assert done.returncode == 0, done.stderr


def based(project: Path) -> Path:
    """head_file on, revision aaaa0001 committed on main with its head file."""
    (project / "pyproject.toml").write_text(PYPROJECT)
    add_revision(project, "aaaa0001", None)
    write_heads(project)
    commit_all(project, "base")
    return project


def add_on(repo: Path, rev: str, down: str, message: str, **kw: object) -> None:
    add_revision(repo, rev, down, **kw)
    write_heads(repo)
    commit_all(repo, message)


def forked(project: Path) -> Path:
    """feature adds bbbb0002 on aaaa0001; then main adds cccc0003 on aaaa0001. HEAD: main."""
    based(project)
    git(project, "checkout", "-q", "-b", "feature")
    add_on(project, "bbbb0002", "aaaa0001", "feature: add b")
    git(project, "checkout", "-q", "main")
    add_on(project, "cccc0003", "aaaa0001", "main: add c")
    return project


def run(repo: Path, *cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), cwd=repo, capture_output=True, text=True, check=False,
                          env={**os.environ, **bin_env()}, stdin=subprocess.DEVNULL)


def conflicted(repo: Path) -> list[str]:
    return git(repo, "diff", "--name-only", "--diff-filter=U").splitlines()


def alembic_heads(repo: Path) -> list[str]:
    done = run(repo, "alembic", "heads")
    assert done.returncode == 0, done.stderr
    return sorted(line.split()[0] for line in done.stdout.splitlines() if line.strip())


def upgrade_sqlite(repo: Path) -> None:
    """`alembic upgrade head` on a fresh SQLite file: the relinked history really runs."""
    (repo / "app.db").unlink(missing_ok=True)
    done = run(repo, "alembic", "upgrade", "head")
    assert done.returncode == 0, done.stderr
