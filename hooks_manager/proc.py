"""Every subprocess hookman starts goes through here."""

from __future__ import annotations

import os
import subprocess

from hooks_manager.errors import GitError


class Result:
    __slots__ = ("code", "err", "out")

    def __init__(self, code: int, out: bytes, err: bytes) -> None:
        self.code = code
        self.out = out
        self.err = err


def run(
    cmd: list[str], cwd: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> Result:
    """Run ``cmd`` to completion. Children never inherit our stdin: in a pre-push hook it holds
    git's ref lines, which a child would swallow (lefthook#508)."""
    try:
        done = subprocess.run(
            cmd, cwd=cwd, input=stdin, capture_output=True, env=env,
            stdin=None if stdin is not None else subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise GitError(f"cannot run {cmd[0]!r}: {exc.strerror}",
                       hint=f"install {cmd[0]} or put it on PATH") from exc
    return Result(done.returncode, done.stdout, done.stderr)


def start(cmd: list[str], cwd: str) -> subprocess.Popen[bytes]:
    """Start ``cmd`` now and collect it later with ``finish``: independent git reads overlap."""
    return subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[bytes]) -> Result:
    out, err = proc.communicate()
    return Result(proc.returncode, out, err)


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
    import sys

    sys.stderr.flush()
    return subprocess.call(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           stdout=sys.stderr.fileno(), stderr=sys.stderr.fileno())
