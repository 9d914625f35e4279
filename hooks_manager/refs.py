"""What a push is about: git's pushed ref lines, the upstream branch they land on, each ref's
outcome, and the one ending a fix made during a push has (commit written, push again). Below
pre-push and its fixes so each of them can use these without importing the others."""

from __future__ import annotations

from hooks_manager import repo
from hooks_manager.errors import EXIT_PUSH_AGAIN
from hooks_manager.output import say

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hooks_manager.check import ProjectReport


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


def default_branch(root: str, remote: str) -> Upstream | None:
    prefix = f"refs/remotes/{remote}/"
    found: dict[str, tuple[str, str]] = {}
    for ref, target, sha in repo.refs(root, ("refname", "symref", "objectname"),
                                      f"{prefix}HEAD", f"{prefix}main", f"{prefix}master"):
        found[ref] = (target, sha)
    target, sha = found.get(f"{prefix}HEAD", ("", ""))
    if target.startswith("refs/remotes/") and sha:
        return Upstream(target.removeprefix("refs/remotes/"), sha)
    for branch in ("main", "master"):
        if f"{prefix}{branch}" in found:
            return Upstream(f"{remote}/{branch}", found[f"{prefix}{branch}"][1])
    return None


def push_again(sha: str, message: str, paths: list[str]) -> int:
    say(f"hookman: wrote {', '.join(paths)}")
    say(f"hookman: committed {sha[:10]} {message} — run git push again (a commit made during "
        "a push is not part of it)")
    return EXIT_PUSH_AGAIN
