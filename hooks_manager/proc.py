"""Every subprocess hookman starts goes through here, but for the two named below (and
GitPython's own, behind gitops.py, for the fix's commit).

git plumbing on the hook path is started with ``os.posix_spawnp`` and read with ``select``:
``import subprocess`` alone costs ~15 ms here (it pulls in locale, re, threading, signal),
about what the whole pre-commit check may add to a commit. Everything else (test suites,
tools that need a working directory or a terminal) uses subprocess, imported when needed.
Two callers start processes themselves, each saying why: chain.py (someone else's hook, on
our terminal) and netgit.py (a fetch bounded in time, its process group killed at the end).
"""

from __future__ import annotations

import os

from hooks_manager.errors import GitError

_CHUNK = 1 << 16


class Result:
    __slots__ = ("code", "err", "out")

    def __init__(self, code: int, out: bytes, err: bytes) -> None:
        self.code = code
        self.out = out
        self.err = err


class Running:
    """A started command whose output is collected by ``finish``."""

    __slots__ = ("err_fd", "in_fd", "out_fd", "pid", "stdin")

    def __init__(self, pid: int, in_fd: int | None, out_fd: int, err_fd: int, stdin: bytes) -> None:
        self.pid = pid
        self.in_fd = in_fd
        self.out_fd = out_fd
        self.err_fd = err_fd
        self.stdin = stdin


def start(cmd: list[str], cwd: str, stdin: bytes | None = None) -> Running:
    """Start git command ``cmd`` in ``cwd``. Children never inherit our stdin: in a pre-push
    hook it holds git's ref lines, which a child would swallow (lefthook#508)."""
    assert cmd[0] == "git", "start() runs git; other commands go through run()"
    cmd = ["git", "-C", cwd, *cmd[1:]]  # posix_spawn has no working-directory action
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    in_r, in_w = os.pipe() if stdin is not None else (os.open(os.devnull, os.O_RDONLY), None)
    actions = [(os.POSIX_SPAWN_DUP2, in_r, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
               (os.POSIX_SPAWN_DUP2, err_w, 2)]
    try:
        pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=actions)
    except OSError as exc:
        for fd in (out_r, out_w, err_r, err_w, in_r, in_w):
            if fd is not None:
                os.close(fd)
        raise GitError(f"cannot run {cmd[0]!r}: {exc.strerror}",
                       hint=f"install {cmd[0]} or put it on PATH") from exc
    for fd in (out_w, err_w, in_r):
        os.close(fd)
    return Running(pid, in_w, out_r, err_r, stdin or b"")


def finish(running: Running) -> Result:
    """Feed stdin and drain stdout/stderr together, so no pipe can fill up and deadlock."""
    import select

    outputs: dict[int, list[bytes]] = {running.out_fd: [], running.err_fd: []}
    readers = [running.out_fd, running.err_fd]
    writer = running.in_fd
    pending = memoryview(running.stdin)
    if writer is not None and not pending:
        os.close(writer)
        writer = None
    elif writer is not None:
        # Non-blocking, so a write never waits on a full pipe while the child waits on us.
        os.set_blocking(writer, False)
    while readers or writer is not None:
        ready_r, ready_w, _ = select.select(readers, [writer] if writer is not None else [], [])
        for fd in ready_r:
            chunk = os.read(fd, _CHUNK)
            if chunk:
                outputs[fd].append(chunk)
            else:
                readers.remove(fd)
                os.close(fd)
        if ready_w and writer is not None:
            try:
                sent = os.write(writer, pending[:_CHUNK])
            except BlockingIOError:
                sent = 0
            except BrokenPipeError:
                sent = len(pending)  # the child stopped reading; its exit code will say why
            pending = pending[sent:]
            if not pending:
                os.close(writer)
                writer = None
    _, status = os.waitpid(running.pid, 0)
    return Result(os.waitstatus_to_exitcode(status), b"".join(outputs[running.out_fd]),
                  b"".join(outputs[running.err_fd]))


def run(
    cmd: list[str], cwd: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> Result:
    """Run ``cmd`` to completion, capturing its output; stdin is ``stdin`` or /dev/null."""
    if cmd[0] == "git" and env is None:
        return finish(start(cmd, cwd, stdin))
    import subprocess

    try:
        done = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, env=env,
                              stdin=None if stdin is not None else subprocess.DEVNULL,
                              check=False)
    except OSError as exc:
        raise GitError(f"cannot run {cmd[0]!r}: {exc.strerror}",
                       hint=f"install {cmd[0]} or put it on PATH") from exc
    return Result(done.returncode, done.stdout, done.stderr)


def git(root: str, *args: str, stdin: bytes | None = None, ok: tuple[int, ...] = (0,)) -> bytes:
    """Run git in ``root``; a failure becomes a GitError that quotes git's own words."""
    result = run(["git", *args], root, stdin)
    if result.code not in ok:
        raise git_failure(args, result)
    return result.out


def git_failure(args: tuple[str, ...] | list[str], result: Result) -> GitError:
    said = result.err.decode(errors="replace").strip() or f"exit code {result.code}"
    return GitError(f"`git {' '.join(args)}` failed: {said}")


def clean_git_env() -> dict[str, str]:
    """The environment minus git's per-hook variables (GIT_DIR, GIT_INDEX_FILE, ...), for
    children that must act on their own repository, such as a test suite (pre-commit#300)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def stream(cmd: list[str], cwd: str, env: dict[str, str] | None = None) -> int:
    """Run ``cmd`` with its output going straight to our stderr as it comes (a hook's output
    reaches the user there, in order with hookman's own lines) and stdin closed: in pre-push
    it holds git's ref lines, and a test suite that reads stdin must not hang. Returns the
    exit code; OSError (no such program) is the caller's to explain."""
    import subprocess
    import sys

    sys.stderr.flush()
    return subprocess.call(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           stdout=sys.stderr.fileno(), stderr=sys.stderr.fileno())
