"""What the installed shims run: `hookman hook <type> [git's arguments]`.

Stdlib only until a problem is found. Each hook is a short list of steps (nox's workflow
style); a step returns None to go on or an exit code to stop with.
"""

from __future__ import annotations

import os
import sys

from hooks_manager.config import HOOK_TYPES
from hooks_manager.errors import EXIT_CANNOT_CHECK, EXIT_OK, EXIT_PROBLEMS
from hooks_manager.hookrun import HookRun, skipped, turned_off
from hooks_manager.output import say
from hooks_manager.repo import find_root, in_progress
from hooks_manager.repo import merging as merge_under_way

# `collections.abc` loads the whole collections package (~2 ms); the name is for type checkers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    Step = Callable[[HookRun], int | None]


def run_hook(argv: list[str]) -> int:
    if not argv or argv[0] not in HOOK_TYPES:
        say(f"hookman: hook needs one of {', '.join(HOOK_TYPES)}")
        return EXIT_CANNOT_CHECK
    hook_type, args = argv[0], argv[1:]
    # pre-push's stdin holds the ref lines; every other hook gets /dev/null from git.
    stdin = sys.stdin.buffer.read() if hook_type == "pre-push" and sys.stdin else b""
    run = HookRun(hook_type, args, stdin, find_root(os.getcwd()) or os.getcwd())
    return execute(run, STEPS[hook_type])


def execute(run: HookRun, steps: list[Step]) -> int:
    for step in steps:
        code = step(run)
        if code is not None:
            return code
    return run.previous_code


# --- steps shared by every hook ----------------------------------------------------------------


def run_previous_hook(run: HookRun) -> int | None:
    """Someone else's hook, kept at install time, runs first with the same arguments and stdin;
    its failure stops the commit or push as it always did."""
    from hooks_manager.chain import run_previous

    code = run_previous(run.root, run.hook_type, run.args, run.stdin)
    if code:
        shown = " (hookman exits 1 for it: 112 is reserved for its shim)" if code == 112 else ""
        say(f"hookman: the previous {run.hook_type} hook failed (exit {code}){shown}")
        return code
    return None


def load(run: HookRun) -> int | None:
    """The workspace is read here (run.settings is its first use), before any check."""
    note = run.settings.trust_note()
    if note:
        say(note)
    if run.hook_type not in run.settings.hooks:
        return run.previous_code  # turned off in [tool.hookman] hooks
    return None


def honour_off_switch(run: HookRun) -> int | None:
    """HOOKMAN=0 turns every check off, with a visible line, unless [tool.hookman] required
    names some: then only those run (`skipped` says which)."""
    if turned_off() and not run.settings.required:
        say(f"hookman: {run.hook_type} checks skipped (HOOKMAN={os.environ['HOOKMAN']})")
        return EXIT_OK
    return None


def replaying(run: HookRun) -> int | None:
    """While a rebase or cherry-pick replays commits, each one was checked when it was made;
    checking every step of the replay would only get in the way."""
    if any(marker != "MERGE_HEAD" for marker, _, _ in in_progress(run.root)):
        return run.previous_code
    return None


# --- pre-commit and pre-merge-commit ----------------------------------------------------------


def check_index(run: HookRun) -> int | None:
    """The staged history (what the commit will record), never the work tree."""
    from hooks_manager.check import check_projects

    if skipped(run, "alembic-heads"):
        return None
    projects = run.workspace.discover()
    if run.workspace.missing is not None:
        say(f"hookman: nothing to check — {run.workspace.missing.message}")
        return None
    source = run.workspace.source
    if run.settings.head_file:  # the staged alembic_heads.txt must name the staged heads
        from hooks_manager.headfile import judge_reports, list_alongside

        list_alongside(projects, source)
        reports = check_projects(projects, source, run.settings)
        judge_reports(reports, source)
    else:
        reports = check_projects(projects, source, run.settings)
    failing = [r for r in reports if not r.verdict.ok]
    if not failing:
        return None
    from hooks_manager.inherited import inherited_by_commit
    from hooks_manager.report import render_text

    what = "merge" if run.hook_type == "pre-merge-commit" else "commit"
    # pre-merge-commit runs before git writes MERGE_HEAD: the fix lines must know anyway.
    merging = run.hook_type == "pre-merge-commit" or None
    kept = [r for r in failing if inherited_by_commit(run.root, r)]
    blocking = [r for r in failing if r not in kept]
    if kept:
        say(render_text(kept, quiet=True, merging=merging))
        say(f"hookman: warning: this fork is already in HEAD and this {what} changes no "
            f"revision file of {', '.join(r.project.name for r in kept)}: letting it through "
            "(fix the fork soon, with the line above)")
    if not blocking:
        return None
    say(render_text(blocking, quiet=True, merging=merging))
    if "alembic-heads" in run.settings.required:
        skip = ""  # SKIP is refused for a required check: offering it would be a lie
    else:
        skip = " (or skip knowingly: SKIP=alembic-heads, or git's --no-verify)"
    if merging or merge_under_way(run.root):
        say(f"hookman: {what} blocked before its commit; the merge is still under way. Run "
            f"the fix above (it concludes the merge), or git merge --abort{skip}.")
    else:
        say(f"hookman: {what} blocked. Fix the history above and {what} again{skip}.")
    return EXIT_PROBLEMS


def run_pre_push(run: HookRun) -> int | None:
    from hooks_manager.prepush import pre_push

    return pre_push(run)


_COMMON: list[Step] = [run_previous_hook, load, honour_off_switch, replaying]
STEPS: dict[str, list[Step]] = {
    "pre-commit": [*_COMMON, check_index],
    "pre-merge-commit": [*_COMMON, check_index],
    "pre-push": [run_previous_hook, load, honour_off_switch, run_pre_push],
}
