"""One push's reads of git objects, shared by every pushed ref and both of its checks (the
commit, then its predicted merge with the upstream): each tree is listed once, the listings
run side by side, and each blob is read and scanned once. sources.Commit and
sources.PredictedMerge, fed from that cache."""

from __future__ import annotations

import subprocess

from hooks_manager import proc
from hooks_manager.check import Memo
from hooks_manager.errors import GitError
from hooks_manager.sources import Commit, PredictedMerge, _parse_ls_tree, read_blobs, three_way

TreeKey = tuple[str, tuple[str, ...]]


class GitReads:
    def __init__(self, root: str) -> None:
        self.root = root
        self.trees: dict[TreeKey, dict[str, str]] = {}
        self.pending: dict[TreeKey, subprocess.Popen[bytes]] = {}
        self.blobs: dict[str, bytes] = {}
        self.memo: Memo = {}  # (path, bytes) -> scanned record, for check_projects

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
            result = proc.finish(self.pending.pop(key))
            if result.code:
                raise GitError(f"cannot read commit {rev}: "
                               f"{result.err.decode(errors='replace').strip()}")
            self.trees[key] = _parse_ls_tree(result.out)
        return self.trees[key]

    def read(self, chosen: list[tuple[str, str]]) -> dict[str, bytes]:
        missing = [oid for _, oid in chosen if oid not in self.blobs]
        self.blobs.update(read_blobs(self.root, missing))
        return self.blobs

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

    def read(self, chosen: list[tuple[str, str]]) -> dict[str, bytes]:
        return self.reads.read(chosen)


class SharedMerge(PredictedMerge):
    """The predicted merge of ``ours`` with the upstream (shown by name, read by sha), its
    merge base already known."""

    def __init__(
        self, reads: GitReads, ours: str, theirs_name: str, theirs_sha: str, base: str | None
    ) -> None:
        super().__init__(reads.root, ours, theirs_name)
        self.reads = reads
        self.theirs_sha = theirs_sha
        self.base = base

    def entries(self, rels: list[str]) -> dict[str, str]:
        old = self.reads.tree(self.base, rels) if self.base else {}
        merged, self.conflicts = three_way(old, self.reads.tree(self.ours, rels),
                                           self.reads.tree(self.theirs_sha, rels))
        return merged

    def read(self, chosen: list[tuple[str, str]]) -> dict[str, bytes]:
        return self.reads.read(chosen)

    def same_as_ours(self, rels: list[str]) -> bool:
        """Whether the merge leaves every file under ``rels`` as ``ours`` has it, without a
        conflict: then the prediction is the commit's own history."""
        merged = self.entries(rels)
        return not self.conflicts and merged == self.reads.tree(self.ours, rels)
