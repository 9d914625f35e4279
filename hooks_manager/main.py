"""The console script. The hooks, `hookman check` and the commands offsite.py runs are parsed
without typer (~110 ms), by argv.py from the declaration in commands.py; every other command
goes to the typer app in cli.py, built from the same declaration."""

from __future__ import annotations

import gc
import os
import sys

from hooks_manager.errors import EXIT_PROBLEMS
from hooks_manager.guard import degrade_output, guarded

SHIM_NOT_IMPORTABLE = 112  # templates/hook.sh: the interpreter has no hooks_manager


def main(argv: list[str] | None = None) -> int:
    if argv is not None:  # called by Python code (a test, a wrapper): an ordinary function
        return _main(argv)
    # A process of its own (the command, a shim). A check lives a few milliseconds and makes
    # no reference cycles, but the collector would still walk every freshly imported module
    # now and then, and the interpreter's exit tears every module down again: ~1 and ~2 ms
    # of a warm `hookman check`. sitepaths.full_site(), run before any heavy library, turns
    # the collector back on, and such a run ends the ordinary way.
    gc.disable()
    code = _main(sys.argv[1:])
    if gc.isenabled() or "coverage" in sys.modules:
        return code  # a library (or coverage's data file) may still have work at exit
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None when the process was started with it closed
                stream.flush()
    except (OSError, ValueError):
        return code  # a closed pipe: the interpreter's own exit says so, as for any program
    os._exit(code)


def _main(args: list[str]) -> int:
    if os.environ.get("COVERAGE_PROCESS_START") or os.environ.get("COVERAGE_PROCESS_CONFIG"):
        # coverage measures child processes through a .pth file, which the shims' -S start
        # skips: a measured run loads site first, so the hook is measured like any child.
        from hooks_manager.sitepaths import full_site

        full_site()
    degrade_output()
    if args[:1] == ["hook"]:
        from hooks_manager.hook import run_hook

        code = guarded(lambda: run_hook(args[1:]))
        # The shim reads 112 as "hookman is not importable here" and tries hookman on PATH:
        # a chained hook's own 112 passed through would run everything a second time and end
        # in "hookman not found". 112 is the shim's alone; any other failure stays a failure.
        return EXIT_PROBLEMS if code == SHIM_NOT_IMPORTABLE else code
    from hooks_manager.commands import BY_NAME

    command = BY_NAME.get(args[0]) if args else None
    if command is not None and command.fast:
        from hooks_manager.argv import parse, wants_help

        if command.name != "check":
            from hooks_manager.offsite import dispatch  # CI, server, siblings: no typer

            return guarded(lambda: dispatch(args))
        if not wants_help(command, args[1:]):  # `check --help` is typer's, from the same table
            from hooks_manager.checkcmd import check_command

            return guarded(lambda: check_command(parse(command, args[1:]).options))
    from hooks_manager.cli import run

    return run(args)
