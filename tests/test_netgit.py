"""Bounded fetches: a remote that never answers, or a transport that wants to ask on the
terminal, cannot hang a push (the fault is made real with an ssh command that sleeps or
reads /dev/tty; no network is needed)."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import pytest

from hooks_manager.netgit import fetch
from hooks_manager.sources import ZERO_SHA
from tests.helpers import git, hookman
from tests.pushkit import FIRST, forked_setup, set_test_command


def fake_ssh(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-ssh"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


def test_a_remote_that_never_answers_is_stopped_in_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "r"
    git(tmp_path, "init", "-q", str(repo))
    monkeypatch.setenv("GIT_SSH_COMMAND", fake_ssh(tmp_path, "sleep 60"))
    started = time.monotonic()
    done = fetch(str(repo), "ssh://example.invalid/x.git", ["main"], timeout=1.0)
    elapsed = time.monotonic() - started
    assert not done.ok
    assert done.reason == "no answer within 1 s (git fetch was stopped)"
    assert elapsed < 5, elapsed


def test_no_terminal_to_prompt_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "r"
    git(tmp_path, "init", "-q", str(repo))
    marker = tmp_path / "tty-opened"
    # What a passphrase or host-key prompt does first: open the controlling terminal.
    monkeypatch.setenv("GIT_SSH_COMMAND", fake_ssh(
        tmp_path, f"if exec 3</dev/tty; then touch {shlex.quote(str(marker))}; fi; exit 255"))
    done = fetch(str(repo), "ssh://example.invalid/x.git", ["main"], timeout=5.0)
    assert not done.ok
    assert not marker.exists()


def test_pre_push_falls_back_to_the_local_ref_with_a_clear_line(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    set_test_command(setup.clone, f"{shlex.quote(sys.executable)} -c pass",
                     "fetch_timeout = 1\n")
    git(setup.clone, "remote", "set-url", "origin", "ssh://example.invalid/repo.git")
    head = git(setup.clone, "rev-parse", "HEAD")
    stdin = f"refs/heads/feature-b {head} refs/heads/feature-b {ZERO_SHA}\n"
    started = time.monotonic()
    done = hookman(setup.clone, "hook", "pre-push", "origin", "x", stdin=stdin,
                   env={"CI": "1", "GIT_SSH_COMMAND": fake_ssh(tmp_path, "sleep 60")})
    elapsed = time.monotonic() - started
    assert ("hookman: warning: git fetch origin main failed (no answer within 1 s (git fetch "
            "was stopped)); checking against origin/main as this clone last saw it") in \
        done.stderr
    assert done.returncode == 1  # the fork against what the clone last fetched still stops it
    assert FIRST in done.stderr
    assert elapsed < 15, elapsed
