"""One push's reads of git objects, shared by every pushed ref and both of its checks (the
commit, then its predicted merge with the upstream): each tree is listed once, the listings
run side by side, the upstream's side is read as its changes since the merge base (a few
lines, not a second and third tree), and one scan cache serves every check, so a blob is
read and scanned at most once. sources.Commit and sources.PredictedMerge, fed from here."""

from __future__ import annotations

from hooks_manager import proc
from hooks_manager.cache import ScanCache
from hooks_manager.errors import GitError
from hooks_manager.sources import (
    Commit,
    PredictedMerge,
    parse_ls_tree,
    three_way,
)

Key = tuple[str, tuple[str, ...]]
Change = tuple[str, str | None, str | None]  # path, blob before, blob after (None: absent)


class GitReads:
    def __init__(self, root: str) -> None:
        self.root = root
        self.trees: dict[Key, dict[str, str]] = {}
        self.changed: dict[Key, list[Change]] = {}
        self.pending: dict[Key, proc.Running] = {}
        self.cache: ScanCache | None = None  # the first source's, then shared by all

    def share_cache(self, cache: ScanCache) -> ScanCache:
        if self.cache is None:
            self.cache = cache
        return self.cache

    def start(self, rev: str, rels: list[str]) -> None:
        """Start listing ``rev``'s files under ``rels``; ``tree`` collects the listing."""
        key = (rev, tuple(rels))
        if key not in self.trees and key not in self.pending:
            self.pending[key] = proc.start(["git", "ls-tree", "-r", "-z", "--full-tree", rev,
                                            "--", *[r or "." for r in rels]], self.root)

    def tree(self, rev: str, rels: list[str]) -> dict[str, str]:
        key = (rev, tuple(rels))
        if key not in self.trees:
            self.start(rev, rels)
            self.trees[key] = parse_ls_tree(self._finish(key, rev))
        return self.trees[key]

    def start_changes(self, base: str, theirs: str, rels: list[str]) -> None:
        """Start listing what ``theirs`` changed under ``rels`` since ``base``."""
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

    def _finish(self, key: Key, rev: str) -> bytes:
        result = proc.finish(self.pending.pop(key))
        if result.code:
            raise GitError(f"cannot read commit {rev}: "
                           f"{result.err.decode(errors='replace').strip()}")
        return result.out

class SharedCommit(Commit):
    def __init__(self, reads: GitReads, rev: str) -> None:
        super().__init__(reads.root, rev)
        self.reads = reads
        self.cache = reads.share_cache(self.cache)

    def entries(self, rels: list[str]) -> dict[str, str]:
        return self.reads.tree(self.rev, rels)


class SharedMerge(PredictedMerge):
    """The predicted merge of ``ours`` with the upstream (shown by name, read by sha), built
    as sources.three_way decides it, from our tree and the upstream's changes since the merge
    base: a path the upstream changed takes its version where ours still has the base's."""

    def __init__(
        self, reads: GitReads, ours: str, theirs_name: str, theirs_sha: str, base: str | None
    ) -> None:
        super().__init__(reads.root, ours, theirs_name)
        self.reads = reads
        self.cache = reads.share_cache(self.cache)
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
    """`diff-tree -r -z` raw lines: `:<mode> <mode> <sha> <sha> <status>\\0<path>\\0`. Only
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
