"""pre-push: every pushed ref is checked at its commit and against the upstream target (the
history the target branch will have once the ref lands), then the test suite runs.

Stdlib only while the histories are clean: the fix (questionary, alembic, GitPython) lives in
pushfix.py and loads only when a fork needs it.
"""

from __future__ import annotations

from hooks_manager import proc
from hooks_manager.check import ProjectReport, check_projects
from hooks_manager.config import Project, find_projects
from hooks_manager.errors import EXIT_TESTS_FAILED, NoConfigError
from hooks_manager.hook import HookRun, say, skipped
from hooks_manager.sources import ZERO_SHA, Commit, PredictedMerge


class PushedRef:
    """One of git's ref lines: `<local ref> <local sha> <remote ref> <remote sha>`."""

    __slots__ = ("local_ref", "local_sha", "remote_ref", "remote_sha")

    def __init__(self, local_ref: str, local_sha: str, remote_ref: str, remote_sha: str) -> None:
        self.local_ref = local_ref
        self.local_sha = local_sha
        self.remote_ref = remote_ref
        self.remote_sha = remote_sha

    @property
    def name(self) -> str:
        return self.local_ref.removeprefix("refs/heads/")


class Upstream:
    """The branch the pushed refs will land on, as this clone knows it."""

    __slots__ = ("name", "sha")

    def __init__(self, name: str, sha: str) -> None:
        self.name = name  # e.g. origin/main
        self.sha = sha


class RefOutcome:
    """One ref's verdicts: its own history, and the prediction against the upstream."""

    __slots__ = ("own", "predicted", "ref", "upstream")

    def __init__(self, ref: PushedRef, upstream: Upstream | None) -> None:
        self.ref = ref
        self.upstream = upstream
        self.own: list[ProjectReport] = []
        self.predicted: list[ProjectReport] = []

    @property
    def ok(self) -> bool:
        return all(r.verdict.ok for r in (*self.own, *self.predicted))


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
    assert run.settings is not None
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
    assert run.settings is not None
    try:
        projects = find_projects(run.root, run.settings, run.alembic_toml, run.toml_path)
    except NoConfigError as exc:
        say(f"hookman: nothing to check — {exc.message}")
        return None
    remote = run.args[0] if run.args else "origin"
    upstream = None if upstream_skipped else find_upstream(run, remote)
    outcomes = []
    for ref in refs:
        outcome = check_ref(run, ref, projects, upstream, heads_skipped)
        say_outcome(outcome)
        outcomes.append(outcome)
    failing = [o for o in outcomes if not o.ok]
    if not failing:
        return None
    from hooks_manager.pushfix import handle_failures

    return handle_failures(run, remote, projects, failing)


def check_ref(
    run: HookRun, ref: PushedRef, projects: list[Project], upstream: Upstream | None,
    heads_skipped: bool,
) -> RefOutcome:
    assert run.settings is not None
    outcome = RefOutcome(ref, upstream)
    if not heads_skipped:
        outcome.own = check_projects(projects, Commit(run.root, ref.local_sha), run.settings)
    if upstream is not None and not _contains(run.root, ref.local_sha, upstream.sha):
        source = PredictedMerge(run.root, ref.local_sha, upstream.name)
        outcome.predicted = check_projects(projects, source, run.settings)
    return outcome


def _contains(root: str, sha: str, upstream_sha: str) -> bool:
    """Whether ``sha`` already has the upstream tip: then the merge would be ``sha`` itself and
    its own check said it all."""
    if sha == upstream_sha:
        return True
    return proc.run(["git", "merge-base", "--is-ancestor", upstream_sha, sha], root).code == 0


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
    failed = [r for r in (*outcome.own, *outcome.predicted) if not r.verdict.ok]
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
    assert run.settings is not None
    name = run.settings.upstream or _default_branch(run.root, remote)
    if name is None:
        say(f"hookman: no default branch known for {remote} (no refs/remotes/{remote}/HEAD, "
            f"main or master); checking the pushed refs alone. Set upstream in "
            "[tool.hookman] or run `git remote set-head <remote> --auto`.")
        return None
    if run.settings.fetch:
        fetch(run.root, remote, name)
    result = proc.run(["git", "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"],
                      run.root)
    if result.code:
        say(f"hookman: warning: upstream {name!r} is not known in this clone; checking the "
            "pushed refs alone (fix upstream in [tool.hookman], or git fetch)")
        return None
    return Upstream(name, result.out.decode().strip())


def _default_branch(root: str, remote: str) -> str | None:
    prefix = f"refs/remotes/{remote}/"
    result = proc.run(["git", "for-each-ref", "--format=%(refname)%00%(symref)",
                       f"{prefix}HEAD", f"{prefix}main", f"{prefix}master"], root)
    found: dict[str, str] = {}
    for line in result.out.decode(errors="replace").splitlines():
        ref, _, target = line.partition("\0")
        found[ref] = target
    target = found.get(f"{prefix}HEAD", "")
    if target.startswith("refs/remotes/"):
        return target.removeprefix("refs/remotes/")
    for branch in ("main", "master"):
        if f"{prefix}{branch}" in found:
            return f"{remote}/{branch}"
    return None


def fetch(root: str, remote: str, upstream: str) -> None:
    """`fetch = true`: bring the upstream branch up to date first; a failure only warns."""
    if not upstream.startswith(f"{remote}/"):
        say(f"hookman: fetch skipped: upstream {upstream} is not a branch of {remote}")
        return
    branch = upstream.removeprefix(f"{remote}/")
    result = proc.run(["git", "fetch", "--quiet", "--no-write-fetch-head", remote, branch],
                      root)
    if result.code:
        said = " ".join(result.err.decode(errors="replace").split())
        say(f"hookman: warning: git fetch {remote} {branch} failed ({said}); checking against "
            f"{upstream} as this clone last saw it")


# --- the tests ---------------------------------------------------------------------------------


def test_step(run: HookRun) -> int | None:
    assert run.settings is not None
    if skipped(run, "tests"):
        return None
    from hooks_manager.testrun import detect_test_command, run_tests

    command = run.settings.test_command or detect_test_command(run.root)
    if not command:
        say("hookman: tests skipped — no test_command in [tool.hookman] and none detected")
        return None
    say(f"hookman: running the tests: {command}")
    code = run_tests(command, run.root)
    if code:
        say(f"hookman: push blocked: the tests failed (`{command}` exited {code}). Fix them, "
            "or skip them knowingly: SKIP=tests git push (or git push --no-verify).")
        return EXIT_TESTS_FAILED
    say("hookman: tests passed")
    return None

