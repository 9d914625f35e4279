"""The one error guard: a HookmanError becomes its message and exit code, Ctrl-C exit 130, a
bug a one-line message with the traceback kept in a file. The argv entry (main.py) and the
typer app (cli.py) both end here, so the two cannot map errors differently."""

from __future__ import annotations

import os
import sys

from hooks_manager.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, HookmanError
from hooks_manager.textsafe import lines

# `collections.abc` loads the whole collections package (~2 ms); the name is for type checkers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def degrade_output() -> None:
    """A terminal or pipe that cannot show a character (PYTHONIOENCODING=ascii, LANG=C on an
    old system) gets a backslash escape for it instead of a UnicodeEncodeError: output must
    degrade, never crash a hook."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def guarded(action: Callable[[], int]) -> int:
    """Run ``action``; a HookmanError becomes its message and exit code, never a traceback."""
    try:
        return action()
    except HookmanError as exc:
        print(lines(exc.render()), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hookman: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: say so plainly, keep the traceback for the report
        return internal_error(exc)


def internal_error(exc: BaseException) -> int:
    import tempfile
    import traceback

    fd, path = tempfile.mkstemp(prefix="hookman-crash-", suffix=".log")
    with os.fdopen(fd, "w") as handle:
        traceback.print_exception(exc, file=handle)
    print(lines(f"hookman: internal error: {type(exc).__name__}: {exc}\n"
                f"  this is a bug in hookman; the traceback is in {path}"), file=sys.stderr)
    return EXIT_INTERNAL
