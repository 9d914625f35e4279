"""Shared builders for the adversarial suite: a committed fork, hostile post-write hooks and
signing programs that act while a fix runs, and a runner for the lines hookman prints."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from hooks_manager.graph import merge_rev_id
from tests.helpers import add_revision, commit_all, git

A, B, C = "aaaa00000001", "bbbb00000002", "cccc00000003"
MERGE_ID = merge_rev_id([B, C])
BIN = os.path.dirname(sys.executable)  # where the venv's `hookman` and `alembic` live


def forked(project: Path) -> Path:
    """A, then B and C both on A: two heads, committed."""
    add_revision(project, A, None)
    add_revision(project, B, A)
    add_revision(project, C, A)
    commit_all(project, "forked history")
    return project


def versions(project: Path) -> Path:
    return project / "migrations" / "versions"


def merge_file(project: Path) -> Path:
    return versions(project) / f"{MERGE_ID}_merge_heads_{B}_and_.py"


def clean_env(**extra: str) -> dict[str, str]:
    """The user's shell: the venv on PATH, no git variables of a surrounding hook (the
    identity and config isolation of the test run stay)."""
    hook_vars = ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_PREFIX",
                 "GIT_OBJECT_DIRECTORY", "GIT_EXEC_PATH")
    env = {k: v for k, v in os.environ.items() if k not in hook_vars}
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def post_write_hooks(project: Path, *hooks: tuple[str, str]) -> None:
    """Append [post_write_hooks] with ``(name, lines)`` pairs to alembic.ini and commit it."""
    ini = project / "alembic.ini"
    text = ini.read_text() + f"\n[post_write_hooks]\nhooks = {', '.join(n for n, _ in hooks)}\n"
    text += "".join(lines for _, lines in hooks)
    ini.write_text(text)
    commit_all(project, "post-write hooks")


def exec_hook(name: str, program: Path) -> tuple[str, str]:
    return (name, f"{name}.type = exec\n{name}.executable = {program}\n"
                  f"{name}.options = REVISION_SCRIPT_FILENAME\n")


def failing_hook() -> tuple[str, str]:
    """A hook alembic fails on (its formatter is not installed): CommandError after writing."""
    return ("broken", "broken.type = console_scripts\nbroken.entrypoint = no-such-formatter\n")


def teammate_writes(folder: Path) -> str:
    """Shell lines that put a teammate's files into ``folder`` (a note and a new migration)."""
    q = shlex.quote(str(folder))
    return (f"mkdir -p {q}/notes && printf 'remember\\n' > {q}/notes/todo.txt\n"
            f"printf 'revision = \"dddd00000004\"\\ndown_revision = \"{A}\"\\n' > "
            f"{q}/dddd00000004_teammate.py\n")


def run_line(line: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Paste ``line`` into bash, from ``cwd``, as a user would."""
    return subprocess.run(["bash", "-c", line], cwd=cwd, capture_output=True, text=True,
                          env=clean_env(**env), stdin=subprocess.DEVNULL, check=False)


def printed(output: str, prefix: str) -> str:
    """The command after ``prefix`` (e.g. "fix:") on the first line holding it."""
    for line in output.splitlines():
        if line.strip().startswith(prefix):
            return line.strip()[len(prefix):].strip()
    raise AssertionError(f"no {prefix!r} line in:\n{output}")


def tracked(project: Path, path: Path) -> bool:
    rel = path.relative_to(project).as_posix()
    return git(project, "ls-files", "--", rel) == rel
