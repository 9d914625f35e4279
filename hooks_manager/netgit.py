"""git commands that talk to a remote (fetch), bounded so nothing can hang a push or a pipeline.

A fetch can wait forever on a credential prompt, an ssh passphrase, a host-key question or a
dead network. Here every one runs with GIT_TERMINAL_PROMPT=0 (git asks for no username or
password), in a new session (so no controlling terminal: ssh and credential helpers cannot
open /dev/tty to ask), with stdin closed and a time limit after which the whole process group
is killed. The caller gets a result it can explain, never a hang.
"""

from __future__ import annotations

import os

DEFAULT_TIMEOUT = 10.0  # seconds; see docs/notes-offsite.md for how this was chosen


class Fetched:
    """What a bounded git command did: ok, or why not (one line, for people)."""

    __slots__ = ("ok", "out", "reason", "seconds")

    def __init__(self, ok: bool, reason: str, seconds: float, out: bytes = b"") -> None:
        self.ok = ok
        self.reason = reason
        self.seconds = seconds
        self.out = out


def bounded_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    # An askpass program would pop a window or wait on a terminal: none, on purpose.
    env["GIT_ASKPASS"] = env["SSH_ASKPASS"] = "/bin/false" if os.path.exists(
        "/bin/false") else "false"
    return env


def run_bounded(root: str, args: list[str], timeout: float = DEFAULT_TIMEOUT) -> Fetched:
    """Run ``git <args>`` in ``root`` within ``timeout`` seconds."""
    import contextlib
    import signal
    import subprocess
    import time

    # subprocess, not proc.py: a bound in time needs a timeout and the kill of git's whole
    # process group (ssh, credential helpers), which proc's plain runner does not do.
    started = time.monotonic()
    try:
        child = subprocess.Popen(["git", "-C", root, *args], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=bounded_env(), start_new_session=True)
    except OSError as exc:
        return Fetched(False, f"cannot run git: {exc.strerror}", 0.0)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # git and its ssh/helper children
        child.communicate()
        return Fetched(False, f"no answer within {timeout:g} s (git {args[0]} was stopped)",
                       time.monotonic() - started)
    seconds = time.monotonic() - started
    if child.returncode:
        said = " ".join(err.decode(errors="replace").split()) or f"exit {child.returncode}"
        return Fetched(False, said, seconds, out)
    return Fetched(True, "", seconds, out)


def fetch(root: str, remote: str, refspecs: list[str], *, depth: int | None = None,
          deepen: int | None = None, unshallow: bool = False,
          timeout: float = DEFAULT_TIMEOUT) -> Fetched:
    """`git fetch` of ``refspecs`` from ``remote``, quiet, no tags, no FETCH_HEAD written."""
    args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules"]
    if depth is not None:
        args.append(f"--depth={depth}")
    if deepen is not None:
        args.append(f"--deepen={deepen}")
    if unshallow:
        args.append("--unshallow")
    return run_bounded(root, [*args, remote, *refspecs], timeout)
