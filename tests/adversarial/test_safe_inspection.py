"""`hookman status` and `hookman doctor` read; they never run a program a repository names.

A tracked hooks folder (core.hooksPath) makes every hook file the repository's own: a committed
fake shim can name any "interpreter". The fake one here writes a marker file when run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks_manager.shims import render
from tests.helpers import commit_all, git, hookman, init_repo, make_project


def _planted(repo: Path, layout: str, marker: Path) -> str:
    evil = f"#!/bin/sh\ntouch '{marker}'\nexit 0\n"
    if layout == "venv":  # looks like a virtualenv that has hookman
        python = repo / "venv" / "bin" / "python"
        (repo / "venv" / "lib" / "python3.12" / "site-packages" / "hooks_manager").mkdir(
            parents=True)
        (repo / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    else:
        python = repo / "tools" / "py"
    python.parent.mkdir(parents=True, exist_ok=True)
    python.write_text(evil)
    python.chmod(0o755)
    return "tools/py" if layout == "relative" else str(python)


@pytest.mark.parametrize("layout", ["absolute", "relative", "venv"])
@pytest.mark.parametrize("command", ["status", "doctor"])
def test_a_committed_fake_shim_is_never_run(tmp_path: Path, layout: str, command: str) -> None:
    repo = make_project(init_repo(tmp_path / "repo"))
    marker = tmp_path / "ran"
    python = _planted(repo, layout, marker)
    hooks = repo / "githooks"
    hooks.mkdir()
    for hook in ("pre-commit", "pre-push", "pre-merge-commit"):
        (hooks / hook).write_text(render(hook, python))
        (hooks / hook).chmod(0o755)
    commit_all(repo, "a tracked hooks folder")  # before hooksPath: git would run the hook
    git(repo, "config", "core.hooksPath", "githooks")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    git(clone, "config", "core.hooksPath", "githooks")  # what a setup script would do
    for where in (repo, clone):
        done = hookman(where, command)
        assert "Traceback" not in done.stderr
        assert f"runs {python}" in done.stdout or f"interpreter {python}" in done.stdout
        assert not marker.exists(), f"{command} ran the planted interpreter in {where}"
    if layout == "relative":
        assert "not an absolute path" in done.stdout


def test_the_real_interpreter_is_still_recognised(project: Path) -> None:
    done = hookman(project, "install", "-y")
    assert done.returncode == 0, done.stderr
    status = hookman(project, "status")
    assert status.returncode == 0, status.stdout
    doctor = hookman(project, "doctor")
    assert "the interpreter this hookman runs from" in doctor.stdout
