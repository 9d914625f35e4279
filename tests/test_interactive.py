"""The menu in a real pseudo-terminal: a real `git push` runs the hook, which asks on /dev/tty
while its stdin still holds git's ref lines."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pexpect

from hooks_manager.graph import merge_rev_id
from tests.helpers import add_revision, commit_all, git
from tests.pushkit import (
    FIRST,
    SECOND,
    Setup,
    forked_setup,
    own_fork,
    push,
    remote_sha,
    repo_state,
)

ENTER = "\r"
DOWN = "\x1b[B"
CTRL_C = "\x03"


def terminal_env() -> dict[str, str]:
    """A person at a terminal: CI unset (the conftest already removed it), a real TERM."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TERM"] = "xterm"
    return env


def spawn(cwd: Path, program: str, *args: str) -> pexpect.spawn:
    return pexpect.spawn(program, list(args), cwd=str(cwd), env=terminal_env(),
                         encoding="utf-8", timeout=60, dimensions=(50, 220))


def finish(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    out = str(child.before)
    child.close()
    return int(child.exitstatus), out


def with_app_tests(tmp_path: Path) -> Setup:
    """The scenario, plus a tiny real pytest suite that the push runs once the graph is clean."""
    command = f"{shlex.quote(sys.executable)} -m pytest -q -p no:cacheprovider app_tests"
    setup = forked_setup(tmp_path, test_command=command)
    tests = setup.clone / "app_tests"
    tests.mkdir()
    (tests / "test_app.py").write_text("def test_green():\n    assert 2 + 2 == 4\n")
    commit_all(setup.clone, "app tests")
    return setup


def test_enter_on_the_default_merges_upstream_commits_and_the_next_push_lands(
    tmp_path: Path,
) -> None:
    setup = with_app_tests(tmp_path)
    before = git(setup.clone, "rev-parse", "HEAD")
    child = spawn(setup.clone, "git", "push", "-u", "origin", "feature-b")
    child.expect("fork exists against the upstream")
    child.expect("What now")
    child.expect("Merge origin/main into feature-b")
    child.send(DOWN + ENTER)  # the merge revision: second, after re-pointing (yours, unpublished)
    code, out = finish(child)
    assert code != 0
    assert "merged origin/main into feature-b" in out
    assert "run git push again" in out
    assert remote_sha(setup, "feature-b") == ""  # the push under way was stopped
    assert git(setup.clone, "rev-parse", "HEAD~2") == before
    assert git(setup.clone, "log", "-1", "--format=%s") == f"Merge heads {FIRST} and {SECOND}"
    again = push(setup.clone, "origin", "feature-b", env={"CI": "1"})
    assert again.returncode == 0, again.stderr
    assert "1 passed" in again.stderr  # the app's suite ran, streamed
    assert remote_sha(setup, "feature-b") == git(setup.clone, "rev-parse", "HEAD")
    upgrade = subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"],
                             cwd=setup.clone, capture_output=True, text=True, check=False)
    assert upgrade.returncode == 0, upgrade.stderr


def test_enter_on_the_default_writes_the_merge_for_the_branchs_own_fork(
    tmp_path: Path,
) -> None:
    setup = forked_setup(tmp_path)
    own_fork(setup)
    (setup.clone / "wip.txt").write_text("staged, not for this commit\n")
    git(setup.clone, "add", "wip.txt")
    child = spawn(setup.clone, "git", "push", "origin", "feature-b")
    child.expect(f"feature-b forks the alembic history: heads {FIRST}, {SECOND}")
    child.expect(f"Write the merge revision {merge_rev_id([FIRST, SECOND])}")
    child.send(DOWN + ENTER)  # second, after re-pointing
    code, out = finish(child)
    assert code != 0
    assert "run git push again" in out
    changed = git(setup.clone, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert changed == [f"migrations/versions/{merge_rev_id([FIRST, SECOND])}_merge_heads_"
                       f"{FIRST}_and_.py"]
    assert git(setup.clone, "diff", "--cached", "--name-only") == "wip.txt"


def test_ctrl_c_at_the_prompt_changes_nothing(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    own_fork(setup)
    before = repo_state(setup.clone)
    child = spawn(setup.clone, "git", "push", "origin", "feature-b")
    child.expect("What now")
    child.expect("Push anyway")
    child.send(CTRL_C)
    code, out = finish(child)
    assert code != 0
    assert "push cancelled at the prompt; nothing was changed" in out
    assert repo_state(setup.clone) == before
    assert remote_sha(setup, "feature-b") == ""


def test_details_then_abort(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    add_revision(setup.clone, "dddd00000004", SECOND)  # a longer line on our side
    commit_all(setup.clone, "another migration")
    before = repo_state(setup.clone)
    child = spawn(setup.clone, "git", "push", "origin", "feature-b")
    # before anything is asked: what both lines change
    child.expect("what each line changes since the fork at aaaa00000001:")
    child.expect(f"t_{SECOND}: line dddd00000004: create table")
    child.expect("What now")
    child.expect("Push anyway")
    child.send(DOWN + DOWN + ENTER)  # re-point, merge, details
    child.expect("the history since the fork at aaaa00000001")
    # the lanes, newest first (colour codes around the ids: this is a terminal)
    child.expect(r"dddd00000004(\x1b\[0m)?  \(head\)")
    child.expect(f"{SECOND}(\x1b\\[0m)?  t_{SECOND}")
    child.expect(r"aaaa00000001(\x1b\[0m)?  \(fork point")
    child.expect("does not resolve conflicting schema changes")
    child.expect("What now")
    child.expect("Push anyway")
    child.send(DOWN + DOWN + DOWN + ENTER)
    code, out = finish(child)
    assert code != 0
    assert "push aborted; nothing was changed" in out
    assert repo_state(setup.clone) == before


def test_push_anyway_is_not_offered_when_required(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path, settings="required = ['alembic-upstream']\n")
    child = spawn(setup.clone, "git", "push", "origin", "feature-b")
    child.expect("What now")
    child.expect("Abort the push")
    child.send(DOWN + DOWN + DOWN + ENTER)  # the last choice: abort
    code, out = finish(child)
    assert code != 0
    assert "Push anyway" not in str(child.before) + out
    assert "push aborted" in out


def test_hookman_merge_asks_first_at_a_terminal(project: Path) -> None:
    add_revision(project, "aaaa00000001", None)
    add_revision(project, FIRST, "aaaa00000001")
    add_revision(project, SECOND, "aaaa00000001")
    commit_all(project, "forked")
    before = repo_state(project)
    child = spawn(project, sys.executable, "-m", "hooks_manager", "merge", "--commit")
    child.expect("Write it and commit it")
    child.send("n")
    code, out = finish(child)
    assert code == 1
    assert "nothing was written" in out
    assert repo_state(project) == before
    child = spawn(project, sys.executable, "-m", "hooks_manager", "merge", "--commit")
    child.expect("Write it and commit it")
    child.send(ENTER)
    code, out = finish(child)
    assert code == 0, out
    assert git(project, "log", "-1", "--format=%s") == f"Merge heads {FIRST} and {SECOND}"
