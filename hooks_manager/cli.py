"""The typer app: every command but the hot paths (`check` and `hook`, parsed in main.py so
they never load typer). Commands parse options and call plain functions; the one error base
becomes an exit code here and nowhere else."""

from __future__ import annotations

from typing import Annotated

from hooks_manager.sitepaths import full_site

full_site()  # typer lives in site-packages

import typer  # noqa: E402

from hooks_manager import __version__  # noqa: E402
from hooks_manager.errors import EXIT_INTERRUPTED, HookmanError  # noqa: E402

app = typer.Typer(
    name="hookman",
    help="Git hooks that stop Alembic migration forks (multiple heads) before they reach main.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def run(args: list[str]) -> int:
    """Run the typer app on ``args`` and return its exit code."""
    from hooks_manager.guard import internal_error

    try:
        # Standalone mode: click prints usage errors itself (exit 2) and handles Exit/Abort.
        app(args, prog_name="hookman", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except HookmanError as exc:
        echo(exc.render(), err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("hookman: interrupted", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: a short message, the traceback in a file
        return internal_error(exc)
    return 0


def echo(text: str, err: bool = False) -> None:
    """typer.echo, with repository text (paths, ids, hook names) made terminal-safe."""
    from hooks_manager.textsafe import lines

    typer.echo(lines(text), err=err)


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
    from hooks_manager.checkcmd import check_command

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
    trust: Annotated[bool, typer.Option("--trust", help="Let this clone's pyproject.toml turn "
                                        "on auto_merge / static_fallback, which load the "
                                        "migration files through alembic (sets git config "
                                        "hookman.trustRepoCode true).")] = False,
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

    raise typer.Exit(install_command(os.getcwd(), into_hooks_path=hooks_path, assume_yes=yes,
                                   trust=trust))


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
        echo(f"hookman: {line}")


@app.command()
def status() -> None:
    """Per hook: installed, whose, chained, stale, and the interpreter it runs.

    Exit codes: 0 all three hooks are hookman's current shims, 1 otherwise.
    """
    import os

    from hooks_manager.installer import status as show

    lines, healthy = show(os.getcwd())
    echo("\n".join(lines))
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
    echo("\n".join(lines))
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
                                   lambda text: echo(text, err=True)))


@app.command()
def heads(
    write: Annotated[bool, typer.Option("--write", help="Rewrite each project's head file "
                                        "(alembic_heads.txt beside env.py).")] = False,
    revision_file: Annotated[str | None, typer.Option(
        "--revision-file", help="The revision file alembic just wrote (post_write_hooks pass "
        "it): picks the project that holds it.")] = None,
    config: ConfigOpt = None,
    name: NameOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Print the head revision(s), one per line, for scripts.

    Exit codes: 0 one head per history, 1 a history forks (several heads). With --write: 0.
    """
    from hooks_manager.headfile import heads_command

    raise typer.Exit(heads_command(write, revision_file, config, name, project, echo,
                                   lambda text: echo(text, err=True)))


@app.command()
def rebase(
    onto: Annotated[str | None, typer.Option("--onto", help="The head to keep; the other "
                                             "head's chain moves onto it.")] = None,
    commit: Annotated[bool, typer.Option("--commit", help="Commit the edited files and the "
                                         "head file (those only).")] = False,
    rename: Annotated[bool, typer.Option("--rename", help="When file_template dates file "
                                         "names: rename the moved files to now, and set their "
                                         "Create Date to match.")] = False,
    yes: Annotated[bool, typer.Option("-y", "--yes", help="Do not ask for confirmation "
                                      "(never asked under CI=1 or without a terminal).")]
    = False,
    config: ConfigOpt = None,
    name: NameOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Re-point this branch's unpublished migration onto the other head (instead of a merge
    revision): edits its down_revision only, verifies one head, stages the files.

    Sides come from git: a stopped merge, rebase or cherry-pick, else the upstream, else
    --onto. Refuses (changing nothing) when the migration is published, is a merge revision,
    starts a branch label, its down_revision is not a literal, a file to edit does not parse,
    is a symlink or has unstaged changes. Asks first at a terminal; never asks under CI=1 or
    without a terminal (as hookman merge): it rewrites straight away there.
    """
    from hooks_manager.relink import rebase_command

    raise typer.Exit(rebase_command(onto, commit, yes, config, name, project,
                                    lambda text: echo(text, err=True), rename))


@app.command()
def graph(
    all_: Annotated[bool, typer.Option("--all", help="The whole history (default: the "
                                       "neighbourhood of each fork).")] = False,
    fmt: Annotated[str, typer.Option("--format", help="text (lanes, like git log --graph), "
                                     "mermaid or dot.")] = "text",
    staged: Annotated[bool, typer.Option("--staged", help="Draw the index.")] = False,
    rev: Annotated[str | None, typer.Option("--rev", help="Draw the history at a commit, "
                                            "branch or tag.")] = None,
    against: Annotated[str | None, typer.Option("--against", help="Draw the history the "
                                                "merge with REF would have.")] = None,
    config: ConfigOpt = None,
    name: NameOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Draw each Alembic history: heads, bases, merges, branch labels, depends_on, messages.

    Read statically like `hookman check` (nothing is imported). Exit codes: 0 drawn,
    2 cannot read (usage, configuration), 4 no alembic configuration found.
    """
    from hooks_manager.explain import graph_command

    options: dict[str, str | bool] = {"all": all_, "format": fmt, "staged": staged}
    for key, value in (("rev", rev), ("against", against), ("config", config),
                       ("name", name), ("project", project)):
        if value is not None:
            options[key] = value
    raise typer.Exit(graph_command(options, echo))
