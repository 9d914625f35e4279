"""Issue 7, items 1 and 2: a failed or interrupted fix undoes exactly what it wrote (by path
and by content), never a teammate's file, and says what it left; fixes run one at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.adversarial.kit import (
    clean_env,
    exec_hook,
    failing_hook,
    forked,
    merge_file,
    post_write_hooks,
    script,
    teammate_writes,
    tracked,
    versions,
)
from tests.helpers import git, hookman

CI = {"CI": "1"}


def _teammate_files(project: Path) -> dict[Path, bytes]:
    folder = versions(project)
    return {p: p.read_bytes() for p in (folder / "notes" / "todo.txt",
                                       folder / "dddd00000004_teammate.py")}


def _arrange(project: Path, tmp_path: Path, fault: str) -> None:
    folder = versions(project)
    if fault == "post-write hook fails":
        intruder = script(tmp_path / "intruder.sh", teammate_writes(folder))
        post_write_hooks(project, exec_hook("intruder", intruder), failing_hook())
    elif fault == "signing program fails":
        signer = script(tmp_path / "signer.sh", teammate_writes(folder) + "exit 1\n")
        git(project, "config", "commit.gpgsign", "true")
        git(project, "config", "gpg.program", str(signer))
    elif fault == "index.lock taken during the write":
        lock = project / ".git" / "index.lock"  # what another running git command holds
        intruder = script(tmp_path / "intruder.sh",
                          teammate_writes(folder) + f": > '{lock}'\n")
        post_write_hooks(project, exec_hook("intruder", intruder))
    else:  # a teammate's pull lands mid-fix, and git's own signing fails (gpg.program false)
        intruder = script(tmp_path / "intruder.sh", teammate_writes(folder))
        post_write_hooks(project, exec_hook("intruder", intruder))
        git(project, "config", "commit.gpgsign", "true")
        git(project, "config", "gpg.program", "false")


@pytest.mark.parametrize("fault", ["post-write hook fails", "signing program fails",
                                   "index.lock taken during the write",
                                   "gpg.program false after a teammate's write"])
def test_failed_fix_removes_only_what_it_wrote(project: Path, tmp_path: Path,
                                               fault: str) -> None:
    forked(project)
    _arrange(project, tmp_path, fault)
    head, index = git(project, "rev-parse", "HEAD"), git(project, "ls-files", "-s")
    done = hookman(project, "merge", "--commit", env={**CI, "PYTHONDONTWRITEBYTECODE": ""})
    (project / ".git" / "index.lock").unlink(missing_ok=True)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    rel = merge_file(project).relative_to(project).as_posix()
    assert f"removed {rel} (hookman wrote it)" in done.stderr
    assert not merge_file(project).exists()
    for path, data in _teammate_files(project).items():
        assert path.read_bytes() == data  # the teammate's work is untouched
    assert "left migrations/versions/notes (not hookman's" in done.stderr
    assert "left migrations/versions/dddd00000004_teammate.py (not hookman's" in done.stderr
    assert "nothing was committed or left staged" not in done.stderr
    assert (git(project, "rev-parse", "HEAD"), git(project, "ls-files", "-s")) == (head, index)
    pycache = versions(project) / "__pycache__"
    own_bytecode = list(pycache.glob(f"{merge_file(project).stem}*")) \
        if pycache.exists() else []
    assert own_bytecode == []


@pytest.mark.parametrize("edit", ["printf '# my note\\n' >> \"$F\"",
                                  "printf 'revision = \"mine\"\\n' > \"$F\""])
def test_a_file_changed_meanwhile_is_left_and_named(project: Path, tmp_path: Path,
                                                    edit: str) -> None:
    forked(project)
    target = merge_file(project)
    # An editor saves the new file just as the signing step fails.
    signer = script(tmp_path / "signer.sh", f"F='{target}'\n{edit}\nexit 1\n")
    git(project, "config", "commit.gpgsign", "true")
    git(project, "config", "gpg.program", str(signer))
    done = hookman(project, "merge", "--commit", env=CI)
    assert done.returncode == 2, done.stderr
    rel = target.relative_to(project).as_posix()
    assert f"left {rel}: changed since hookman wrote it" in done.stderr
    assert target.exists()
    assert "mine" in target.read_text() or "# my note" in target.read_text()
    assert git(project, "diff", "--cached", "--name-only") == ""  # left, but not staged
    assert "hookman undid only what it wrote" in done.stderr


def _waiting_hook(project: Path, tmp_path: Path) -> Path:
    """A post-write hook that says "now" and then waits while hookman lives: the moment
    the merge file is written and not yet committed."""
    marker = tmp_path / "writing"
    hook = script(tmp_path / "wait.sh", f": > '{marker}'\n"
                  "while kill -0 $PPID 2>/dev/null; do sleep 0.05; done\n")
    post_write_hooks(project, exec_hook("wait", hook))
    return marker


def _start(cwd: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "hooks_manager", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=clean_env(CI="1", **env))


def _wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the fix never reached its write"
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_during_the_write_undoes_it(project: Path, tmp_path: Path,
                                                sig: signal.Signals) -> None:
    forked(project)
    marker = _waiting_hook(project, tmp_path)
    head, index = git(project, "rev-parse", "HEAD"), git(project, "ls-files", "-s")
    fix = _start(project, "merge", "--commit")
    _wait_for(marker, fix)
    assert merge_file(project).exists()  # written, not committed: the worst moment
    fix.send_signal(sig)
    _, err = fix.communicate(timeout=60)
    assert fix.returncode in (130, 143), err
    assert "Traceback" not in err
    assert not merge_file(project).exists()
    rel = merge_file(project).relative_to(project).as_posix()
    assert f"removed {rel} (hookman wrote it)" in err
    assert (git(project, "rev-parse", "HEAD"), git(project, "ls-files", "-s")) == (head, index)
    assert not (project / ".git" / "hookman" / "fix.lock").exists()


def test_killed_during_the_write_leaves_a_file_the_next_fix_names(project: Path,
                                                                  tmp_path: Path) -> None:
    forked(project)
    marker = _waiting_hook(project, tmp_path)
    fix = _start(project, "merge", "--commit")
    _wait_for(marker, fix)
    fix.kill()  # kill -9: no undo can run
    fix.wait(timeout=60)  # reaped, so the waiting hook sees it gone and ends too
    fix.communicate(timeout=60)
    assert (project / ".git" / "hookman" / "fix.lock").exists()
    left = merge_file(project)
    data = left.read_bytes()
    (project / "alembic.ini").write_text(
        (project / "alembic.ini").read_text().split("\n[post_write_hooks]")[0])
    git(project, "commit", "-qam", "no more hooks")
    again = hookman(project, "merge", "--commit", env=CI)
    assert again.returncode == 2, again.stderr
    assert "took over a stale fix lock" in again.stderr
    rel = left.relative_to(project).as_posix()
    assert "an interrupted fix may have left it" in again.stderr
    assert f"git add -- {rel} && git commit" in again.stderr
    assert left.read_bytes() == data  # named, never deleted
    git(project, "add", "--", rel)
    git(project, "commit", "-qm", "the merge revision the killed fix wrote")
    assert hookman(project, "check").returncode == 0


def _slow_fix(project: Path, tmp_path: Path) -> Path:
    marker = tmp_path / "writing"
    hook = script(tmp_path / "slow.sh", f": > '{marker}'\nsleep 1.5\n")
    post_write_hooks(project, exec_hook("slow", hook))
    return marker


@pytest.mark.parametrize("wait", ["10", "0.2"])
def test_two_fixes_at_once_in_one_clone(project: Path, tmp_path: Path, wait: str) -> None:
    forked(project)
    marker = _slow_fix(project, tmp_path)
    first = _start(project, "merge", "--commit")
    _wait_for(marker, first)
    second = _start(project, "merge", "--commit", HOOKMAN_LOCK_WAIT=wait)
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 2, err2
    if wait == "10":
        assert f"waiting for another hookman fix (pid {first.pid})" in err2
        # It plans only once the first is done, and finds the fork merged.
        assert "nothing to merge: alembic has at most one head" in err2
    else:
        assert f"another hookman fix (pid {first.pid}) is running in this repository" in err2
        assert "hookman wrote nothing" in err2
    assert "removed" not in err2
    assert tracked(project, merge_file(project))
    assert merge_file(project).read_text() == git(
        project, "show", f"HEAD:{merge_file(project).relative_to(project).as_posix()}") + "\n"
    assert git(project, "status", "--porcelain") == ""  # no deletion staged, nothing left


def test_two_fixes_at_once_in_two_worktrees(project: Path, tmp_path: Path) -> None:
    forked(project)
    marker = _slow_fix(project, tmp_path)
    other = tmp_path / "other-tree"
    git(project, "worktree", "add", "-q", "-b", "other", str(other))
    first = _start(project, "merge", "--commit")
    _wait_for(marker, first)
    second = _start(other, "merge", "--commit")
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2  # its own branch, its own commit, after the first
    assert f"waiting for another hookman fix (pid {first.pid})" in err2
    for tree in (project, other):
        assert tracked(tree, merge_file(tree))
        assert git(tree, "status", "--porcelain") == ""
    assert git(project, "rev-parse", "main") != git(project, "rev-parse", "other")


@pytest.mark.parametrize("holder", ["dead pid", "garbage, old", "live pid"])
def test_a_lock_left_behind_or_held(project: Path, holder: str) -> None:
    forked(project)
    lock = project / ".git" / "hookman" / "fix.lock"
    lock.parent.mkdir()
    import socket

    sleeper = None
    if holder == "dead pid":
        gone = subprocess.Popen(["true"])
        gone.wait()
        lock.write_text(f"{gone.pid}\n{socket.gethostname()}\n0\n")
    elif holder == "garbage, old":
        lock.write_text("not a pid")
        os.utime(lock, (time.time() - 60, time.time() - 60))
    else:
        sleeper = subprocess.Popen(["sleep", "30"])
        lock.write_text(f"{sleeper.pid}\n{socket.gethostname()}\n0\n")
    try:
        done = hookman(project, "merge", "--commit", env={**CI, "HOOKMAN_LOCK_WAIT": "0.3"})
    finally:
        if sleeper is not None:
            sleeper.kill()
            sleeper.wait()
    if holder == "live pid":
        assert done.returncode == 2, done.stderr
        pid = sleeper.pid if sleeper else 0
        assert f"another hookman fix (pid {pid}) is running" in done.stderr
        assert not merge_file(project).exists()
        assert lock.exists()  # someone else's: not ours to remove
    else:
        assert done.returncode == 0, done.stderr
        assert "took over a stale fix lock" in done.stderr
        assert tracked(project, merge_file(project))
        assert not lock.exists()


@pytest.mark.parametrize("fork", ["own", "against the upstream"])
def test_auto_merge_in_a_push_undoes_only_its_own_files(tmp_path: Path, fork: str) -> None:
    from tests.pushkit import forked_setup, own_fork, push, remote_sha

    setup = forked_setup(tmp_path)
    if fork == "own":
        own_fork(setup)
    clone = setup.clone
    if fork == "own":  # the fix's commit fails to sign, after a teammate's write
        signer = script(tmp_path / "signer.sh", teammate_writes(versions(clone)) + "exit 1\n")
        git(clone, "config", "commit.gpgsign", "true")
        git(clone, "config", "gpg.program", str(signer))
    else:  # signing would stop `git merge` first: here alembic's write fails instead
        intruder = script(tmp_path / "intruder.sh", teammate_writes(versions(clone)))
        post_write_hooks(clone, exec_hook("intruder", intruder), failing_hook())
    head = git(clone, "rev-parse", "HEAD")
    done = push(clone, "origin", "feature-b", env={"CI": "1", "HOOKMAN_AUTO_MERGE": "1"})
    assert done.returncode != 0, done.stderr  # git push says 1 whatever the hook said
    if fork != "own":
        assert "the merge of origin/main was undone; feature-b is as it was" in done.stderr
    assert "Traceback" not in done.stderr
    assert "(hookman wrote it)" in done.stderr
    assert "left migrations/versions/notes (not hookman's" in done.stderr
    assert (versions(clone) / "notes" / "todo.txt").read_text() == "remember\n"
    assert (versions(clone) / "dddd00000004_teammate.py").exists()
    assert git(clone, "rev-parse", "HEAD") == head  # the merge of origin/main undone too
    assert git(clone, "status", "--porcelain", "--untracked-files=no") == ""
    assert remote_sha(setup, "feature-b") == ""
