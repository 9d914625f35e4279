"""The fast-path commands of the guards that run off the developer's machine or beside the
hooks: `hookman ci`, `hookman pre-receive` (the server shim), `hookman siblings`, and
`hookman framework` (the entry of .pre-commit-hooks.yaml). main.py sends them here without
loading typer."""

from __future__ import annotations

import os

from hooks_manager.errors import EXIT_OK, EXIT_PROBLEMS, HookmanError


def dispatch(args: list[str]) -> int:
    command, rest = args[0], args[1:]
    if {"-h", "--help"} & set(rest):
        print(_help(command))
        return EXIT_OK
    if command == "ci":
        from hooks_manager.ci import parse_ci

        return ci_command(parse_ci(rest))
    if command == "pre-receive":
        from hooks_manager.server import hook_main

        return hook_main(rest)
    if command == "siblings":
        from hooks_manager.siblings import siblings_command

        return siblings_command(rest)
    return framework(rest)


_HELP = {
    "pre-receive": "usage: hookman pre-receive  (run by the server's pre-receive hook that "
                   "`hookman install --server` writes; reads git's update lines on stdin)",
    "siblings": "usage: hookman siblings [--json] [--rev REV] [--upstream REMOTE/BRANCH] "
                "[--remote NAME]\n\nLists the remote-tracking branches that add a child of "
                "the same parent as this branch's new revision, or reuse one of its ids.",
    "framework": "usage: hookman framework  (the entry of hook id `hookman` in "
                 ".pre-commit-hooks.yaml, for the pre-commit framework)",
}


def _help(command: str) -> str:
    if command == "ci":
        from hooks_manager.ci import USAGE

        return USAGE
    return _HELP[command]


def say(message: str) -> None:
    from hooks_manager.output import say as say_safely  # terminal-safe, to stderr

    say_safely(message)


def framework(args: list[str]) -> int:
    """The pre-commit framework's hook: the staged history at pre-commit / pre-merge-commit;
    at pre-push (PRE_COMMIT_FROM_REF/TO_REF set) the pushed commit and its predicted merge
    with the upstream as this clone knows it. What the framework does not hand over is said."""
    from hooks_manager.check import check_projects
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
