"""The one subprocess helper: git through posix_spawn, large stdin and stdout at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks_manager import proc
from hooks_manager.errors import GitError
from tests.helpers import git, init_repo


def test_large_input_and_output_do_not_deadlock(tmp_path: Path) -> None:
    # 20,000 requests (~820 KB in) for a 2 KB blob (~40 MB out): both pipes fill many times.
    repo = init_repo(tmp_path / "r")
    (repo / "f.txt").write_text("x" * 2048)
    oid = git(repo, "hash-object", "-w", "f.txt")
    result = proc.run(["git", "cat-file", "--batch"], str(repo),
                      stdin=(oid + "\n").encode() * 20000)
    assert result.code == 0
    assert result.out.count(f"{oid} blob 2048\n".encode()) == 20000


def test_git_failure_quotes_git(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    with pytest.raises(GitError, match="rev-parse --verify nope"):
        proc.git(str(repo), "rev-parse", "--verify", "nope")


def test_stderr_is_captured_separately(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    result = proc.run(["git", "cat-file", "-t", "0" * 40], str(repo))
    assert result.code != 0
    assert result.out == b""
    assert result.err
