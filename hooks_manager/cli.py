"""The typer app: every command but the hot paths (`check` and `hook`, parsed in main.py so
they never load typer). Commands parse options and call plain functions; the one error base
becomes an exit code here and nowhere else."""

from __future__ import annotations

from typing import Annotated

import typer

from hooks_manager import __version__
from hooks_manager.errors import EXIT_INTERRUPTED, HookmanError

app = typer.Typer(
    name="hookman",
    help="Git hooks that stop Alembic migration forks (multiple heads) before they reach main.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def run(args: list[str]) -> int:
    """Run the typer app on ``args`` and return its exit code."""
    from hooks_manager.main import internal_error

    try:
        # Standalone mode: click prints usage errors itself (exit 2) and handles Exit/Abort.
        app(args, prog_name="hookman", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except HookmanError as exc:
        typer.echo(exc.render(), err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("hookman: interrupted", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: a short message, the traceback in a file
        return internal_error(exc)
    return 0


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hookman {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """hookman keeps every Alembic history in this repository single-headed."""


ConfigOpt = Annotated[str | None, typer.Option("-c", "--config", help="Alembic config file "
                                               "(like alembic -c).")]
NameOpt = Annotated[str | None, typer.Option("-n", "--name", help="Section of the config file "
                                             "(like alembic -n).")]
ProjectOpt = Annotated[str | None, typer.Option("-p", "--project", help="Only this project "
                                                "(its name in tool.hookman.projects).")]


@app.command()
def check(
    staged: Annotated[bool, typer.Option("--staged", help="Check the index (what a commit "
                                         "would record).")] = False,
    rev: Annotated[str | None, typer.Option("--rev", help="Check the history at a commit, "
                                            "branch or tag.")] = None,
    against: Annotated[str | None, typer.Option("--against", help="Predict the history once "
                                                "the current commit (or --rev) is merged with "
                                                "REF.")] = None,
    config: ConfigOpt = None,
    name: NameOpt = None,
    project: ProjectOpt = None,
    json: Annotated[bool, typer.Option("--json", help="Print the documented JSON shape.")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Print nothing when healthy.")]
    = False,
) -> None:
    """Check every Alembic history: heads, bases and named problems.

    Exit codes: 0 healthy, 1 problems found, 2 cannot check (usage, configuration),
    3 internal error, 4 no alembic configuration found.
    """
    from hooks_manager.main import check_command

    options: dict[str, str | bool] = {"staged": staged, "json": json, "quiet": quiet}
    for key, value in (("rev", rev), ("against", against), ("config", config),
                       ("name", name), ("project", project)):
        if value is not None:
            options[key] = value
    raise typer.Exit(check_command(options))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def ci(ctx: typer.Context) -> None:
    """The pipeline check: the commit and its merge with the real target (GitHub pull
    requests and merge queue, GitLab merge requests and trains, Bitbucket, --against REF).
    Run `hookman ci --help` for its options (parsed without typer, like `check`)."""
    from hooks_manager.offsite import dispatch

    raise typer.Exit(dispatch(["ci", *ctx.args]))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def siblings(ctx: typer.Context) -> None:
    """Remote branches that build on the same parent as this branch's new revision, or reuse
    its id: whichever lands second forks. Options: --json, --rev, --upstream, --remote."""
    from hooks_manager.offsite import dispatch

    raise typer.Exit(dispatch(["siblings", *ctx.args]))


# --- install / uninstall / status / doctor (the work is in installer.py and doctor.py) ---------


@app.command()
def install(
    hooks_path: Annotated[bool, typer.Option(
        "--hooks-path", "--into-hooks-path",
        help="core.hooksPath points to another folder (husky's .husky/_, a team folder): "
             "install into it anyway, keeping and chaining the hooks already there.")] = False,
    yes: Annotated[bool, typer.Option("-y", "--yes", help="Ask nothing; take what was "
                                      "detected (also the case with CI set or no terminal).")]
    = False,
    server: Annotated[bool, typer.Option("--server", help="In a bare server repository: "
                                         "write the pre-receive guard of protected branches.")]
    = False,
) -> None:
    """Install the pre-commit, pre-push and pre-merge-commit hooks in this clone.

    Hooks already in place are kept and run first. Installing again refreshes the shims.
    Exit codes: 0 installed, 2 not installed (core.hooksPath elsewhere, not a git clone, ...).
    """
    import os

    if server:
        from hooks_manager.server import install_server

        for line in install_server(os.getcwd()):
            typer.echo(f"hookman: {line}")
        raise typer.Exit(0)
    from hooks_manager.installer import install_command

    raise typer.Exit(install_command(os.getcwd(), into_hooks_path=hooks_path, assume_yes=yes))


@app.command()
def uninstall(
    server: Annotated[bool, typer.Option("--server", help="In a bare server repository: "
                                         "remove the pre-receive guard.")] = False,
) -> None:
    """Remove hookman's hooks and put back the hooks they replaced, byte for byte."""
    import os

    if server:
        from hooks_manager.server import uninstall_server

        for line in uninstall_server(os.getcwd()):
            typer.echo(f"hookman: {line}")
        raise typer.Exit(0)
    from hooks_manager.installer import uninstall as remove

    location, lines = remove(os.getcwd())
    for line in lines or [f"no hookman hooks in {location.hooks_dir}"]:
        typer.echo(f"hookman: {line}")


@app.command()
def status() -> None:
    """Per hook: installed, whose, chained, stale, and the interpreter it runs.

    Exit codes: 0 all three hooks are hookman's current shims, 1 otherwise.
    """
    import os

    from hooks_manager.installer import status as show

    lines, healthy = show(os.getcwd())
    typer.echo("\n".join(lines))
    raise typer.Exit(0 if healthy else 1)


@app.command()
def doctor() -> None:
    """What a hook run will see (interpreter, PATH, hooks folder, settings, projects, test
    command) and what is wrong with it.

    Exit codes: 0 nothing wrong, 1 something to fix (lines marked FIX).
    """
    import os

    from hooks_manager.doctor import doctor as examine

    lines, healthy = examine(os.getcwd())
    typer.echo("\n".join(lines))
    typer.echo("hookman: nothing wrong" if healthy else "hookman: fix the FIX lines above")
    raise typer.Exit(0 if healthy else 1)


@app.command()
def merge(
    commit: Annotated[bool, typer.Option("--commit", help="Commit the merge revision (that file "
                                         "only; other staged changes stay staged).")] = False,
    message: Annotated[str | None, typer.Option("-m", "--message", help="Revision message "
                                                "(default: merge heads A and B).")] = None,
    yes: Annotated[bool, typer.Option("-y", "--yes", help="Do not ask for confirmation.")]
    = False,
    config: ConfigOpt = None,
    name: NameOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Write the merge revision that joins the heads, with alembic and the project's own
    script.py.mako. Asks first at a terminal; never asks under CI=1 or without a terminal.

    The revision id is derived from the heads, so two people merging the same fork write the
    same revision. Refuses (writing nothing) with one head, during a merge, rebase or
    cherry-pick, or while the index is locked.
    """
    from hooks_manager.fix import merge_command

    raise typer.Exit(merge_command(commit, message, yes, config, name, project,
                                   lambda text: typer.echo(text, err=True)))
