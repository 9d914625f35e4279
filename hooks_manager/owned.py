"""What a fix wrote, and nothing else: the undo of a failed fix removes exactly these paths,
and only while their bytes are still the ones hookman wrote.

A versions folder is shared space: while a fix runs, a teammate's pull, an editor, a
formatter (alembic's post-write hooks) or a second hookman may add files there. "New since
the fix started" is therefore not "ours": the undo claims the revision file that declares
the fix's own revision id, and the bytecode alembic's import made, and leaves everything
else, saying so.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re

from hooks_manager import repo


def digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def snapshot(locations: list[str]) -> set[str]:
    found: set[str] = set()
    for location in locations:
        for folder, dirs, files in os.walk(location):
            found.add(folder)
            found.update(os.path.join(folder, name) for name in files)
            found.update(os.path.join(folder, name) for name in dirs)
    return found


def declares(path: str, rev_id: str) -> bool:
    """Whether the file at ``path`` is the revision ``rev_id`` (its `revision = ...` line)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return False
    pattern = rf"^revision\s*(?::[^=\n]*)?=\s*['\"]{re.escape(rev_id)}['\"]"
    return re.search(pattern, text, re.MULTILINE) is not None


def _bytecode(path: str) -> bool:
    return os.path.basename(os.path.dirname(path)) == "__pycache__" and path.endswith(".pyc")


class Owned:
    """Paths a fix created, each with the sha256 of the bytes it wrote (files) or nothing
    (folders it made, removed only when empty)."""

    __slots__ = ("before", "dirs", "files", "locations", "others", "root")

    def __init__(self, root: str) -> None:
        self.root = root
        self.files: dict[str, str] = {}
        self.dirs: list[str] = []
        self.others: set[str] = set()  # new paths that are not ours: left, and said so
        self.before: set[str] = set()
        self.locations: list[str] = []

    def watch(self, locations: list[str]) -> set[str]:
        """Remember the folders' contents before the fix writes: whatever else appears
        there until the undo (during the commit, say) is named as left."""
        self.locations = locations
        self.before = snapshot(locations)
        return self.before

    def claim(self, before: set[str], after: set[str], rev_id: str, written: str | None) -> None:
        """Claim, among the paths that appeared between ``before`` and ``after``, the
        revision file (``written`` when alembic returned it, else the new file declaring
        ``rev_id``), the bytecode files and the ``__pycache__`` folders."""
        for path in sorted(after - before):
            ours = (path == written if written is not None else declares(path, rev_id)) \
                or _bytecode(path)
            if os.path.isdir(path) and not os.path.islink(path):
                if os.path.basename(path) == "__pycache__":
                    self.dirs.append(path)
                else:
                    self.others.add(path)
                continue
            sha = digest(path) if ours else None
            if sha is not None:
                self.files[path] = sha
            else:
                self.others.add(path)

    def rel(self, path: str) -> str:
        return os.path.relpath(path, self.root).replace(os.sep, "/")

    def undo(self) -> list[str]:
        """Remove what is still ours; one line per revision file and per path left."""
        if self.locations:
            mine = set(self.files) | set(self.dirs)
            self.others |= {p for p in snapshot(self.locations) - self.before - mine
                            if not _bytecode(p)}
        lines = []
        for path, sha in sorted(self.files.items()):
            now = digest(path)
            if now is None:
                continue  # gone already
            if now != sha:
                lines.append(f"left {self.rel(path)}: changed since hookman wrote it")
                continue
            try:
                os.remove(path)
            except OSError as exc:
                lines.append(f"left {self.rel(path)}: could not remove it ({exc.strerror})")
                continue
            if not _bytecode(path):
                lines.append(f"removed {self.rel(path)} (hookman wrote it)")
        for folder in sorted(self.dirs, key=len, reverse=True):
            # Only ever empty once its new files are gone; with someone's files it stays.
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        for path in sorted(self.others):
            if os.path.lexists(path) and not self._inside_kept(path):
                lines.append(f"left {self.rel(path)} (not hookman's: it appeared while the "
                             "fix ran)")
        return lines

    def _inside_kept(self, path: str) -> bool:
        # A folder that appeared is named once, not each file in it.
        parent = os.path.dirname(path)
        return parent in self.others and os.path.lexists(parent)

    def staged(self, paths: list[str]) -> list[str]:
        """Which of ``paths`` (relative) still differ in the index from HEAD."""
        return repo.staged_paths(self.root, paths)
