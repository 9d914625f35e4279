"""What a push does about a fork: at a terminal, a menu (write the merge revision and commit
it; show the details; abort; push anyway); with auto-merge, the fix without asking; otherwise
(CI, a GUI client) a refusal that names the heads and the exact commands.

A commit made during a push is not part of it, so every fix stops the push: "run git push
again" (exit 6).
"""

from __future__ import annotations

from hooks_manager import proc
from hooks_manager.check import ProjectReport
from hooks_manager.config import Project
from hooks_manager.errors import EXIT_INTERRUPTED, EXIT_PROBLEMS, EXIT_PUSH_AGAIN, MergeError
from hooks_manager.fix import MergePlan, commit_message_for, details, fork_of, plan_merge
from hooks_manager.flags import env_switch
from hooks_manager.hook import HookRun, say
from hooks_manager.prepush import RefOutcome
from hooks_manager.prompts import Prompter, ci_requested, open_prompter


def handle_failures(
    run: HookRun, remote: str, projects: list[Project], failing: list[RefOutcome]
) -> int | None:
    """Exit code for the push, or None to go on (push anyway)."""
    assert run.settings is not None
    if any(_other_errors(o) for o in failing):
        say("hookman: push blocked: the history has problems a merge revision does not fix "
            "(above). Fix them, commit, and push again.")
        return EXIT_PROBLEMS
    head_sha, branch = _head(run.root)
    target = next((o for o in failing if o.ref.local_sha == head_sha), None) if branch else None
    rest = [o for o in failing if o is not target]
    auto = run.settings.auto_merge or env_switch("HOOKMAN_AUTO_MERGE", other=False)
    for outcome in rest:
        explain(outcome, checked_out=False, remote=remote, auto=auto)
    if target is None:
        return EXIT_PROBLEMS
    prompter = open_prompter()
    if not prompter.interactive and not auto:
        explain(target, checked_out=True, remote=remote, auto=auto)
        return EXIT_PROBLEMS
    code = resolve(run, prompter, target, branch or "HEAD", remote)
    if code is None and rest:
        return EXIT_PROBLEMS  # pushing anyway covers the checked-out branch only
    return code


def resolve(
    run: HookRun, prompter: Prompter, outcome: RefOutcome, branch: str, remote: str
) -> int | None:
    assert run.settings is not None
    upstream_only = not any(fork_of(r) for r in outcome.own)
    check = "alembic-upstream" if upstream_only else "alembic-heads"
    reports = outcome.predicted if upstream_only else outcome.own
    say(_headline(outcome, upstream_only))
    choices = _choices(outcome, upstream_only, branch, remote,
                       allow_push=check not in run.settings.required)
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
    from hooks_manager.merge import merge_rev_id

    return [f"{merge_rev_id(heads)} ({' + '.join(heads)})"
            for heads in (fork_of(r) for r in reports) if heads]


def _headline(outcome: RefOutcome, upstream_only: bool) -> str:
    name = outcome.ref.name
    if not upstream_only:
        heads = "; ".join(", ".join(fork_of(r)) for r in outcome.own if fork_of(r))
        return f"hookman: {name} forks the alembic history: heads {heads}"
    assert outcome.upstream is not None
    mine = {rec.revision for r in outcome.own for rec in r.records}
    parts = []
    for report in outcome.predicted:
        for head in fork_of(report):
            where = "yours" if head in mine else f"from {outcome.upstream.name}"
            parts.append(f"{head} ({where})")
    return (f"hookman: {name} has one head on its own, but the fork exists against the "
            f"upstream: once it meets {outcome.upstream.name} the heads are "
            f"{', '.join(parts)}")


# --- the fixes ---------------------------------------------------------------------------------


def fix_own(run: HookRun, outcome: RefOutcome) -> int:
    from hooks_manager import gitops
    from hooks_manager.fix import write_and_commit

    gitops.refuse_if_busy(run.root)
    plans = _plans(run, outcome.own, f"the pushed commit {outcome.ref.local_sha[:10]}")
    message = commit_message_for(plans)
    done = write_and_commit(run.root, plans, message, say)
    assert done.sha is not None
    return _push_again(done.sha, message, done.paths)


def fix_with_upstream(run: HookRun, outcome: RefOutcome, branch: str) -> int:
    from hooks_manager import gitops
    from hooks_manager.fix import write_and_commit

    assert outcome.upstream is not None
    upstream = outcome.upstream.name
    gitops.refuse_if_busy(run.root)
    if gitops.has_tracked_changes(run.root):
        raise MergeError(f"{branch} has uncommitted changes; hookman merges {upstream} only "
                         "into a clean branch, so nothing was changed",
                         hint=f"commit or stash them and push again, or merge by hand: git "
                              f"merge --no-verify {upstream} && hookman merge --commit")
    before, _ = gitops.head(run.root)
    merged = gitops.merge_upstream(run.root, upstream)
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
    return _push_again(done.sha, message, done.paths)


def _plans(run: HookRun, reports: list[ProjectReport], what: str) -> list[MergePlan]:
    """The merges the work tree needs, which must be the fork the check found in ``what``;
    anything else means the work tree holds migrations that are not committed."""
    assert run.settings is not None
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


def _push_again(sha: str, message: str, paths: list[str]) -> int:
    say(f"hookman: wrote {', '.join(paths)}")
    say(f"hookman: committed {sha[:10]} {message} — run git push again (a commit made during "
        "a push is not part of it)")
    return EXIT_PUSH_AGAIN


# --- no one to ask -----------------------------------------------------------------------------


def explain(outcome: RefOutcome, checked_out: bool, remote: str, auto: bool) -> None:
    upstream_only = not any(fork_of(r) for r in outcome.own)
    name = outcome.ref.name
    steps = [] if checked_out else [f"git checkout {name}"]
    where = ""
    check = "alembic-heads"
    if upstream_only and outcome.upstream is not None:
        # --no-verify: our own pre-merge-commit hook would (rightly) stop a merge that forks.
        steps.append(f"git merge --no-verify {outcome.upstream.name}")
        where = f" once merged with {outcome.upstream.name}"
        check = "alembic-upstream"
    steps += ["hookman merge --commit", f"git push {remote} {name}"]
    if checked_out:
        why = "CI is set" if ci_requested() else "no terminal to ask"
        auto_line = ("  or let the push write and commit the merge: auto_merge = true in "
                     "[tool.hookman], or HOOKMAN_AUTO_MERGE=1\n")
    else:
        why = "not the checked-out branch"
        auto_line = (f"  (auto-merge and the menu fix the checked-out branch only: "
                     f"git checkout {name} and push again)\n" if auto else "")
    say(f"hookman: push blocked: {name} forks the alembic history{where} ({why}).\n"
        f"  fix this push:  {' && '.join(steps)}\n"
        f"{auto_line}"
        f"  or skip knowingly: SKIP={check} git push (or git push --no-verify)")


def _other_errors(outcome: RefOutcome) -> bool:
    return any(p.kind != "multiple-heads"
               for r in (*outcome.own, *outcome.predicted) for p in r.verdict.errors)


def _head(root: str) -> tuple[str, str | None]:
    sha = proc.run(["git", "rev-parse", "-q", "--verify", "HEAD"], root).out.decode().strip()
    branch = proc.run(["git", "symbolic-ref", "-q", "--short", "HEAD"], root)
    return sha, (branch.out.decode().strip() or None) if branch.code == 0 else None
