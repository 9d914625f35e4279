"""The project's test suite: which command runs it, and running it."""

from __future__ import annotations

import os
import shlex

from hooks_manager import proc
from hooks_manager.errors import ConfigError

PYTEST_COMMAND = "python -m pytest -q"
# (file, text that marks pytest settings in it; None: the file's presence is enough)
_PYTEST_MARKS: tuple[tuple[str, bytes | None], ...] = (
    ("pytest.ini", None),
    ("conftest.py", None),
    ("pyproject.toml", b"[tool.pytest"),  # [tool.pytest.ini_options] (and pytest 9's [tool.pytest])
    ("tox.ini", b"[pytest]"),
    ("setup.cfg", b"[tool:pytest]"),
)


def detect_test_command(root: str) -> str | None:
    """`python -m pytest -q` when ``root`` shows any sign of a pytest suite (its settings in
    pytest.ini, pyproject.toml, tox.ini or setup.cfg; a conftest.py; a tests/ folder), else
    None: hookman then asks, or runs no tests."""
    for name, mark in _PYTEST_MARKS:
        path = os.path.join(root, name)
        if mark is None:
            if os.path.isfile(path):
                return PYTEST_COMMAND
            continue
        try:
            with open(path, "rb") as handle:
                text = handle.read()
        except OSError:
            continue
        if any(line.strip().startswith(mark) for line in text.splitlines()):
            return PYTEST_COMMAND
    if os.path.isdir(os.path.join(root, "tests")):
        return PYTEST_COMMAND
    return None


def run_tests(command: str, root: str) -> int:
    """Run ``command`` (a shell-like string, split with shlex; no shell) in ``root``, output
    streamed live to stderr, stdin closed, GIT_* scrubbed so a suite that builds its own
    repositories acts on them and not on ours. Its exit code decides."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"test_command {command!r} cannot be split into words: {exc}",
                          hint="fix test_command in [tool.hookman]") from exc
    if not argv:
        raise ConfigError("test_command is empty", hint="set test_command in [tool.hookman] "
                          "or remove it")
    try:
        return proc.stream(argv, root, env=proc.clean_git_env())
    except OSError as exc:
        raise ConfigError(f"test_command {command!r}: cannot run {argv[0]!r} "
                          f"({exc.strerror})", hint="fix test_command in [tool.hookman], or "
                          "install the program") from exc
