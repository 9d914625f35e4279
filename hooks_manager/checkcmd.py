"""`hookman check`: the command itself, a plain function of the options that argv.py (the fast
path, no typer) or the typer app parsed from the declaration in commands.py."""

from __future__ import annotations

import sys

from hooks_manager.errors import EXIT_OK, EXIT_PROBLEMS, HookmanError
from hooks_manager.output import print_out
from hooks_manager.selection import make_source, opt, root_for, select_project
from hooks_manager.textsafe import lines


def check_command(options: dict[str, str | bool]) -> int:
    """`hookman check`: one verdict per project, exit 0 healthy / 1 problems / 2 cannot check."""
    from hooks_manager.check import check_projects
    from hooks_manager.report import render_json, render_text
    from hooks_manager.workspace import load_workspace

    if options.get("staged") and ("rev" in options or "against" in options):
        raise HookmanError("--staged reads the index; it cannot be combined with --rev or "
                           "--against", hint="check the index, or a commit, one at a time")
    root = root_for(options)
    source = make_source(root, options)
    # Settings and projects are read where the revisions are (the index, a commit), so
    # `--rev` sees a commit's own layout even when the work tree no longer has it.
    ws = load_workspace(root, source, config=opt(options, "config"),
                        section=opt(options, "name"))
    projects = select_project(ws.require_projects(), opt(options, "project"))
    settings = ws.settings
    note = settings.trust_note()
    if note:
        print(lines(note), file=sys.stderr)
    if settings.head_file:
        from hooks_manager.headfile import judge_reports, list_alongside

        list_alongside(projects, source)
        reports = check_projects(projects, source, settings)
        judge_reports(reports, source)
    else:
        reports = check_projects(projects, source, settings)
    if options.get("json"):
        import json

        text = json.dumps(render_json(reports), indent=2)
    else:
        text = render_text(reports, quiet=bool(options.get("quiet")))
    if text:
        print_out(text)
    return EXIT_OK if all(r.verdict.ok for r in reports) else EXIT_PROBLEMS
