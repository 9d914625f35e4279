"""pre-push: every pushed ref is checked at its commit and against the upstream target (the
history the target branch will have once the ref lands), then the test suite runs.

Stdlib only while the histories are clean: the fix (questionary, alembic, GitPython) lives in
pushfix.py and loads only when a fork needs it.
"""

from __future__ import annotations

from hooks_manager.check import ProjectReport, check_projects
from hooks_manager.config import Project
from hooks_manager.errors import EXIT_PROBLEMS, EXIT_TESTS_FAILED
from hooks_manager.hookrun import HookRun, skipped
from hooks_manager.output import say
from hooks_manager.refs import PushedRef, RefOutcome, Upstream, default_branch
from hooks_manager.repo import commit_sha, merge_base, refs
from hooks_manager.sources import ZERO_SHA, GitReads, SharedCommit, SharedMerge


def parse_refs(stdin: bytes) -> list[PushedRef]:
    """Every ref line but deletions. Split from the right: a local ref may hold spaces (git
    passes `HEAD~1` or an expression as typed), the other three fields never do."""
    refs = []
    for line in stdin.decode(errors="surrogateescape").splitlines():
        parts = line.rstrip("\r").rsplit(" ", 3)
        if len(parts) != 4:
            continue
        ref = PushedRef(*parts)
        if ref.local_sha != ZERO_SHA:  # an all-zero local sha deletes the remote ref
            refs.append(ref)
    return refs


def pre_push(run: HookRun) -> int | None:
    refs = parse_refs(run.stdin)
    if not refs:
        return None  # only deletions: nothing new reaches the remote
    heads_skipped = skipped(run, "alembic-heads")
    upstream_skipped = skipped(run, "alembic-upstream")
    if not (heads_skipped and upstream_skipped):
        code = check_refs(run, refs, heads_skipped, upstream_skipped)
        if code is not None:
            return code
    return test_step(run)


def check_refs(
    run: HookRun, refs: list[PushedRef], heads_skipped: bool, upstream_skipped: bool
) -> int | None:
    projects = run.workspace.discover()
    if run.workspace.missing is not None:
        say(f"hookman: nothing to check — {run.workspace.missing.message}")
        return None
    remote = run.args[0] if run.args else "origin"
    upstream = None if upstream_skipped else find_upstream(run, remote)
    outcomes = []
    reads = GitReads(run.root)
    for ref in refs:
        outcome = check_ref(run, ref, projects, upstream, heads_skipped, reads)
        say_outcome(outcome)
        outcomes.append(outcome)
    from hooks_manager.siblings import prepush_siblings

    sibling_block = prepush_siblings(run.root, projects, refs,
                                     upstream.name if upstream else None, run.settings.siblings)
    failing = [o for o in outcomes if not o.ok and not inherited(run, o)]
    if not failing:
        return EXIT_PROBLEMS if sibling_block else None
    from hooks_manager.pushfix import handle_failures

    return handle_failures(run, remote, projects, failing)


def check_ref(
    run: HookRun, ref: PushedRef, projects: list[Project], upstream: Upstream | None,
    heads_skipped: bool, reads: GitReads,
) -> RefOutcome:
    """The ref's history at its commit, then (unless the ref already contains the upstream
    tip) the history its merge with the upstream would have. Independent git reads start
    together; trees, blobs and scans are shared through ``reads``."""
    outcome = RefOutcome(ref, upstream)
    rels = [[SharedCommit(reads, ref.local_sha).rel(loc) for loc in p.locations]
            for p in projects]
    for project_rels in rels:
        reads.start(ref.local_sha, project_rels)
    base = merge_base(reads.root, ref.local_sha, upstream.sha) if upstream is not None else None
    predict = upstream is not None and upstream.sha not in (ref.local_sha, base)
    if predict and upstream is not None:
        for project_rels in rels:
            if base is None:
                reads.start(upstream.sha, project_rels)
            else:
                reads.start_changes(base, upstream.sha, project_rels)
    if not heads_skipped:
        own = SharedCommit(reads, ref.local_sha)
        outcome.own = check_projects(projects, own, run.settings)
    if predict and upstream is not None:
        merge = SharedMerge(reads, ref.local_sha, upstream.name, upstream.sha, base)
        if outcome.own and all(merge.same_as_ours(r) for r in rels):
            # The upstream changed no revision file since the fork: same files, same verdict.
            outcome.predicted = [ProjectReport(r.project, merge, r.records, r.verdict)
                                 for r in outcome.own]
        else:
            outcome.predicted = check_projects(projects, merge, run.settings)
    return outcome


def inherited(run: HookRun, outcome: RefOutcome) -> bool:
    """A ref whose every failure is a fork it did not make: it changes no revision file of
    that project since the upstream target (or, without one, since the remote ref's old
    value). Said with a warning; the ref goes on (inherited.py has the rule)."""
    from hooks_manager.inherited import inherited_by_push

    ref = outcome.ref
    if outcome.upstream is not None:
        base = merge_base(run.root, ref.local_sha, outcome.upstream.sha)
        since = outcome.upstream.name
    else:
        known = ref.remote_sha != ZERO_SHA and commit_sha(run.root, ref.remote_sha) is not None
        base = ref.remote_sha if known else None
        since = ref.remote_ref
    bad = [r for r in (*outcome.own, *outcome.predicted) if not r.verdict.ok]
    if not bad or not all(inherited_by_push(run.root, base, ref.local_sha, r) for r in bad):
        return False
    names = ", ".join(sorted({r.project.name for r in bad}))
    say(f"hookman: warning: {ref.local_ref} changes no revision file of {names} since "
        f"{since}: the fork above came with it, so this push does not make it worse; "
        "letting it through (fix the fork soon, with the line above)")
    return True


def say_outcome(outcome: RefOutcome) -> None:
    ref = outcome.ref
    lines = [f"hookman: {ref.local_ref} {ref.local_sha[:10]} -> {ref.remote_ref}"]
    for report in outcome.own:
        if report.verdict.ok:
            lines.append(f"  {report.project.name}: ok — {_heads(report)}")
    upstream = outcome.upstream
    for report in outcome.predicted:
        if report.verdict.ok and upstream is not None:
            lines.append(f"  {report.project.name} merged with {upstream.name}: ok — "
                         f"{_heads(report)}")
    if upstream is not None and not outcome.predicted:
        lines.append(f"  already contains {upstream.name}")
    own_verdicts = [r.verdict for r in outcome.own]
    failed = [r for r in outcome.own if not r.verdict.ok] + [
        r for r in outcome.predicted
        if not r.verdict.ok and not any(r.verdict is v for v in own_verdicts)]
    if failed:
        from hooks_manager.report import render_text

        lines.append(render_text(failed, quiet=True))
    say("\n".join(lines))


def _heads(report: ProjectReport) -> str:
    ids = report.verdict.head_ids
    return f"head {', '.join(ids)}" if ids else "empty history"


# --- the upstream target -----------------------------------------------------------------------


def find_upstream(run: HookRun, remote: str) -> Upstream | None:
    """The `upstream` setting, else the remote's default branch as this clone knows it:
    refs/remotes/<remote>/HEAD, else <remote>/main, else <remote>/master."""
    known = None if run.settings.upstream else default_branch(run.root, remote)
    name = run.settings.upstream or (known.name if known else None)
    if name is None:
        if _knows_branches_of(run.root, remote):
            say(f"hookman: no default branch known for {remote} (no refs/remotes/{remote}/HEAD, "
                f"main or master); checking the pushed refs alone. Set upstream in "
                f"[tool.hookman] or run `git remote set-head {remote} --auto`.")
        else:  # a first push, or a push to a bare URL: nothing to predict against
            say(f"hookman: no default branch known for {remote} (nothing fetched from it "
                "yet); checking the pushed refs alone")
        return None
    if run.settings.fetch:
        fetch(run.root, remote, name, run.settings.fetch_timeout)
    elif known is not None:
        return known  # for-each-ref gave its sha already
    sha = commit_sha(run.root, name)
    if sha is None:
        say(f"hookman: warning: upstream {name!r} is not known in this clone; checking the "
            "pushed refs alone (fix upstream in [tool.hookman], or git fetch)")
        return None
    return Upstream(name, sha)


def _knows_branches_of(root: str, remote: str) -> bool:
    return bool(refs(root, ("refname",), f"refs/remotes/{remote}/", count=1))


def fetch(root: str, remote: str, upstream: str, timeout: float = 10.0) -> None:
    """`fetch` (on by default): bring the upstream branch up to date first, bounded in time
    with no prompt possible (netgit.py); a failure only warns, naming the ref used instead."""
    from hooks_manager.netgit import fetch as bounded_fetch

    if not upstream.startswith(f"{remote}/"):
        say(f"hookman: fetch skipped: upstream {upstream} is not a branch of {remote}")
        return
    branch = upstream.removeprefix(f"{remote}/")
    result = bounded_fetch(root, remote, [f"+refs/heads/{branch}:refs/remotes/{upstream}"],
                           timeout=timeout)
    if not result.ok:
        say(f"hookman: warning: git fetch {remote} {branch} failed ({result.reason}); checking "
            f"against {upstream} as this clone last saw it (fetch = false in [tool.hookman] "
            "skips the fetch)")


# --- the tests ---------------------------------------------------------------------------------


def test_step(run: HookRun) -> int | None:
    if skipped(run, "tests"):
        return None
    from hooks_manager.testrun import detect_test_command, run_tests

    configured = run.settings.test_command
    command = configured if configured is not None else detect_test_command(run.root)
    if configured is None and command:
        from hooks_manager.testrun import describe_suite

        say(f"hookman: tests: {command} was detected ({describe_suite(run.root).describe()}); "
            "set test_command in [tool.hookman] to choose")
    if not command:
        say("hookman: tests skipped — no test_command in [tool.hookman] and none detected")
        return None
    say(f"hookman: running the tests: {command}")
    code = run_tests(command, run.root)
    if code:
        skip = ("" if "tests" in run.settings.required else  # SKIP is refused for it
                ", or skip them knowingly: SKIP=tests git push (or git push --no-verify)")
        say(f"hookman: push blocked: the tests failed (`{command}` exited {code}). Fix "
            f"them{skip}.")
        return EXIT_TESTS_FAILED
    say("hookman: tests passed")
    return None

