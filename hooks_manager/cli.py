"""The typer app, built from the declaration in commands.py: every command, option, default and
help text is read from that table, so typer's help and completion and the fast paths' parser
(argv.py) cannot disagree. main.py sends the fast paths (`check`, `ci`, `siblings`, the hooks)
elsewhere, so typer loads only for the other commands and for `check --help`.

Each command is a typer command whose signature is generated from its declaration (typer reads
``__signature__``), not click objects built by hand: typer keeps its own help rendering and
completion, and only its public API is used (recent typer vendors click privately). The body
of each command is a plain function of the parsed options, registered by name below; errors
become exit codes in guard.guarded, the one place that does so.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

from hooks_manager.sitepaths import full_site

full_site()  # typer lives in site-packages

import typer  # noqa: E402

from hooks_manager import __version__  # noqa: E402
from hooks_manager.argv import Options  # noqa: E402
from hooks_manager.commands import BY_NAME, COMMANDS, FLAG, HELP_SPELLINGS, ROOT, Command  # noqa: E402
from hooks_manager.output import print_out, say  # noqa: E402

Body = Callable[[Options, list[str]], int]
_BODIES: dict[str, Body] = {}

app = typer.Typer(
    name="hookman",
    help=ROOT.help,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": list(HELP_SPELLINGS)},
)


def run(args: list[str]) -> int:
    """Run the typer app on ``args`` and return its exit code."""
    from hooks_manager.guard import guarded

    return guarded(lambda: _invoke(args))


def _invoke(args: list[str]) -> int:
    import os

    if os.environ.get("_HOOKMAN_COMPLETE"):
        # Shell completion (`eval "$(_HOOKMAN_COMPLETE=source_bash hookman)"`), answered from
        # the declaration like the help. add_completion=False keeps typer's install options
        # out of `hookman --help`, and with it typer's completion classes: this public call
        # registers them (its return, the install options, is not wanted), only when a shell
        # asks.
        from typer.completion import get_completion_inspect_parameters

        get_completion_inspect_parameters()
    try:
        # Standalone mode: click prints usage errors itself (exit 2) and handles Exit/Abort;
        # a HookmanError goes through it untouched, to guarded.
        app(args, prog_name="hookman", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def body(name: str) -> Callable[[Body], Body]:
    def register(function: Body) -> Body:
        assert name in BY_NAME, f"{name} is not declared in commands.py"
        _BODIES[name] = function
        return function

    return register


def options_of(command: Command, values: Mapping[str, object]) -> Options:
    """typer's keyword arguments as the fast parser's options: every flag, and each value that
    was given or has a default (an absent value is absent, not None)."""
    options: Options = {}
    for option in command.options:
        value = values.get(option.key)
        if option.kind == FLAG:
            options[option.key] = bool(value)
        elif isinstance(value, str):
            options[option.key] = value
    return options


def _parameters(command: Command, callbacks: Mapping[str, Callable[[bool], None]]
                ) -> list[inspect.Parameter]:
    params = []
    for option in command.options:
        flag = option.kind == FLAG
        info = typer.Option(option.default, *option.spellings, help=option.help,
                            metavar=None if flag else option.metavar, show_default=False,
                            callback=callbacks.get(option.key),
                            is_eager=option.key in callbacks)
        annotation: object = bool if flag else (str if option.default is not None
                                                 else str | None)
        params.append(inspect.Parameter(option.key, inspect.Parameter.KEYWORD_ONLY,
                                        default=info, annotation=annotation))
    for argument in command.arguments:
        info = typer.Argument(None, metavar=argument.metavar, help=argument.help,
                              show_default=False)
        params.append(inspect.Parameter(argument.key, inspect.Parameter.KEYWORD_ONLY,
                                        default=info, annotation=list[str] | None))
    return params


def _typer_function(command: Command, run_body: Body) -> Callable[..., None]:
    def invoke(**values: object) -> None:
        words: list[str] = []
        for argument in command.arguments:
            given = values.get(argument.key)
            words += [str(w) for w in given] if isinstance(given, list | tuple) else []
        raise typer.Exit(run_body(options_of(command, values), words))

    invoke.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        _parameters(command, {}), return_annotation=None)
    invoke.__name__ = command.name.replace("-", "_")
    return invoke


def _version(value: bool) -> None:
    if value:
        print_out(f"hookman {__version__}")
        raise typer.Exit(0)


def _root(**values: object) -> None:
    pass  # the root's only option, --version, is eager: its callback does the work


_root.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    _parameters(ROOT, {"version": _version}), return_annotation=None)


# --- the bodies: plain functions of the parsed options ------------------------------------------


def _offsite(name: str) -> Body:
    def run_offsite(options: Options, args: list[str]) -> int:
        from hooks_manager.offsite import run_command

        return run_command(name, options, args)

    return run_offsite


for _name in ("ci", "siblings", "pre-receive", "framework"):
    body(_name)(_offsite(_name))


@body("check")
def _check(options: Options, _args: list[str]) -> int:
    from hooks_manager.checkcmd import check_command

    return check_command(options)


@body("install")
def _install(options: Options, _args: list[str]) -> int:
    import os

    if options["server"]:
        from hooks_manager.server import install_server

        for line in install_server(os.getcwd()):
            print_out(f"hookman: {line}")
        return 0
    from hooks_manager.installer import install_command

    return install_command(os.getcwd(), into_hooks_path=bool(options["hooks_path"]),
                           assume_yes=bool(options["yes"]), trust=bool(options["trust"]))


@body("uninstall")
def _uninstall(options: Options, _args: list[str]) -> int:
    import os

    if options["server"]:
        from hooks_manager.server import uninstall_server

        for line in uninstall_server(os.getcwd()):
            print_out(f"hookman: {line}")
        return 0
    from hooks_manager.installer import uninstall as remove

    location, lines = remove(os.getcwd())
    for line in lines or [f"no hookman hooks in {location.hooks_dir}"]:
        print_out(f"hookman: {line}")
    return 0


@body("status")
def _status(_options: Options, _args: list[str]) -> int:
    import os

    from hooks_manager.installer import status as show

    lines, healthy = show(os.getcwd())
    print_out("\n".join(lines))
    return 0 if healthy else 1


@body("doctor")
def _doctor(_options: Options, _args: list[str]) -> int:
    import os

    from hooks_manager.doctor import doctor as examine

    lines, healthy = examine(os.getcwd())
    print_out("\n".join(lines))
    print_out("hookman: nothing wrong" if healthy else "hookman: fix the FIX lines above")
    return 0 if healthy else 1


def _text(options: Options, key: str) -> str | None:
    value = options.get(key)
    return value if isinstance(value, str) else None


@body("merge")
def _merge(options: Options, _args: list[str]) -> int:
    from hooks_manager.fix import merge_command

    return merge_command(bool(options["commit"]), _text(options, "message"),
                         bool(options["yes"]), _text(options, "config"), _text(options, "name"),
                         _text(options, "project"), say)


@body("heads")
def _heads(options: Options, _args: list[str]) -> int:
    from hooks_manager.headfile import heads_command

    return heads_command(bool(options["write"]), _text(options, "revision_file"),
                         _text(options, "config"), _text(options, "name"),
                         _text(options, "project"), print_out, say)


@body("rebase")
def _rebase(options: Options, _args: list[str]) -> int:
    from hooks_manager.relink import rebase_command

    return rebase_command(_text(options, "onto"), bool(options["commit"]), bool(options["yes"]),
                          _text(options, "config"), _text(options, "name"),
                          _text(options, "project"), say, bool(options["rename"]))


@body("graph")
def _graph(options: Options, _args: list[str]) -> int:
    from hooks_manager.explain import graph_command

    return graph_command(options, print_out)


# --- the app, from the table --------------------------------------------------------------------

app.callback()(_root)
for _command in COMMANDS:
    app.command(name=_command.name, help=_command.help, hidden=_command.hidden)(
        _typer_function(_command, _BODIES[_command.name]))
