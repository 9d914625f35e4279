"""The speed contract: on a healthy history the hook and `hookman check` import no heavy
library. Measured as modules actually imported in a fresh interpreter, never as wall time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import add_revision, commit_all, git

HEAVY = {"alembic", "sqlalchemy", "git", "typer", "questionary", "rich", "prompt_toolkit",
         "dataclasses", "click", "mako"}
# What explains a fork (the picture, the overlap read, doctor's masking search) loads only
# once something is wrong.
EXPLAINING = {"hooks_manager.drawing", "hooks_manager.overlaps", "hooks_manager.explain",
              "hooks_manager.masking"}

PROBE = """
import json, sys
from hooks_manager.main import main
code = main({args!r})
print(json.dumps({{"code": code, "modules": sorted(sys.modules)}}))
"""


def without_coverage() -> dict[str, str]:
    """The environment minus coverage's hand-over to child processes: a measured child loads
    coverage's own modules (dataclasses among them), which says nothing about hookman's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def every_module(cwd: Path, *args: str) -> tuple[int, set[str]]:
    """The exit code of `hookman ARGS` in a fresh interpreter, and every module it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], cwd=cwd,
                          capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL, env=without_coverage())
    assert "Traceback" not in done.stderr, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], set(result["modules"])


def imported(cwd: Path, *args: str) -> tuple[int, set[str]]:
    code, modules = every_module(cwd, *args)
    return code, {name.split(".")[0] for name in modules} | (modules & EXPLAINING) | {
        m for m in modules if m == "hooks_manager.hygiene"}


@pytest.fixture
def healthy(project: Path) -> Path:
    add_revision(project, "aaaa0001", None)
    add_revision(project, "bbbb0002", "aaaa0001", annotated=True)
    commit_all(project, "history")
    add_revision(project, "cccc0003", "bbbb0002")
    git(project, "add", "-A")
    return project


@pytest.mark.parametrize("args", [
    ("hook", "pre-commit"),
    ("check",),
    ("check", "--staged"),
    ("check", "--rev", "HEAD"),
    ("check", "--rev", "HEAD", "--against", "HEAD~0"),
    ("check", "--json"),
    ("ci",),
    ("ci", "--against", "HEAD", "--format", "json"),
    ("ci", "--against", "HEAD", "--format", "github"),
    ("ci", "--against", "HEAD", "--format", "gitlab", "--output", "cq.json"),
    ("siblings",),
    # argv.py parses from the declaration and prints the help without typer
    ("check", "-q", "--rev=HEAD"),
    ("ci", "--help"),
    ("siblings", "--help"),
    ("pre-receive", "--help"),
    ("framework", "--help"),
])
def test_healthy_paths_import_nothing_heavy(healthy: Path, args: tuple[str, ...]) -> None:
    code, modules = imported(healthy, *args)
    assert code == 0
    assert "hooks_manager" in modules  # the probe really ran hookman
    assert not HEAVY & modules, sorted(HEAVY & modules)
    assert not EXPLAINING & modules, sorted(EXPLAINING & modules)
    if args[0] == "hook":
        assert "hooks_manager.hygiene" not in modules  # the healthy hook says nothing


@pytest.mark.parametrize("args", [("hook", "pre-commit"), ("check",)])
def test_a_warm_run_loads_no_scanner(healthy: Path, args: tuple[str, ...]) -> None:
    # The first run reads the files and fills the cache; the second knows every record (the
    # commit by blob id, the check by its recalled verdict), so nothing loads the scanner.
    first_code, first = every_module(healthy, *args)
    assert first_code == 0
    assert "hooks_manager.scan" in first  # the probe would see it
    code, modules = every_module(healthy, *args)
    assert code == 0
    assert "hooks_manager.check" in modules
    assert "hooks_manager.scan" not in modules


def test_a_blocked_commit_loads_the_explanation(healthy: Path) -> None:
    add_revision(healthy, "dddd0004", "bbbb0002")
    git(healthy, "add", "-A")
    code, modules = imported(healthy, "hook", "pre-commit")
    assert code == 1
    assert {"hooks_manager.drawing", "hooks_manager.overlaps"} <= modules
    assert not HEAVY & modules, sorted(HEAVY & modules)


def test_installed_console_script_imports_nothing_heavy(healthy: Path) -> None:
    script = Path(sys.executable).parent / "hookman"
    assert script.exists(), "the test venv installs the console script"
    for _run in ("first", "warm"):
        done = subprocess.run([str(script), "check"], cwd=healthy, capture_output=True,
                              text=True, check=False, stdin=subprocess.DEVNULL,
                              env={**without_coverage(), "PYTHONPROFILEIMPORTTIME": "1"})
        assert done.returncode == 0, done.stdout + done.stderr
        names = {line.rsplit("|", 1)[-1].strip().split(".")[0]
                 for line in done.stderr.splitlines() if line.startswith("import time:")}
        assert "hooks_manager" in names
        assert not HEAVY & names, sorted(HEAVY & names)
    # Warm (settings and projects remembered, the verdict recalled), a healthy check parses
    # no TOML and quotes no command: no tomllib, shlex or typing (pip's wrapper imports `re`).
    assert not {"shlex", "tomllib", "typing"} & names, names
