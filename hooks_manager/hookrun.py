"""One hook invocation's state (`HookRun`), and the switches that turn its checks off
(HOOKMAN=0, SKIP=...). Below the hook and its steps, so pre-push, the push fix and the
rebase fix can take a run without importing the hook that drives them."""

from __future__ import annotations

import os

from hooks_manager.output import say

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hooks_manager.config import Settings
    from hooks_manager.workspace import Workspace


class HookRun:
    """Everything one hook invocation knows; steps read and fill it."""

    __slots__ = ("_workspace", "args", "hook_type", "previous_code", "root", "stdin")

    def __init__(self, hook_type: str, args: list[str], stdin: bytes, root: str) -> None:
        self.hook_type = hook_type
        self.args = args  # git's own arguments to the hook (pre-push: remote name and URL)
        self.stdin = stdin  # read once: pre-push's ref lines, also replayed to a chained hook
        self.root = root
        self._workspace: Workspace | None = None
        self.previous_code = 0

    @property
    def workspace(self) -> Workspace:
        """Read on first use (the hook's `load` step): settings from the work tree, always
        (the user's own choice of what runs); pre-commit's projects from the index, what the
        commit records; pre-push's from the work tree."""
        if self._workspace is None:
            from hooks_manager.sources import Index, WorkTree
            from hooks_manager.workspace import load_workspace

            source = Index(self.root) if self.hook_type != "pre-push" else WorkTree(self.root)
            self._workspace = load_workspace(self.root, source,
                                             settings_source=WorkTree(self.root), projects=False)
        return self._workspace

    @property
    def settings(self) -> Settings:
        return self.workspace.settings


def turned_off() -> bool:
    from hooks_manager.flags import env_switch

    # Only an explicit no-word turns hookman off: an unknown word must not skip checks.
    return not env_switch("HOOKMAN", unset=True, other=True)


def skipped(run: HookRun, check: str) -> bool:
    """SKIP=alembic-heads,tests (pre-commit's convention) or HOOKMAN=0; refused for required
    checks, and said out loud either way."""
    names = {n.strip() for n in os.environ.get("SKIP", "").split(",")}
    why = (f"SKIP={os.environ['SKIP']}" if check in names
           else f"HOOKMAN={os.environ['HOOKMAN']}" if turned_off() else None)
    if why is None:
        return False
    if check in run.settings.required:
        say(f"hookman: {why} ignored for {check}: it is required in [tool.hookman]")
        return False
    say(f"hookman: {check} skipped ({why})")
    return True
