"""The test suite a push runs once the histories are clean."""

from __future__ import annotations

import shlex

from hooks_manager import proc
from hooks_manager.errors import ConfigError


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


def detect_test_command(root: str) -> str | None:
    """Placeholder until test-command detection lands: nothing is detected, so without a
    test_command setting the push skips the tests and says so."""
    return None
