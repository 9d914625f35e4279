"""Someone else's hook, kept beside ours at install time, and run first by our hook.

The kept hook sees what git would have shown it: the same arguments, the same stdin bytes
(pre-push's ref lines), the same working folder and environment. Its exit code counts.
"""

from __future__ import annotations

import os

from hooks_manager.output import say

PREVIOUS_SUFFIX = ".hookman-prev"
# Set, for the kept hook's run, to the path being run: if that hook calls back into hookman
# (a copy of our shim, a wrapper), the inner run must not start it again.
RUNNING_PREVIOUS = "HOOKMAN_RUNNING_PREVIOUS"
# The shim exports the folder it lives in, so finding the kept hook costs no `git rev-parse`.
HOOKS_DIR_ENV = "HOOKMAN_HOOKS_DIR"
_SH_SHEBANGS = (b"#!/bin/sh", b"#!/usr/bin/env sh")


def hooks_dir_of(root: str) -> str | None:
    """The folder git reads hooks from (core.hooksPath and linked worktrees applied)."""
    from hooks_manager.repo import absolute_git_path

    return absolute_git_path(root, "--git-path", "hooks")


def previous_path(hooks_dir: str, hook_type: str) -> str:
    return os.path.join(hooks_dir, hook_type + PREVIOUS_SUFFIX)


def run_previous(root: str, hook_type: str, args: list[str], stdin: bytes) -> int:
    """Run `<hooks>/<type>.hookman-prev` with git's arguments and the same stdin bytes;
    0 when there is none (or git would not have run it: not executable, a dangling link)."""
    hooks = os.environ.get(HOOKS_DIR_ENV) or hooks_dir_of(root)
    if hooks is None:
        return 0
    previous = os.path.abspath(previous_path(hooks, hook_type))
    if os.environ.get(RUNNING_PREVIOUS) == previous:
        return 0  # the kept hook called back into us: do not start it again
    if not os.path.isfile(previous):
        return 0  # none, or a dangling symlink: git skips those too
    if not os.access(previous, os.X_OK):
        say(f"hookman: {previous} is not executable, so git would not run it either; "
             "skipped (chmod +x it to have it run)")
        return 0
    env = {**os.environ, RUNNING_PREVIOUS: previous}
    command = _command(previous, os.path.join(hooks, hook_type), args, env)
    return _run(command, stdin, env, previous)


def _command(previous: str, called_as: str, args: list[str], env: dict[str, str]) -> list[str]:
    """How to start the kept hook. A tiny sh stub that finds its real script by the name it was
    called with (husky's `.husky/_/<hook>`: `. "${0%/*}/h"`, which runs `.husky/$(basename $0)`)
    is sourced by sh with $0 set to the hook's own name, as if git had started it."""
    try:
        with open(previous, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return [previous, *args]
    first = head.split(b"\n", 1)[0].rstrip()
    if first in _SH_SHEBANGS and len(head) < 4096 and (b"$0" in head or b"${0" in head):
        env["HOOKMAN_PREVIOUS_FILE"] = previous
        return ["/bin/sh", "-c", '. "$HOOKMAN_PREVIOUS_FILE"', called_as, *args]
    return [previous, *args]


def _run(command: list[str], stdin: bytes, env: dict[str, str], previous: str) -> int:
    # subprocess, not proc.py: someone else's hook inherits our stdout, stderr and terminal
    # (it may prompt), and an exec format error must fall back to sh as git does.
    import errno
    import subprocess

    try:
        return subprocess.run(command, input=stdin, env=env, check=False).returncode
    except OSError as exc:
        if exc.errno == errno.ENOEXEC:  # no #! line: git (run-command.c) hands it to sh
            try:
                return subprocess.run(["/bin/sh", *command], input=stdin, env=env,
                                      check=False).returncode
            except OSError as again:
                exc = again
        say(f"hookman: cannot run the previous hook {previous}: {exc.strerror} "
             "(fix its #! line, or remove it)")
        return 1
