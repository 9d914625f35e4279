"""Small persistent memos in the git folder, keyed by the identity of what was read (a blob id,
a tree id, a file's stat), so a healthy commit never parses the same settings or rediscovers
the same projects twice. Like the scan cache it only ever saves work: a memo that cannot be
read is ignored, one that cannot be written costs speed next time, and a value marshal cannot
hold (a TOML date) is simply not kept. HOOKMAN_NO_CACHE turns it off.
"""

from __future__ import annotations

import marshal
import os

from hooks_manager import __version__

_FORMAT = (1, __version__)
_LIMIT = 64  # entries kept per memo: a few branches' worth of layouts, never a growing file


class Memo:
    __slots__ = ("_dirty", "_entries", "_path")

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._entries: dict[object, object] = {}
        self._dirty = False
        if path:
            try:
                with open(path, "rb") as handle:
                    loaded = marshal.loads(handle.read())
            except (OSError, EOFError, ValueError, TypeError):
                return
            if isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == _FORMAT \
                    and isinstance(loaded[1], dict):
                self._entries = loaded[1]

    def get(self, key: object) -> object:
        return self._entries.get(key)

    def put(self, key: object, value: object) -> None:
        if self._path is None:
            return
        try:
            marshal.dumps((key, value))  # type: ignore[arg-type]
        except ValueError:
            return  # not marshal's kind of value: not kept
        self._entries.pop(key, None)
        self._entries[key] = value  # newest last; the oldest go first below
        while len(self._entries) > _LIMIT:
            del self._entries[next(iter(self._entries))]
        self._dirty = True

    def save(self) -> None:
        if not self._dirty or self._path is None:
            return
        tmp = f"{self._path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self._path), exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(marshal.dumps((_FORMAT, self._entries)))
            os.replace(tmp, self._path)
        except OSError:
            try:  # noqa: SIM105 - contextlib costs ~2 ms to import on the hook path
                os.unlink(tmp)
            except OSError:
                pass
        self._dirty = False


_OPEN: dict[tuple[str | None, str], Memo] = {}


def memo_for(git_dir: str | None, name: str) -> Memo:
    """The memo ``name`` of this repository, opened once per process."""
    key = (git_dir, name)
    if key not in _OPEN:
        from hooks_manager.flags import env_switch

        off = git_dir is None or env_switch("HOOKMAN_NO_CACHE")
        _OPEN[key] = Memo(None if off else os.path.join(git_dir or "", "hookman", name))
    return _OPEN[key]
