"""What a push does about a fork: at a terminal, a menu (write the merge revision and commit
it; show the details; abort; push anyway); with auto-merge, the fix without asking; otherwise
(CI, a GUI client) a refusal that names the heads and the exact commands.

A commit made during a push is not part of it, so every fix stops the push: "run git push
again" (exit 6).
"""

from __future__ import annotations

import os
import shlex

from hooks_manager import fixcmd, repo
from hooks_manager.check import ProjectReport
from hooks_manager.config import Project
from hooks_manager.errors import EXIT_INTERRUPTED, EXIT_PROBLEMS, MergeError
from hooks_manager.fix import MergePlan, commit_message_for, details, fork_of, plan_merge
from hooks_manager.fixcmd import Fix
from hooks_manager.flags import env_switch
from hooks_manager.graph import merge_rev_id
from hooks_manager.hookrun import HookRun
from hooks_manager.output import say
from hooks_manager.prompts import Prompter, ci_requested, open_prompter
from hooks_manager.refs import RefOutcome, push_again
from hooks_manager.sources import ZERO_SHA
from hooks_manager.textsafe import shown


def handle_failures(
    run: HookRun, remote: str, projects: list[Project], failing: list[RefOutcome]
) -> int | None:
    """Exit code for the push, or None to go on (push anyway)."""
    if any(_other_errors(o) for o in failing):
        say("hookman: push blocked: the history has problems a merge revision does not fix "
            "(above). Fix them, commit, and push again.")
        return EXIT_PROBLEMS
    head_sha, branch = _head(run.root)
    # A tag at HEAD is not the branch: a commit on the branch leaves the tag where it was.
    target = next((o for o in failing if o.ref.local_sha == head_sha
                   and not o.ref.local_ref.startswith("refs/tags/")), None) if branch else None
    rest = [o for o in failing if o is not target]
    auto = run.settings.auto_merge or env_switch("HOOKMAN_AUTO_MERGE", other=False)
    for outcome in rest:
        explain(outcome, checked_out=_is_head(outcome, head_sha, branch), remote=remote,
                auto=auto, required=run.settings.required, root=run.root)
    if target is None:
        return EXIT_PROBLEMS
    prompter = open_prompter()
    if not prompter.interactive and not auto:
        explain(target, checked_out=True, remote=remote, auto=auto,
                required=run.settings.required, root=run.root)
        return EXIT_PROBLEMS
    code = resolve(run, prompter, target, branch or "HEAD", remote)
    if code is None and rest:
        return EXIT_PROBLEMS  # pushing anyway covers the checked-out branch only
    return code


def resolve(
    run: HookRun, prompter: Prompter, outcome: RefOutcome, branch: str, remote: str
) -> int | None:
    upstream_only = not any(fork_of(r) for r in outcome.own)
    check = "alembic-upstream" if upstream_only else "alembic-heads"
    reports = outcome.predicted if upstream_only else outcome.own
    say(_headline(outcome, upstream_only))
    choices = _choices(outcome, upstream_only, branch, remote,
                       allow_push=check not in run.settings.required)
    from hooks_manager.relink import relink_choice

    relink, why_not, first = relink_choice(run.root, run.settings, outcome, upstream_only, branch,
                                           prompter.interactive)
    if relink is not None:
        choices.insert(0 if first else 1, relink)
    else:
        say(f"hookman: re-pointing (hookman rebase) is not offered: {why_not}")
    default = choices[0][0]
    while True:
        choice = (prompter.select("What now?", choices, default) if prompter.interactive
                  else default)
        if choice == "details":
            say(details(reports))
            continue
        break
    if choice is None:
        say("hookman: push cancelled at the prompt; nothing was changed")
        return EXIT_INTERRUPTED
    if choice == "abort":
        say("hookman: push aborted; nothing was changed")
        return EXIT_PROBLEMS
    if choice == "push":
        say(f"hookman: pushing anyway: the fork in {outcome.ref.name} reaches {remote} "
            f"(chosen at the prompt; SKIP={check} does the same without asking)")
        return None
    if not prompter.interactive:
        say("hookman: auto-merge is on (auto_merge / HOOKMAN_AUTO_MERGE): fixing the fork")
    if choice == "rebase":
        from hooks_manager.relink import fix_by_relink

        return fix_by_relink(run, outcome, branch, upstream_only)
    if choice == "upstream":
        return fix_with_upstream(run, outcome, branch)
    return fix_own(run, outcome)


def _choices(
    outcome: RefOutcome, upstream_only: bool, branch: str, remote: str, allow_push: bool
) -> list[tuple[str, str]]:
    reports = outcome.predicted if upstream_only else outcome.own
    ids = ", ".join(_merge_ids(reports))
    if upstream_only:
        assert outcome.upstream is not None
        first = ("upstream", f"Merge {outcome.upstream.name} into {branch}, write the merge "
                 f"revision {ids} and commit it (then push again)")
    else:
        first = ("merge", f"Write the merge revision {ids} and commit it (then push again)")
    choices = [first,
               ("details", "Show the details: heads, files, commits, the graph since the fork"),
               ("abort", "Abort the push")]
    if allow_push:
        choices.append(("push", f"Push anyway (the fork reaches {remote})"))
    return choices


def _merge_ids(reports: list[ProjectReport]) -> list[str]:
    # Menu titles reach the terminal through questionary, not say(): escape the ids here.
    return [f"{merge_rev_id(heads)} ({' + '.join(map(shown, heads))})"
            for heads in (fork_of(r) for r in reports) if heads]


def _headline(outcome: RefOutcome, upstream_only: bool) -> str:
    name = outcome.ref.name
    if not upstream_only:
        heads = "; ".join(", ".join(map(shown, fork_of(r))) for r in outcome.own if fork_of(r))
        return f"hookman: {name} forks the alembic history: heads {heads}"
    assert outcome.upstream is not None
    mine = {rec.revision for r in outcome.own for rec in r.records}
    parts = []
    for report in outcome.predicted:
        for head in fork_of(report):
            where = "yours" if head in mine else f"from {outcome.upstream.name}"
            parts.append(f"{shown(head)} ({where})")
    return (f"hookman: {name} has one head on its own, but the fork exists against the "
            f"upstream: once it meets {outcome.upstream.name} the heads are "
            f"{', '.join(parts)}")


# --- the fixes ---------------------------------------------------------------------------------


def fix_own(run: HookRun, outcome: RefOutcome) -> int:
    from hooks_manager import gitops
    from hooks_manager.fix import write_and_commit
    from hooks_manager.fixlock import fix_lock

    gitops.refuse_if_busy(run.root)
    with fix_lock(run.root, say):  # one fix at a time, from its plan to its commit
        plans = _plans(run, outcome.own, f"the pushed commit {outcome.ref.local_sha[:10]}")
        message = commit_message_for(plans)
        done = write_and_commit(run.root, plans, message, say)
    assert done.sha is not None
    return push_again(done.sha, message, done.paths)


def fix_with_upstream(run: HookRun, outcome: RefOutcome, branch: str) -> int:
    from hooks_manager.fixlock import fix_lock

    with fix_lock(run.root, say):  # one fix at a time, from the merge to the commit
        return _fix_with_upstream(run, outcome, branch)


def _fix_with_upstream(run: HookRun, outcome: RefOutcome, branch: str) -> int:
    from hooks_manager import gitops
    from hooks_manager.fix import write_and_commit

    assert outcome.upstream is not None
    upstream = outcome.upstream.name
    gitops.refuse_if_busy(run.root)
    if gitops.has_tracked_changes(run.root):
        raise MergeError(f"{branch} has uncommitted changes; hookman merges {upstream} only "
                         "into a clean branch, so nothing was changed",
                         hint=f"commit or stash them and push again, or merge by hand: git "
                              f"merge --no-verify {shlex.quote(upstream)} && hookman merge "
                              "--commit")
    before = repo.head_sha(run.root, required=True)
    from hooks_manager.headfile import path_for

    head_files = tuple(os.path.relpath(path_for(r.project.script_location), run.root)
                       for r in outcome.predicted)
    merged = gitops.merge_upstream(run.root, upstream, head_files)
    say(f"hookman: merged {upstream} into {branch} ({merged[:10]})")
    try:
        plans = _plans(run, outcome.predicted, f"the merge of {upstream}")
        message = commit_message_for(plans)
        done = write_and_commit(run.root, plans, message, say)
    except BaseException:
        gitops.undo_commit(run.root, before)
        say(f"hookman: the merge of {upstream} was undone; {branch} is as it was")
        raise
    assert done.sha is not None
    return push_again(done.sha, message, done.paths)


def _plans(run: HookRun, reports: list[ProjectReport], what: str) -> list[MergePlan]:
    """The merges the work tree needs, which must be the fork the check found in ``what``;
    anything else means the work tree holds migrations that are not committed."""
    plans = []
    for report in reports:
        expected = fork_of(report)
        if not expected:
            continue
        plan = plan_merge(run.root, report.project, run.settings)
        if plan is None or plan.heads != expected:
            found = ", ".join(plan.heads) if plan else "a single head"
            raise MergeError(f"{report.project.name}: the work tree has {found}, but "
                             f"{what} has heads {', '.join(expected)}: migrations in the "
                             "work tree are not committed; nothing was written",
                             hint="commit or stash them, then push again")
        plans.append(plan)
    return plans


# --- no one to ask -----------------------------------------------------------------------------


def explain(outcome: RefOutcome, checked_out: bool, remote: str, auto: bool,
            required: frozenset[str] = frozenset(), root: str = ".") -> None:
    """The refusal with no one to ask: the exact line that fixes this push, runnable as
    printed (every argument quoted) from the state the push left."""
    upstream_only = not any(fork_of(r) for r in outcome.own)
    ref = outcome.ref
    name = ref.name
    where = ""
    check = "alembic-heads"
    if upstream_only and outcome.upstream is not None:
        where = f" once merged with {outcome.upstream.name}"
        check = "alembic-upstream"
    fix, why_not = fix_steps(root, outcome, checked_out, remote)
    if checked_out:
        why = "CI is set" if ci_requested() else "no terminal to ask"
        auto_line = ("  or let the push write and commit the merge: auto_merge = true in "
                     "[tool.hookman] plus this clone's opt-in (git config "
                     "hookman.trustRepoCode true), or HOOKMAN_AUTO_MERGE=1\n")
    else:
        why = "not the checked-out branch" if ref.local_ref.startswith("refs/heads/") else \
            "not a branch"
        auto_line = (f"  (auto-merge and the menu fix the checked-out branch only: "
                     f"git checkout {shlex.quote(name)} and push again)\n"
                     if auto and fix is not None and ref.local_ref.startswith("refs/heads/")
                     else "")
    how = f"  fix this push:  {fix.command()}\n" if fix is not None else f"  {why_not}\n"
    # A required check refuses SKIP (hook.skipped): offering it would not work.
    # The skip line pushes what the fix line pushes: a bare `git push` fails on a branch with
    # no upstream, or pushes another ref than the one blocked.
    push_args = next((s.argv[2:] for s in reversed(fix.steps) if s.argv[:2] == ["git", "push"]),
                     []) if fix is not None else []
    push = shlex.join(["git", "push", *push_args])
    no_verify = shlex.join(["git", "push", "--no-verify", *push_args])
    skip = ("" if check in required else
            f"\n  or skip knowingly: SKIP={check} {push} (or {no_verify})")
    relink_line = ""
    if fix is not None and ref.local_ref.startswith("refs/heads/"):
        from hooks_manager.relink import ci_line

        relink = ci_line(outcome.upstream.name if upstream_only and outcome.upstream else None,
                         remote, name)
        if not checked_out:
            relink = f"git checkout {shlex.quote(name)} && {relink}"
        relink_line = f"  or re-point yours (unpublished) instead of a merge revision:  {relink}\n"
    say(f"hookman: push blocked: {name} forks the alembic history{where} ({why}).\n"
        f"{how}{relink_line}{auto_line}".rstrip("\n") + skip)


def fix_steps(
    root: str, outcome: RefOutcome, checked_out: bool, remote: str
) -> tuple[Fix | None, str]:
    """The line that fixes this ref's push, or None and what to do instead. The merge
    revision is a new commit on top of the pushed one: a branch (or the detached HEAD being
    pushed) takes it; a tag is moved to it; anything else has no command."""
    ref = outcome.ref
    local = ref.local_ref
    upstream_only = not any(fork_of(r) for r in outcome.own)
    merge_in = ([fixcmd.run("git", "merge", "--no-verify",
                            *fixcmd.positional([outcome.upstream.name]))]
                if upstream_only and outcome.upstream is not None else [])
    write = fixcmd.run("hookman", "merge", "--commit")
    destination = ref.remote_ref
    if local.startswith("refs/heads/") or (checked_out and local == "HEAD"):
        branch = local.removeprefix("refs/heads/")
        if local == "HEAD":
            # Detached: `git push <remote> HEAD` names no branch; say which one.
            target = f"HEAD:{destination}"
        elif destination == local:
            target = branch
        else:
            target = f"{branch}:{destination}"
        goto = [] if checked_out else [fixcmd.run("git", "checkout", branch)]
        return Fix([*goto, *merge_in, write, fixcmd.run("git", "push", remote, target)]), ""
    if local.startswith("refs/tags/"):
        tag = local.removeprefix("refs/tags/")
        if repo.object_type(root, local) == "tag":
            return None, (f"no command fixes this push: {tag} is an annotated tag on a commit "
                          "whose history forks. Fix the branch it was made from (hookman "
                          "merge --commit there), tag the fixed commit again with its "
                          "message, and push that tag")
        # The tagged commit cannot change: the tag moves to the commit that merges the fork.
        again = ["--force"] if ref.remote_sha != ZERO_SHA else []
        return Fix([fixcmd.run("git", "checkout", "--detach", local), *merge_in, write,
                    fixcmd.run("git", "tag", "-f", "--", tag),
                    fixcmd.run("git", "push", *again, remote, local),
                    fixcmd.run("git", "checkout", "-")],
                   "moves the tag to the commit that merges the fork"), ""
    return None, (f"no command fixes this push: {local} is not a branch; fix the branch this "
                  "commit is on (hookman merge --commit there) and push that")


def _is_head(outcome: RefOutcome, head_sha: str, branch: str | None) -> bool:
    """A detached HEAD being pushed (`git push origin HEAD:refs/heads/x`): the merge commit
    can go right on top of it, as on a checked-out branch."""
    return branch is None and outcome.ref.local_ref == "HEAD" and \
        outcome.ref.local_sha == head_sha


def _other_errors(outcome: RefOutcome) -> bool:
    return any(p.kind != "multiple-heads"
               for r in (*outcome.own, *outcome.predicted) for p in r.verdict.errors)


def _head(root: str) -> tuple[str, str | None]:
    return repo.head_sha(root), repo.current_branch(root)
