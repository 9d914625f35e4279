"""A memo of scanned revision files, kept in the git folder, so each file is parsed once.

Keys are exact for git sources (the blob id) and git's own assumption for the work tree
(path, size, mtime and ctime in nanoseconds: any write changes ctime). Only clean records are
kept; a file with a problem is read again every time, so its message is always fresh. A cache
that cannot be read is ignored and rebuilt: it only ever saves work, it never decides.
"""

from __future__ import annotations

import marshal
import os

from hooks_manager import __version__
from hooks_manager.graph import Record

# Stamped with the format and hookman's version: a newer scanner may read a file differently
# (it did: the whole-file syntax check), so an older cache is simply rebuilt.
_FORMAT = (2, __version__)
Key = str | tuple[str, int, int, int]
Entry = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], int]


class ScanCache:
    __slots__ = ("_dirty", "_entries", "_path", "_used")

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._entries: dict[Key, Entry] = self._load() if path else {}
        self._used: set[Key] = set()
        self._dirty = False

    def _load(self) -> dict[Key, Entry]:
        assert self._path is not None
        try:
            with open(self._path, "rb") as handle:
                loaded = marshal.loads(handle.read())
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        if isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == _FORMAT:
            entries = loaded[1]
            if isinstance(entries, dict):
                return entries
        return {}

    def get(self, key: Key, path: str) -> Record | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._used.add(key)
        revision, down, deps, labels, line = entry
        return Record(revision, down, deps, labels, path, line)

    def put(self, key: Key, record: Record) -> None:
        if self._path is None:
            return
        self._entries[key] = (record.revision, record.down_revisions, record.depends_on,
                              record.branch_labels, record.line)
        self._used.add(key)
        self._dirty = True

    def save(self) -> None:
        """Write back new entries; forget old ones once they outnumber the live ones."""
        if not self._dirty or self._path is None:
            return
        entries = self._entries
        if len(entries) > 4 * len(self._used) + 1000:
            entries = {k: v for k, v in entries.items() if k in self._used}
        tmp = f"{self._path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self._path), exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(marshal.dumps((_FORMAT, entries)))
            os.replace(tmp, self._path)
        except OSError:
            # A read-only or full disk only costs speed next time.
            try:  # noqa: SIM105 - contextlib costs ~2 ms to import on the hook path
                os.unlink(tmp)
            except OSError:
                pass
        self._dirty = False


def cache_for(git_dir: str | None) -> ScanCache:
    if git_dir is None or os.environ.get("HOOKMAN_NO_CACHE"):
        return ScanCache(None)
    return ScanCache(os.path.join(git_dir, "hookman", "scan-cache"))
