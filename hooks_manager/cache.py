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
from hooks_manager.graph import Record, Verdict

TYPE_CHECKING = False  # `typing` costs the hook path milliseconds of imports
if TYPE_CHECKING:
    from typing import Any

# Stamped with the format and hookman's version: a newer scanner may read a file differently
# (it did: the whole-file syntax check), so an older cache is simply rebuilt.
_FORMAT = (6, __version__)
Key = str | tuple[str, int, int, int]
# What an entry is stored under: the source's key AND the file name. A record is a function of
# (bytes, file name) -- a file with no `revision =` takes its id from a `<hex>.py` name
# (alembic's legacy rule) -- so the same blob seen as `b1.py` and as `abc123.py` must never share
# an entry. Derived here, from the path every get/put already carries, so no caller can forget.
_Stored = tuple[Key, str]
Entry = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], int]
# A verdict with nothing to say (no error, no warning), remembered per project with the exact
# files (path and key, in order) and policy it was reached from: the same inputs give the same
# records, hence the same verdict, the same revision count and the same hand-typed ids.
Fingerprint = bytes
Weak = tuple[str, str, int, str]  # a hand-typed id: (revision, path, line, why)
Remembered = tuple[Fingerprint, list[tuple[Entry, str]], list[str], list[str],
                   list[tuple[str, list[str]]], int, list[Weak] | None]


class Recalled:
    """A remembered verdict: what a check of unchanged inputs would find again."""

    __slots__ = ("verdict", "weak")

    def __init__(self, verdict: Verdict, weak: list[Weak] | None) -> None:
        self.verdict = verdict
        self.weak = weak  # None until a check that prints them has worked them out


class ScanCache:
    """Two files, each read on first use: the records (one per file ever scanned, large) and
    the verdicts (one per project, small). A warm check of an unchanged history reads only
    the verdicts: it compares the files' keys, and never needs a record."""

    __slots__ = ("_dirty", "_entries", "_kept", "_path", "_used", "_verdicts",
                 "_verdicts_dirty", "_weak")

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._entries: dict[_Stored, Entry] | None = None if path else {}
        self._verdicts: dict[str, Remembered] | None = None if path else {}
        # revision id -> why it looks typed by hand ("" when it does not): a pure function of
        # the id that every `hookman check` asks of every revision (~6 µs each).
        self._weak: dict[str, str] = {}
        self._used: set[_Stored] = set()
        # The listings whose verdicts were recalled: their records are live though no one
        # asked for them, and must survive a prune.
        self._kept: list[list[tuple[str, Key]]] = []
        self._dirty = False
        self._verdicts_dirty = False

    def _records(self) -> dict[_Stored, Entry]:
        if self._entries is None:
            self._entries = {}
            loaded = _load(str(self._path), 3)
            if loaded is not None:
                self._entries, self._weak = loaded[1], loaded[2]
        return self._entries

    def _remembered(self) -> dict[str, Remembered]:
        if self._verdicts is None:
            loaded = _load(f"{self._path}.verdicts", 2)
            self._verdicts = loaded[1] if loaded is not None else {}
        return self._verdicts

    def judged(self, rev: str) -> str | None:
        """The remembered weak-id reason of ``rev`` ("" for none); None when never judged."""
        self._records()  # the answers live with the records
        return self._weak.get(rev)

    def judge(self, rev: str, reason: str) -> None:
        if self._path is not None:
            self._records()  # loaded first, so that saving keeps the older answers
            self._weak[rev] = reason
            self._dirty = True

    def recall(self, project: str, fingerprint: Fingerprint,
               listing: list[tuple[str, Key]]) -> Recalled | None:
        """The healthy verdict reached from exactly these inputs (``listing``'s files, read
        through this cache, and the policy: ``fingerprint``), if remembered."""
        found = self._remembered().get(project)
        if found is None or found[0] != fingerprint:
            return None
        self._kept.append(listing)
        _, heads, effective, bases, labels, count, weak = found
        verdict = Verdict(count)
        verdict.heads = [Record(e[0], e[1], e[2], e[3], path, e[4]) for e, path in heads]
        verdict.effective_heads = effective
        verdict.bases = bases
        verdict.labels_of = {rev: frozenset(names) for rev, names in labels}
        return Recalled(verdict, weak)

    def remember(self, project: str, fingerprint: Fingerprint, verdict: Verdict) -> None:
        if self._path is None or verdict.problems:
            return  # only clean verdicts: a problem's message is always worked out afresh
        heads = [((r.revision, r.down_revisions, r.depends_on, r.branch_labels, r.line), r.path)
                 for r in verdict.heads]
        labels = [(rev, sorted(names)) for rev, names in verdict.labels_of.items()]
        self._remembered()[project] = (fingerprint, heads, list(verdict.effective_heads),
                                       list(verdict.bases), labels, verdict.revision_count,
                                       None)
        self._verdicts_dirty = True

    def remember_weak(self, project: str, fingerprint: Fingerprint, weak: list[Weak]) -> None:
        """Add the hand-typed ids to the verdict remembered from ``fingerprint``: worked out
        only when printed (the hook does not print them), then kept with it."""
        found = self._remembered().get(project)
        if found is not None and found[0] == fingerprint and found[6] is None:
            self._remembered()[project] = (*found[:6], weak)
            self._verdicts_dirty = True

    def get(self, key: Key, path: str) -> Record | None:
        stored = (key, path.rpartition("/")[2])  # paths here are always "/"-separated
        entry = self._records().get(stored)
        if entry is None:
            return None
        self._used.add(stored)
        revision, down, deps, labels, line = entry
        return Record(revision, down, deps, labels, path, line)

    def put(self, key: Key, record: Record) -> None:
        if self._path is None:
            return
        stored = (key, record.path.rpartition("/")[2])
        self._records()[stored] = (record.revision, record.down_revisions, record.depends_on,
                                   record.branch_labels, record.line)
        self._used.add(stored)
        self._dirty = True

    def save(self) -> None:
        """Write back what changed; forget old records once they outnumber the live ones."""
        if self._path is None:
            return
        if self._verdicts_dirty and self._verdicts is not None:
            _store(f"{self._path}.verdicts", (_FORMAT, self._verdicts))
            self._verdicts_dirty = False
        if not self._dirty or self._entries is None:
            return
        entries = self._entries
        weak = self._weak
        if len(entries) > 4 * len(self._used) + 1000:
            used = self._used | {(key, path.rpartition("/")[2])
                                 for listing in self._kept for path, key in listing}
            entries = {k: v for k, v in entries.items() if k in used}
            live = {v[0] for v in entries.values()}
            weak = {rev: why for rev, why in weak.items() if rev in live}
        _store(self._path, (_FORMAT, entries, weak))
        self._dirty = False


def _load(path: str, parts: int) -> tuple[Any, ...] | None:
    """The stamped tuple in ``path`` when it is this format's, with dicts after the stamp;
    None for a missing, unreadable, foreign or older file (it is simply rebuilt)."""
    try:
        with open(path, "rb") as handle:
            loaded = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if (isinstance(loaded, tuple) and len(loaded) == parts and loaded[0] == _FORMAT
            and all(isinstance(part, dict) for part in loaded[1:])):
        return loaded
    return None


def _store(path: str, value: tuple[object, ...]) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(marshal.dumps(value))  # type: ignore[arg-type]
        os.replace(tmp, path)
    except OSError:
        # A read-only or full disk only costs speed next time.
        try:  # noqa: SIM105 - contextlib costs ~2 ms to import on the hook path
            os.unlink(tmp)
        except OSError:
            pass


def cache_for(git_dir: str | None, kind: str) -> ScanCache:
    """The cache for one kind of key ("worktree": stat keys; "blobs": blob ids), in separate
    files so a check loads only the entries it can use."""
    from hooks_manager.flags import env_switch

    if env_switch("HOOKMAN_NO_CACHE"):
        return ScanCache(None)
    folder = cache_dir(git_dir)
    return ScanCache(None if folder is None else os.path.join(folder, f"scan-cache-{kind}"))


def cache_dir(git_dir: str | None) -> str | None:
    """Where the cache lives: $HOOKMAN_CACHE_DIR if set (CI keeps that folder between runs,
    where a fresh clone's git folder starts empty), else <git dir>/hookman. One folder may
    serve many clones: blob entries are keyed by content, and a clone's work-tree stat keys
    simply never match another's."""
    chosen = os.environ.get("HOOKMAN_CACHE_DIR")
    if chosen:  # "~/.cache/hookman" works where nothing expands it (a CI file's env: block)
        return os.path.abspath(os.path.expanduser(chosen))
    return None if git_dir is None else os.path.join(git_dir, "hookman")
