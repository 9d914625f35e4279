"""The one reader of on/off switches given as text: environment variables (HOOKMAN, CI,
HOOKMAN_AUTO_MERGE, HOOKMAN_NO_CACHE). Settings files use TOML's own true/false, and alembic's
ini flags keep alembic's rule (the exact word "true"), so neither comes through here."""

from __future__ import annotations

import os

_ON = ("1", "true", "yes", "on")
_OFF = ("0", "false", "no", "off")


def switch(text: str | None, *, unset: bool, other: bool) -> bool:
    """``text`` as a switch: a yes-word is on, a no-word off (any case, spaces ignored);
    empty or absent is ``unset``; any other word is ``other`` (CI=woodpecker means CI)."""
    word = (text or "").strip().lower()
    if not word:
        return unset
    if word in _ON:
        return True
    if word in _OFF:
        return False
    return other


def env_switch(name: str, *, unset: bool = False, other: bool = True) -> bool:
    return switch(os.environ.get(name), unset=unset, other=other)
