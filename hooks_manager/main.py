"""The console script. `hookman check` and the hooks are parsed here with plain code, so they
never load typer (~110 ms); every other command goes to the typer app in cli.py."""

from __future__ import annotations

import os
import sys

from hooks_manager.config import Project
from hooks_manager.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PROBLEMS,
    HookmanError,
)
from hooks_manager.sources import Commit, Index, PredictedMerge, Source, WorkTree, find_root
from hooks_manager.textsafe import lines

# `collections.abc` loads the whole collections package (~2 ms); the name is for type checkers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

_CHECK_FLAGS = {"--staged": "staged", "--json": "json", "-q": "quiet", "--quiet": "quiet"}
_CHECK_VALUES = {"--rev": "rev", "--against": "against", "-c": "config", "--config": "config",
                 "-n": "name", "--name": "name", "-p": "project", "--project": "project"}


SHIM_NOT_IMPORTABLE = 112  # templates/hook.sh: the interpreter has no hooks_manager


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
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


def parse_check(args: list[str]) -> dict[str, str | bool]:
    options: dict[str, str | bool] = {}
    it = iter(args)
    for arg in it:
        key, eq, inline = arg.partition("=")
        if key in _CHECK_VALUES:
            value = inline if eq else next(it, None)
            if value is None:
                raise HookmanError(f"{key} needs a value", hint="see `hookman check --help`")
            options[_CHECK_VALUES[key]] = value
        elif arg in _CHECK_FLAGS:
            options[_CHECK_FLAGS[arg]] = True
        else:
            raise HookmanError(f"unknown option {arg!r} for `hookman check`",
                               hint="see `hookman check --help`")
    return options


def check_command(options: dict[str, str | bool]) -> int:
    """`hookman check`: one verdict per project, exit 0 healthy / 1 problems / 2 cannot check."""
    from hooks_manager.check import check_projects
    from hooks_manager.report import render_json, render_text
    from hooks_manager.workspace import load_workspace

    if options.get("staged") and ("rev" in options or "against" in options):
        raise HookmanError("--staged reads the index; it cannot be combined with --rev or "
                           "--against", hint="check the index, or a commit, one at a time")
    root = _root_for(options)
    source = make_source(root, options)
    # Settings and projects are read where the revisions are (the index, a commit), so
    # `--rev` sees a commit's own layout even when the work tree no longer has it.
    ws = load_workspace(root, source, config=_opt(options, "config"),
                        section=_opt(options, "name"))
    projects = select_project(ws.require_projects(), _opt(options, "project"))
    settings = ws.settings
    note = settings.trust_note()
    if note:
        print(lines(note), file=sys.stderr)
    reports = check_projects(projects, source, settings)
    if settings.head_file:
        from hooks_manager.headfile import judge_reports

        judge_reports(reports, source)
    if options.get("json"):
        import json

        text = json.dumps(render_json(reports), indent=2)
    else:
        text = render_text(reports, quiet=bool(options.get("quiet")))
    if text:
        _print_out(text)
    return EXIT_OK if all(r.verdict.ok for r in reports) else EXIT_PROBLEMS


def _print_out(text: str) -> None:
    try:
        print(lines(text), flush=True)
    except BrokenPipeError:
        # The reader went away (`hookman check --json | head`): stop quietly, as cat does,
        # and keep Python from complaining about stdout again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _opt(options: dict[str, str | bool], key: str) -> str | None:
    value = options.get(key)
    return value if isinstance(value, str) else None


def _root_for(options: dict[str, str | bool]) -> str:
    root = find_root(os.getcwd())
    if root is None:
        if options.get("staged") or "rev" in options or "against" in options:
            raise HookmanError("--staged, --rev and --against need a git repository, and "
                               f"{os.getcwd()} is not inside one")
        return os.getcwd()  # a plain folder: the work tree is all there is
    return root


def make_source(root: str, options: dict[str, str | bool]) -> Source:
    rev, against = _opt(options, "rev"), _opt(options, "against")
    for flag, value in (("--rev", rev), ("--against", against)):
        refuse_option_like(flag, value)
    if against:
        return PredictedMerge(root, rev or "HEAD", against)
    if rev:
        return Commit(root, rev)
    if options.get("staged"):
        return Index(root)
    return WorkTree(root)


def refuse_option_like(flag: str, value: str | None) -> None:
    """A revision that starts with '-' would reach git as an option (`--rev=-x`, or worse
    `--output=FILE`); no branch, tag or sha can start with one, so it is refused here."""
    if value is not None and (value.startswith("-") or not value.strip()):
        raise HookmanError(f"{flag} {value!r} is not a revision (it would be read as a git "
                           "option)", hint="name a branch, tag or commit, e.g. --rev HEAD~1")


def select_project(projects: list[Project], name: str | None) -> list[Project]:
    if name is None:
        return projects
    chosen = [p for p in projects if p.name == name]
    if not chosen:
        names = ", ".join(p.name for p in projects)
        raise HookmanError(f"no project named {name!r}", hint=f"projects: {names}")
    return chosen

