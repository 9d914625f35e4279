"""The console script. `hookman check` and the hooks are parsed here with plain code, so they
never load typer (~110 ms); every other command goes to the typer app in cli.py."""

from __future__ import annotations

import os
import sys

from hooks_manager.checkcmd import check_command, parse_check
from hooks_manager.errors import EXIT_PROBLEMS
from hooks_manager.guard import degrade_output, guarded

SHIM_NOT_IMPORTABLE = 112  # templates/hook.sh: the interpreter has no hooks_manager


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
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
    if args[:1] == ["check"] and not {"-h", "--help"} & set(args):
        return guarded(lambda: check_command(parse_check(args[1:])))
    if args[:1] in (["ci"], ["pre-receive"], ["siblings"], ["framework"]):
        from hooks_manager.offsite import dispatch  # CI, server and sibling paths: no typer

        return guarded(lambda: dispatch(args))
    from hooks_manager.cli import run

    return run(args)
