"""One push's reads of git objects, shared by every pushed ref and both of its checks (the
commit, then its predicted merge with the upstream): each tree is listed once, the listings
run side by side, and each blob is read and scanned once. sources.Commit and
sources.PredictedMerge, fed from that cache.

Scanned records also persist between pushes in ``<git dir>/hookman-scan-cache``, keyed by
path and blob id (a blob id names its bytes for good), so a push reads and scans only the
revision files it has not seen before. The file is a cache: unreadable, stale (another
hookman) or missing, it is rebuilt.
"""

from __future__ import annotations

import marshal
import os
import subprocess

from hooks_manager import proc
from hooks_manager.check import Memo
from hooks_manager.errors import GitError
from hooks_manager.graph import Problem, Record
from hooks_manager.sources import (
    Commit,
    File,
    GitSource,
    PredictedMerge,
    _parse_ls_tree,
    _select,
    read_blobs,
    three_way,
)

TreeKey = tuple[str, tuple[str, ...]]
Change = tuple[str, str | None, str | None]  # path, blob before, blob after (None: absent)
CACHE_NAME = "hookman-scan-cache"
CACHE_LIMIT = 50_000  # records kept; beyond it only those this push used


class GitReads:
    def __init__(self, root: str, cache_dir: str | None = None) -> None:
        self.root = root
        self.trees: dict[TreeKey, dict[str, str]] = {}
        self.changed: dict[TreeKey, list[Change]] = {}
        self.pending: dict[TreeKey, subprocess.Popen[bytes]] = {}
        self.blobs: dict[str, bytes] = {}
        self.memo: Memo = {}  # (path, blob id) -> what scanning found, for check_projects
        self.cache_path = os.path.join(cache_dir, CACHE_NAME) if cache_dir else None
        self.cached = self._load()
        self.used: set[tuple[str, str]] = set()

    # --- the persistent scan cache ---

    def _load(self) -> int:
        if self.cache_path is None:
            return 0
        try:
            with open(self.cache_path, "rb") as handle:
                stamp, entries = marshal.loads(handle.read())  # load(file) reads piecemeal
            if stamp != _stamp():
                return 0
            for key, fields in entries.items():
                self.memo[key] = Record(*fields)
        except (OSError, EOFError, ValueError, TypeError):
            self.memo.clear()  # a damaged cache is no cache
        return len(self.memo)

    def save(self) -> None:
        """Write the cache back when this push scanned something new."""
        records = {k: r for k, r in self.memo.items() if isinstance(r, Record)}
        if self.cache_path is None or len(records) <= self.cached:
            return
        if len(records) > CACHE_LIMIT:
            records = {k: r for k, r in records.items() if k in self.used}
        entries = {k: (r.revision, r.down_revisions, r.depends_on, r.branch_labels, r.path,
                       r.line) for k, r in records.items()}
        temporary = f"{self.cache_path}.{os.getpid()}"
        try:
            with open(temporary, "wb") as handle:
                handle.write(marshal.dumps((_stamp(), entries)))
            os.replace(temporary, self.cache_path)  # whole or not at all, whoever pushes too
        except OSError:
            if os.path.exists(temporary):
                os.remove(temporary)

    # --- git objects ---

    def files(
        self, source: GitSource, locations: list[str], recursive: bool
    ) -> tuple[list[File], list[Problem]]:
        """GitSource.files, reading only the blobs no scan has seen yet."""
        rels = [source.rel(loc) for loc in locations]
        chosen = _select(source.entries(rels), rels, recursive)
        self.used.update(chosen)
        need = [oid for path, oid in chosen
                if oid not in self.blobs and not isinstance(self.memo.get((path, oid)), Record)]
        self.blobs.update(read_blobs(self.root, need))
        return ([File(path, self.blobs.get(oid, b""), oid=oid) for path, oid in chosen],
                source.notes())

    def start(self, rev: str, rels: list[str]) -> None:
        """Start listing ``rev``'s files under ``rels``; collected by ``tree``."""
        key = (rev, tuple(rels))
        if key not in self.trees and key not in self.pending:
            self.pending[key] = proc.start(["git", "ls-tree", "-r", "-z", "--full-tree", rev,
                                            "--", *[r or "." for r in rels]], self.root)

    def tree(self, rev: str, rels: list[str]) -> dict[str, str]:
        key = (rev, tuple(rels))
        if key not in self.trees:
            self.start(rev, rels)
            self.trees[key] = _parse_ls_tree(self._finish(key, rev))
        return self.trees[key]

    def start_changes(self, base: str, theirs: str, rels: list[str]) -> None:
        """Start listing what ``theirs`` changed under ``rels`` since ``base``: usually a few
        lines, where listing both whole trees would be thousands."""
        key = (f"{base}..{theirs}", tuple(rels))
        if key not in self.changed and key not in self.pending:
            self.pending[key] = proc.start(["git", "diff-tree", "-r", "-z", "--no-renames",
                                            base, theirs, "--", *[r or "." for r in rels]],
                                           self.root)

    def changes(self, base: str, theirs: str, rels: list[str]) -> list[Change]:
        key = (f"{base}..{theirs}", tuple(rels))
        if key not in self.changed:
            self.start_changes(base, theirs, rels)
            self.changed[key] = _parse_diff_tree(self._finish(key, theirs))
        return self.changed[key]

    def _finish(self, key: TreeKey, rev: str) -> bytes:
        result = proc.finish(self.pending.pop(key))
        if result.code:
            raise GitError(f"cannot read commit {rev}: "
                           f"{result.err.decode(errors='replace').strip()}")
        return result.out

    def merge_base(self, ours: str, theirs: str) -> str | None:
        result = proc.run(["git", "merge-base", ours, theirs], self.root)
        if result.code == 1 and not result.err:
            return None  # unrelated histories: nothing in common
        if result.code:
            raise proc.git_failure(["merge-base", ours, theirs], result)
        return result.out.decode().strip()


class SharedCommit(Commit):
    def __init__(self, reads: GitReads, rev: str) -> None:
        super().__init__(reads.root, rev)
        self.reads = reads

    def entries(self, rels: list[str]) -> dict[str, str]:
        return self.reads.tree(self.rev, rels)

    def files(self, locations: list[str], recursive: bool) -> tuple[list[File], list[Problem]]:
        return self.reads.files(self, locations, recursive)


class SharedMerge(PredictedMerge):
    """The predicted merge of ``ours`` with the upstream (shown by name, read by sha), built
    as sources.three_way decides it, from our tree and the upstream's changes since the merge
    base: a path the upstream changed takes its version where ours still has the base's."""

    def __init__(
        self, reads: GitReads, ours: str, theirs_name: str, theirs_sha: str, base: str | None
    ) -> None:
        super().__init__(reads.root, ours, theirs_name)
        self.reads = reads
        self.theirs_sha = theirs_sha
        self.base = base

    def entries(self, rels: list[str]) -> dict[str, str]:
        ours = self.reads.tree(self.ours, rels)
        if self.base is None:  # unrelated histories: nothing in common to start from
            merged, self.conflicts = three_way({}, ours, self.reads.tree(self.theirs_sha, rels))
            return merged
        merged, self.conflicts = apply_changes(
            ours, self.reads.changes(self.base, self.theirs_sha, rels))
        return merged

    def files(self, locations: list[str], recursive: bool) -> tuple[list[File], list[Problem]]:
        return self.reads.files(self, locations, recursive)

    def same_as_ours(self, rels: list[str]) -> bool:
        """Whether the upstream changed nothing under ``rels`` since the merge base: then the
        prediction is the commit's own history."""
        return self.base is not None and not self.reads.changes(self.base, self.theirs_sha,
                                                                rels)


def apply_changes(
    ours: dict[str, str], changes: list[Change]
) -> tuple[dict[str, str], list[str]]:
    """sources.three_way(base, ours, theirs), given only theirs' changes since base."""
    merged = dict(ours)
    conflicts = []
    for path, before, after in changes:
        mine = ours.get(path)
        if mine == after:
            continue
        if mine != before:
            conflicts.append(path)  # changed on both sides: ours is read, if ours has it
            if mine is not None:
                continue
        if after is None:
            merged.pop(path, None)
        else:
            merged[path] = after
    return merged, sorted(conflicts)


def _parse_diff_tree(out: bytes) -> list[Change]:
    """`diff-tree -r -z` raw lines: `:<mode> <mode> <sha> <sha> <status>\0<path>\0`. Only
    regular files count, as in a tree listing: a symlink or submodule is absent."""
    fields = out.split(b"\0")
    changes: list[Change] = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        if not meta.startswith(b":"):
            continue
        old_mode, new_mode, old_sha, new_sha = meta[1:].split()[:4]
        changes.append((path.decode(), _blob(old_mode, old_sha), _blob(new_mode, new_sha)))
    return changes


def _blob(mode: bytes, sha: bytes) -> str | None:
    return sha.decode() if mode.startswith(b"100") else None


def _stamp() -> str:
    """What the cached records depend on: hookman's scanner and record shape."""
    from hooks_manager import __version__, graph, scan

    parts = [__version__]
    for module in (scan, graph):
        info = os.stat(module.__file__ or "")
        parts.append(f"{info.st_mtime_ns}:{info.st_size}")
    return " ".join(parts)
