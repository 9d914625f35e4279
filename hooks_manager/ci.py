"""`hookman ci`: the check a pipeline runs on every pull request, merge-queue entry and push.

It finds the real merge target from the provider's own variables, fetches what a shallow
checkout lacks (bounded in time, plain git), and checks two histories: the commit's own, and
the one the merge with the target's tip would have. When the target cannot be read it says
"not checked" and why, and exits 2: a pipeline never passes on a check it did not make.

Parsed without typer (main.py sends `ci` here), and stdlib only until a renderer needs more.
"""

from __future__ import annotations

import os

from hooks_manager import netgit
from hooks_manager.errors import EXIT_CANNOT_CHECK, HookmanError
from hooks_manager.repo import commit_sha, is_shallow

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hooks_manager.check import ProjectReport

FORMATS = ("text", "json", "github", "gitlab")


def check_options(options: dict[str, str | bool]) -> dict[str, str | bool]:
    """The parsed options (commands.py declares them), with --format checked here so both
    parsers give the same one-line error."""
    fmt = options.get("format", "text")
    if fmt not in FORMATS:
        raise HookmanError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    return options


# --- the target --------------------------------------------------------------------------------


class Target:
    """Where the checked commit is going, as the provider says."""

    __slots__ = ("alone", "branch", "event", "exact", "fallback_sha", "provider", "why")

    def __init__(self, provider: str, event: str, *, branch: str | None = None,
                 exact: str | None = None, fallback_sha: str | None = None,
                 alone: bool = False, why: str = "") -> None:
        self.provider = provider  # github, gitlab, bitbucket, or "local" (no CI detected)
        self.event = event  # pull_request, merge_group, push, merge_request, ...
        self.branch = branch  # the target branch, fetched fresh: its tip now
        self.exact = exact  # a commit the provider built the merge on (queue, train): use it
        self.fallback_sha = fallback_sha  # the event's base, when the fresh tip is unreadable
        self.alone = alone  # a push to the default branch: the pushed tip is the history
        self.why = why

    def describe(self) -> dict[str, object]:
        return {"provider": self.provider, "event": self.event, "branch": self.branch,
                "exact_sha": self.exact, "fallback_sha": self.fallback_sha,
                "tip_alone": self.alone}


def _event(env: dict[str, str]) -> dict[str, object]:
    """The GitHub event payload; {} when absent or unreadable (the variables still speak)."""
    import json

    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise HookmanError(f"GITHUB_EVENT_PATH {path}: cannot be read as the event's JSON "
                           f"({exc})", hint="run hookman ci inside the GitHub Actions job "
                           "that received the event, or pass --against REF") from exc
    return data if isinstance(data, dict) else {}


def _dig(data: object, *keys: str) -> str | None:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data if isinstance(data, str) and data else None


def detect_target(env: dict[str, str], against: str | None) -> Target:
    if against:
        return Target("local", "against", branch=None, exact=against,
                      why=f"--against {against}")
    if env.get("GITHUB_ACTIONS") == "true":
        return _github(env)
    if env.get("GITLAB_CI") == "true":
        return _gitlab(env)
    if env.get("BITBUCKET_BUILD_NUMBER") or env.get("BITBUCKET_COMMIT"):
        return _bitbucket(env)
    return Target("local", "none", alone=True,
                  why="no CI provider detected and no --against: the commit alone")


def _github(env: dict[str, str]) -> Target:
    name = env.get("GITHUB_EVENT_NAME", "")
    event = _event(env)
    if name in ("pull_request", "pull_request_target"):
        branch = env.get("GITHUB_BASE_REF") or _dig(event, "pull_request", "base", "ref")
        base_sha = _dig(event, "pull_request", "base", "sha")
        return Target("github", name, branch=branch, fallback_sha=base_sha,
                      why=f"pull request into {branch}: its tip now, fetched (the event's base "
                          f"{_short(base_sha)} if that fails)")
    if name == "merge_group":
        # GITHUB_BASE_REF is unset here (BitGo/BitGoJS#9470): the payload has the base.
        base_sha = _dig(event, "merge_group", "base_sha")
        ref = _dig(event, "merge_group", "base_ref") or ""
        branch = ref.removeprefix("refs/heads/") or None
        if not base_sha:
            raise HookmanError("merge_group event without merge_group.base_sha in "
                               f"{env.get('GITHUB_EVENT_PATH') or 'GITHUB_EVENT_PATH (unset)'}",
                               hint="pass --against <the queue's base commit>")
        return Target("github", name, branch=branch, exact=base_sha,
                      why=f"merge queue into {branch or '?'}: the queue's base {_short(base_sha)}")
    default = _dig(event, "repository", "default_branch")
    ref = env.get("GITHUB_REF", "")
    branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
    return _push("github", name or "push", branch, default)


def _gitlab(env: dict[str, str]) -> Target:
    if env.get("CI_MERGE_REQUEST_IID") or env.get("CI_PIPELINE_SOURCE") == "merge_request_event":
        kind = env.get("CI_MERGE_REQUEST_EVENT_TYPE") or "detached"
        branch = env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME") or None
        sha = env.get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA") or None
        if sha:  # merged results and merge trains: the merge commit was built on this
            return Target("gitlab", kind, branch=branch, exact=sha,
                          why=f"merge request ({kind}) into {branch}: the target {_short(sha)} "
                              "the merge commit was built on")
        # A plain MR pipeline leaves the sha empty (gitlab-org/gitlab#330964).
        diff_base = env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA") or None
        return Target("gitlab", kind, branch=branch, fallback_sha=diff_base,
                      why=f"merge request into {branch}: its tip now, fetched (the diff base "
                          f"{_short(diff_base)} if that fails)")
    return _push("gitlab", env.get("CI_PIPELINE_SOURCE") or "push",
                 env.get("CI_COMMIT_BRANCH") or None, env.get("CI_DEFAULT_BRANCH") or None)


def _bitbucket(env: dict[str, str]) -> Target:
    branch = env.get("BITBUCKET_PR_DESTINATION_BRANCH")
    if branch:
        sha = env.get("BITBUCKET_PR_DESTINATION_COMMIT") or None
        return Target("bitbucket", "pull_request", branch=branch, fallback_sha=sha,
                      why=f"pull request into {branch}: its tip now, fetched")
    return _push("bitbucket", "push", env.get("BITBUCKET_BRANCH"), None)


def _push(provider: str, event: str, branch: str | None, default: str | None) -> Target:
    if default and branch == default:
        return Target(provider, event, alone=True,
                      why=f"push to the default branch {default}: the pushed tip is its history")
    if default:
        return Target(provider, event, branch=default,
                      why=f"{event} of {branch or 'a commit'}: against the default branch "
                          f"{default}, its tip now")
    return Target(provider, event, alone=True,
                  why=f"{event} of {branch or 'a commit'}: the default branch is not named by "
                      "the provider, so the commit alone (pass --against REF to predict)")


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "(none)"


# --- getting the objects -----------------------------------------------------------------------


class NotChecked(HookmanError):
    """The target could not be read: exit 2, "not checked", with the reason."""

    exit_code = EXIT_CANNOT_CHECK


class Base:
    """The target commit as read, and how."""

    __slots__ = ("merge_base", "name", "sha")

    def __init__(self, name: str, sha: str, merge_base: str | None) -> None:
        self.name = name
        self.sha = sha
        self.merge_base = merge_base


class Fetcher:
    """Fetches for one run, inside one time budget, each step said in ``notes``."""

    def __init__(self, root: str, remote: str, timeout: float, allowed: bool) -> None:
        import time

        self.root = root
        self.remote = remote
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.allowed = allowed
        self.notes: list[str] = []

    def left(self) -> float:
        import time

        return max(0.0, self.deadline - time.monotonic())

    def fetch(self, refspecs: list[str], **kw: object) -> netgit.Fetched:
        if not self.allowed:
            return netgit.Fetched(False, "fetching is off (--no-fetch)", 0.0)
        if self.left() <= 0:
            return netgit.Fetched(False, f"the {self.timeout:g} s fetch budget is spent", 0.0)
        return netgit.fetch(self.root, self.remote, refspecs, timeout=self.left(),
                            **kw)  # type: ignore[arg-type]


def obtain_base(root: str, target: Target, fetcher: Fetcher, head: str) -> Base | None:
    """The target's commit, fetched if missing, with enough history for the merge base."""
    if target.alone:
        return None
    shallow = is_shallow(root)
    depth = {"depth": 1} if shallow else {}
    found: tuple[str, str] | None = None
    if target.exact is not None:
        found = _exact(root, target.exact, fetcher, depth)
        if found is None:
            raise NotChecked(f"not checked: the target {target.exact} cannot be read "
                             f"({'; '.join(fetcher.notes) or 'not in this clone'})",
                             hint="fetch it before the check (actions/checkout fetch-depth: 0, "
                                  "GIT_DEPTH: 0), or let hookman fetch it from "
                                  f"{fetcher.remote}")
    else:
        assert target.branch is not None
        found = _fresh_branch(root, target, fetcher, depth)
    name, sha = found
    base = _merge_base(root, head, sha, fetcher, shallow)
    return Base(name, sha, base)


def _exact(root: str, rev: str, fetcher: Fetcher, depth: dict[str, int]) -> tuple[str, str] | None:
    sha = commit_sha(root, rev)
    if sha is not None:
        return rev, sha
    if "/" in rev:
        remote, _, branch = rev.partition("/")
        if remote == fetcher.remote:  # origin/main not fetched yet: fetch that branch
            got = fetcher.fetch([f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}"],
                                **depth)
            if got.ok:
                fetcher.notes.append(f"fetched {rev} from {remote} ({got.seconds:.1f} s)")
                sha = commit_sha(root, rev)
                return (rev, sha) if sha else None
            fetcher.notes.append(f"git fetch {remote} {branch} failed: {got.reason}")
            return None
    got = fetcher.fetch([rev], **depth)
    if not got.ok:
        fetcher.notes.append(f"git fetch {fetcher.remote} {rev} failed: {got.reason}")
        return None
    fetcher.notes.append(f"fetched {_short(rev)} from {fetcher.remote} ({got.seconds:.1f} s)")
    sha = commit_sha(root, rev)
    return (rev, sha) if sha else None


def _fresh_branch(root: str, target: Target, fetcher: Fetcher,
                  depth: dict[str, int]) -> tuple[str, str]:
    branch = target.branch
    tracking = f"{fetcher.remote}/{branch}"
    got = fetcher.fetch([f"+refs/heads/{branch}:refs/remotes/{tracking}"], **depth)
    if got.ok:
        sha = commit_sha(root, f"refs/remotes/{tracking}")
        if sha:
            fetcher.notes.append(f"fetched {tracking}: its tip is {sha[:12]} "
                                 f"({got.seconds:.1f} s)")
            return tracking, sha
    fetcher.notes.append(f"git fetch {fetcher.remote} {branch} failed: {got.reason}")
    if target.fallback_sha:
        found = _exact(root, target.fallback_sha, fetcher, depth)
        if found is not None:
            fetcher.notes.append(f"falling back to the event's base {_short(found[1])}; commits "
                                 f"that landed on {branch} since the event are not seen")
            return found[1], found[1]
    sha = commit_sha(root, f"refs/remotes/{tracking}")
    if sha:
        fetcher.notes.append(f"falling back to {tracking} as this clone has it ({sha[:12]}); "
                             "it may be older than the branch is now")
        return tracking, sha
    raise NotChecked(f"not checked: the target branch {branch} cannot be read "
                     f"({'; '.join(fetcher.notes)})",
                     hint=f"give the job read access to {fetcher.remote}, fetch the branch "
                          "before the check, or pass --against REF")


_DEEPEN_STEPS = (50, 200, 1000)


def _merge_base(root: str, head: str, sha: str, fetcher: Fetcher, shallow: bool) -> str | None:
    from hooks_manager.repo import merge_base

    found = merge_base(root, head, sha)
    if found is not None or not shallow:
        return found  # found, or a full clone with unrelated histories: nothing in common
    for step in _DEEPEN_STEPS:
        got = fetcher.fetch([sha], deepen=step)
        if not got.ok:
            break
        found = merge_base(root, head, sha)
        if found is not None:
            fetcher.notes.append(f"deepened the shallow clone by {step} commits to find the "
                                 f"merge base {found[:12]}")
            return found
    else:
        got = fetcher.fetch([sha], unshallow=True) if is_shallow(root) else got
        found = merge_base(root, head, sha)
        if found is not None:
            fetcher.notes.append(f"fetched the whole history to find the merge base "
                                 f"{found[:12]}")
            return found
        if got.ok and not is_shallow(root):
            return None  # the whole history is here: the two really share nothing
    raise NotChecked(f"not checked: this shallow clone lacks the merge base of {_short(head)} "
                     f"and {_short(sha)}, and fetching more failed ({got.reason})",
                     hint="check out with full history (actions/checkout fetch-depth: 0; "
                          "GitLab GIT_DEPTH: 0), or allow the job to fetch")


# --- the run -----------------------------------------------------------------------------------


class CiResult:
    __slots__ = ("base", "head", "notes", "own", "predicted", "target")

    def __init__(self, target: Target, head: str, base: Base | None, notes: list[str],
                 own: list[ProjectReport], predicted: list[ProjectReport]) -> None:
        self.target = target
        self.head = head
        self.base = base
        self.notes = notes
        self.own = own
        self.predicted = predicted

    @property
    def ok(self) -> bool:
        return all(r.verdict.ok for r in (*self.own, *self.predicted))

    def failing(self) -> list[ProjectReport]:
        """Each failing report once: a prediction identical to the commit's own is not
        repeated."""
        own = [r for r in self.own if not r.verdict.ok]
        seen = [r.verdict for r in self.own]
        return own + [r for r in self.predicted
                      if not r.verdict.ok and not any(r.verdict is v for v in seen)]


def run_ci(root: str, options: dict[str, str | bool],
           env: dict[str, str] | None = None) -> CiResult:
    from hooks_manager.at_commit import load_at_commit
    from hooks_manager.check import check_projects
    from hooks_manager.selection import select_project
    from hooks_manager.sources import GitReads, SharedCommit, SharedMerge

    env = dict(os.environ) if env is None else env
    against = options.get("against")
    target = detect_target(env, against if isinstance(against, str) else None)
    head = commit_sha(root, "HEAD")
    if head is None:
        raise NotChecked("not checked: HEAD is not a commit in this checkout")
    timeout = _timeout(options)
    remote = str(options.get("remote") or "origin")
    fetcher = Fetcher(root, remote, timeout, not options.get("no_fetch"))
    base = obtain_base(root, target, fetcher, head)
    settings, projects = load_at_commit(root, head)
    project = options.get("project")
    projects = select_project(projects, project if isinstance(project, str) else None)
    reads = GitReads(root)
    own = check_projects(projects, SharedCommit(reads, head), settings)
    predicted: list[ProjectReport] = []
    if base is not None and base.sha not in (head, base.merge_base):
        merge = SharedMerge(reads, head, base.name, base.sha, base.merge_base)
        rels = [[merge.rel(loc) for loc in p.locations] for p in projects]
        if all(merge.same_as_ours(r) for r in rels):
            from hooks_manager.check import ProjectReport

            predicted = [ProjectReport(r.project, merge, r.records, r.verdict) for r in own]
        else:
            predicted = check_projects(projects, merge, settings)
    return CiResult(target, head, base, fetcher.notes, own, predicted)


def _timeout(options: dict[str, str | bool]) -> float:
    raw = options.get("fetch_timeout")
    if raw is None or raw is True:
        return 60.0  # a pipeline can afford a deepening fetch; a push cannot (netgit default)
    try:
        value = float(str(raw))
    except ValueError:
        value = -1.0
    if value <= 0:
        raise HookmanError(f"--fetch-timeout {raw!r} is not a positive number of seconds")
    return value
