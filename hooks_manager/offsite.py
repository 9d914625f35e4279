"""The fast-path commands of the guards that run off the developer's machine or beside the
hooks: `hookman ci`, `hookman pre-receive` (the server shim), `hookman siblings`, and
`hookman framework` (the entry of .pre-commit-hooks.yaml). main.py sends them here without
loading typer."""

from __future__ import annotations

import os

from hooks_manager.errors import EXIT_OK, EXIT_PROBLEMS, HookmanError


def dispatch(args: list[str]) -> int:
    """``args`` = the command's name and its argv, parsed from the declaration (commands.py)
    as typer would parse it, without typer."""
    from hooks_manager.argv import help_text, parse
    from hooks_manager.commands import BY_NAME
    from hooks_manager.output import print_out

    command = BY_NAME[args[0]]
    parsed = parse(command, args[1:])
    if parsed.help:
        print_out(help_text(command))
        return EXIT_OK
    return run_command(command.name, parsed.options, parsed.args)


def run_command(name: str, options: dict[str, str | bool], args: list[str]) -> int:
    """The body of each command sent here, for this fast path and the typer app alike."""
    if name == "ci":
        from hooks_manager.ci import check_options

        return ci_command(check_options(options))
    if name == "pre-receive":
        from hooks_manager.server import hook_main

        return hook_main(args)
    if name == "siblings":
        from hooks_manager.siblings import siblings_command

        return siblings_command(options)
    return framework(args)


def framework(args: list[str]) -> int:
    """The pre-commit framework's hook: the staged history at pre-commit / pre-merge-commit;
    at pre-push (PRE_COMMIT_FROM_REF/TO_REF set) the pushed commit and its predicted merge
    with the upstream as this clone knows it. What the framework does not hand over is said."""
    from hooks_manager.check import check_projects
    from hooks_manager.output import say  # terminal-safe, to stderr
    from hooks_manager.repo import find_root
    from hooks_manager.report import render_text
    from hooks_manager.sources import Commit, Index, PredictedMerge, Source

    if args:
        raise HookmanError(f"`hookman framework` takes no arguments (got {' '.join(args)})",
                           hint="set pass_filenames: false for hook id hookman")
    root = find_root(os.getcwd())
    if root is None:
        raise HookmanError(f"{os.getcwd()} is not inside a git clone")
    from hooks_manager.sources import WorkTree
    from hooks_manager.workspace import load_workspace

    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    # The projects as the checked commit (or the index) has them; settings from the work
    # tree, as hookman's own hooks read them.
    ws = load_workspace(root, Commit(root, to_ref) if to_ref else Index(root),
                        settings_source=WorkTree(root))
    settings, projects = ws.settings, ws.projects
    if ws.missing is not None:
        say(f"hookman: nothing to check — {ws.missing.message}")
        return EXIT_OK
    sources: list[Source]
    notes: list[str] = []
    if to_ref:
        sources = [Commit(root, to_ref)]
        remote = os.environ.get("PRE_COMMIT_REMOTE_NAME") or "origin"
        upstream = settings.upstream or _default_upstream(root, remote)
        if os.environ.get("PRE_COMMIT_REMOTE_BRANCH"):
            notes.append("the pre-commit framework hands hooks the first pushed ref only: "
                         "other refs of this push not checked (hookman install checks "
                         "every ref)")
        if upstream:
            sources.append(PredictedMerge(root, to_ref, upstream))
            notes.append(f"predicted against {upstream} as this clone last fetched it "
                         "(not fetched under the framework)")
        else:
            notes.append(f"upstream not checked: no default branch of {remote} is known in "
                         "this clone (no network, e.g. pre-commit.ci, or nothing fetched)")
    else:
        sources = [Index(root)]
        notes.append("upstream not checked at this stage (the pre-push stage, or "
                     "`hookman ci`, predicts the merge)")
    failing = []
    for source in sources:
        reports = check_projects(projects, source, settings)
        failing += [r for r in reports if not r.verdict.ok]
    for note in notes:
        say(f"hookman: note: {note}")
    if failing:
        say(render_text(failing, quiet=True))
        return EXIT_PROBLEMS
    say("hookman: alembic history ok")
    return EXIT_OK


def _default_upstream(root: str, remote: str) -> str | None:
    from hooks_manager.refs import default_branch

    known = default_branch(root, remote)
    return known.name if known else None


def ci_command(options: dict[str, str | bool]) -> int:
    """`hookman ci`: exit 0 healthy, 1 problems, 2 not checked (the reason printed). Here, not
    in ci.py, so the check and its renderers (ci_output) never import each other."""
    from hooks_manager import ci_output
    from hooks_manager.ci import NotChecked, run_ci
    from hooks_manager.errors import (
        EXIT_CANNOT_CHECK,
        EXIT_OK,
        EXIT_PROBLEMS,
        GitError,
    )
    from hooks_manager.repo import find_root

    root = find_root(os.getcwd())
    if root is None:
        raise NotChecked(f"not checked: {os.getcwd()} is not inside a git checkout",
                         hint="run hookman ci in the job's checkout")
    fmt = str(options.get("format", "text"))
    try:
        result = run_ci(root, options)
    except NotChecked as exc:
        ci_output.not_checked(fmt, exc, options)
        return EXIT_CANNOT_CHECK
    except GitError as exc:
        ci_output.not_checked(fmt, NotChecked(f"not checked: {exc.message}", hint=exc.hint),
                              options)
        return EXIT_CANNOT_CHECK
    ci_output.emit(fmt, result, options)
    return EXIT_OK if result.ok else EXIT_PROBLEMS
