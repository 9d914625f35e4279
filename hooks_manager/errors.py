"""The one error base. Deep code raises; only the command line turns it into an exit code."""

from __future__ import annotations

# Exit codes, documented in the README. Hooks block on anything non-zero.
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CANNOT_CHECK = 2
EXIT_INTERNAL = 3
EXIT_NO_CONFIG = 4
EXIT_TESTS_FAILED = 5
EXIT_PUSH_AGAIN = 6
EXIT_INTERRUPTED = 130


class HookmanError(Exception):
    """An error a user can cause and fix: printed as one message, never as a traceback."""

    exit_code = EXIT_CANNOT_CHECK

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        text = f"hookman: error: {self.message}"
        return f"{text}\n  {self.hint}" if self.hint else text


class ConfigError(HookmanError):
    """A setting or configuration file is wrong; the message names it."""


class NoConfigError(HookmanError):
    """No alembic configuration was found at all."""

    exit_code = EXIT_NO_CONFIG


class NotCheckedError(HookmanError):
    """Something to check cannot be seen from where it is read (a submodule's files at a
    commit): said as "not checked" and why, never passed."""


class GitError(HookmanError):
    """A git command failed, or the folder is not what the command needs."""


class MergeError(HookmanError):
    """Writing or committing the merge revision was refused or failed."""
