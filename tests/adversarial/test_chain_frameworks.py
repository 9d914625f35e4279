"""hookman beside other hook managers, in both install orders: the real pre-commit framework,
the real lefthook (its PyPI wheel), and a previous hook whose exit code collides with the
shim's own "hookman is not importable" code (112)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.helpers import add_revision, git
from tests.hooktools import (
    base_history,
    commit,
    hookman_cmd,
    hooks_dir,
    install,
    run,
    stage_fork,
    write_hook,
)

BIN = str(Path(sys.executable).parent)
ENV = {"PATH": BIN + os.pathsep + os.environ.get("PATH", ""), "CI": "1"}
PC_CONFIG = """\
repos:
- repo: local
  hooks:
  - id: log
    name: log
    entry: sh -c 'echo pre-commit-ran >> "$0"' {log}
    language: system
    pass_filenames: false
    always_run: true
"""


@pytest.mark.parametrize("code", [112, 1, 255])
def test_a_previous_hook_failing_runs_once_and_is_named(project: Path, tmp_path: Path,
                                                        code: int) -> None:
    log = tmp_path / "runs"
    base_history(project)
    write_hook(hooks_dir(project) / "pre-commit", f"#!/bin/sh\necho run >> '{log}'\nexit {code}\n")
    install(project)
    add_revision(project, "bbbb0002", "aaaa0001")
    git(project, "add", "-A")
    done = commit(project, "-m", "x", env=ENV)
    assert done.returncode != 0
    assert log.read_text().count("run") == 1, "the previous hook ran twice"
    assert f"the previous pre-commit hook failed (exit {code})" in done.stderr
    assert "not found" not in done.stderr


def _pre_commit(repo: Path, *args: str) -> None:
    done = run(repo, sys.executable, "-m", "pre_commit", *args, env=ENV)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("order", ["hookman-first", "pre-commit-first", "hookman-again"])
def test_the_pre_commit_framework_in_either_order(project: Path, tmp_path: Path,
                                                  order: str) -> None:
    log = tmp_path / "pc.log"
    (project / ".pre-commit-config.yaml").write_text(PC_CONFIG.format(log=log))
    base_history(project)
    hooks = hooks_dir(project)
    if order == "hookman-again":  # hookman, pre-commit over it, then hookman once more
        install(project)
        _pre_commit(project, "install")
        again = install(project)
        assert "removed hookman's old shim pre-commit.legacy" in again
        assert not (hooks / "pre-commit.legacy").exists()
    elif order == "hookman-first":
        install(project)
        _pre_commit(project, "install")
        assert (hooks / "pre-commit.legacy").exists()  # pre-commit's migration mode
        status = hookman_cmd(project, "status")
        assert "runs hookman's shim pre-commit.legacy first" in status.stdout
    else:
        _pre_commit(project, "install")
        framework = (hooks / "pre-commit").read_bytes()
        install(project)
        assert (hooks / "pre-commit.hookman-prev").read_bytes() == framework
        status = hookman_cmd(project, "status")
        assert "pre-commit.hookman-prev" in status.stdout
    stage_fork(project)
    blocked = commit(project, "-m", "fork", env=ENV)
    assert blocked.returncode != 0
    assert blocked.stderr.count("commit blocked") == 1  # hookman ran once, not twice
    assert log.read_text().count("pre-commit-ran") == 1
    git(project, "rm", "-q", "--cached", "migrations/versions/cccc0003_rev.py")
    done = commit(project, "-m", "one more", env=ENV)
    assert done.returncode == 0, done.stderr
    assert "blocked" not in done.stderr
    uninstall = hookman_cmd(project, "uninstall")
    assert uninstall.returncode == 0, uninstall.stderr
    assert not (hooks / "pre-commit.legacy").exists()
    assert not (hooks / "pre-commit.hookman-prev").exists()
    assert b"hookman-shim" not in (hooks / "pre-commit").read_bytes()
    assert b"pre-commit" in (hooks / "pre-commit").read_bytes()  # the framework's hook stays
    (project / "migrations" / "versions" / "dddd0004_rev.py").write_text(
        "revision = 'dddd0004'\ndown_revision = 'cccc0003'\n")
    git(project, "add", "-A")
    after = commit(project, "-m", "after", env=ENV)
    assert after.returncode == 0, after.stderr
    assert "hookman" not in after.stdout + after.stderr  # nothing of hookman is left to run


def test_lefthook_installed_first_is_chained(project: Path, tmp_path: Path) -> None:
    lefthook = Path(BIN) / "lefthook"
    assert lefthook.exists(), "lefthook comes from the test extras (PyPI wheel)"
    log = tmp_path / "lefthook.log"
    (project / "lefthook.yml").write_text(
        f"pre-commit:\n  commands:\n    log:\n      run: echo lefthook-ran >> '{log}'\n")
    base_history(project)
    done = run(project, str(lefthook), "install", env=ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    install(project)
    stage_fork(project)
    blocked = commit(project, "-m", "fork", env=ENV)
    assert blocked.returncode != 0
    assert "commit blocked" in blocked.stderr
    assert log.read_text().count("lefthook-ran") == 1
    hookman_cmd(project, "uninstall")
    assert b"lefthook" in (hooks_dir(project) / "pre-commit").read_bytes()
