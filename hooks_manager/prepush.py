"""pre-push (placeholder: the push guard lands with its own change)."""

from __future__ import annotations

from hooks_manager.hook import HookRun


def pre_push(run: HookRun) -> int | None:
    return None
