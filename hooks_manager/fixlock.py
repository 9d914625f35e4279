"""One fix at a time per repository: `hookman merge`, the pre-push menu's fix and auto-merge
take ``<git common dir>/hookman/fix.lock`` before they plan and hold it until the commit.

Two fixes of the same fork derive the same revision id and file name; run together, one
would overwrite or undo the other's file. The lock lives in the *common* git dir so linked
worktrees of one clone share it. It is created with O_CREAT|O_EXCL (atomic on every local
file system) and holds the owner's pid and host; a lock whose process is gone (kill -9, a
crash) is taken over, with a line saying so.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from hooks_manager.errors import MergeError
from hooks_manager.repo import absolute_git_path

# Long enough for a fix that is finishing (alembic's import and one commit take ~1 s here),
# short enough that a push or a commit never hangs on a stuck one.
DEFAULT_WAIT = 10.0
# A lock file with no readable owner is only trusted this long: its creator died between
# O_EXCL and writing its pid (or wrote it from another tool).
_UNREADABLE_GRACE = 5.0


def lock_path(root: str) -> str | None:
    """The lock file of the repository holding ``root``, None outside git."""
    common = absolute_git_path(root, "--git-common-dir")
    return None if common is None else os.path.join(common, "hookman", "fix.lock")


def _wait_seconds() -> float:
    raw = os.environ.get("HOOKMAN_LOCK_WAIT", "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_WAIT
    except ValueError:
        return DEFAULT_WAIT


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _owner(path: str, text: str | None = None) -> tuple[int, str] | None:
    text = _read(path) if text is None else text
    try:
        pid_text, host = [*(text or "").split("\n"), "", ""][:2]
        return int(pid_text), host
    except ValueError:
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _stale(path: str, text: str | None) -> str | None:
    """Why the lock at ``path`` (holding ``text``) can be taken over, None while its owner
    may be running."""
    if text is None:
        return "gone"
    owner = _owner(path, text)
    if owner is None:
        try:
            age = time.time() - os.stat(path).st_mtime
        except FileNotFoundError:
            return "gone"
        return "unreadable and old" if age > _UNREADABLE_GRACE else None
    pid, host = owner
    if host == socket.gethostname() and not _alive(pid):
        return f"its process {pid} is gone"
    return None


def _describe(path: str) -> str:
    owner = _owner(path)
    if owner is None:
        return "another hookman fix"
    pid, host = owner
    return f"another hookman fix (pid {pid}{'' if host == socket.gethostname() else ' on ' + host})"


@contextmanager
def fix_lock(root: str, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the repository's fix lock; wait up to HOOKMAN_LOCK_WAIT seconds (default 10) for
    another fix, then refuse with MergeError before anything is written."""
    path = lock_path(root)
    if path is None:  # not a git repository: nothing to commit, nobody to race in git
        yield
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mine = f"{os.getpid()}\n{socket.gethostname()}\n{int(time.time())}\n"
    deadline = time.monotonic() + _wait_seconds()
    waited = False
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            text = _read(path)
            why = _stale(path, text)
            if why is not None:
                if why != "gone" and text is not None:
                    # Only the very lock judged stale: another fix may have taken it over
                    # and made its own meanwhile.
                    _remove_if(path, text)
                    say(f"hookman: took over a stale fix lock ({why}): {path}")
                continue
            if time.monotonic() >= deadline:
                raise MergeError(
                    f"{_describe(path)} is running in this repository (lock {path}); "
                    "hookman wrote nothing",
                    hint="wait for it to finish, then run the fix again (if no hookman is "
                         "running, delete the lock file)") from None
            if not waited:
                say(f"hookman: waiting for {_describe(path)} to finish")
                waited = True
            time.sleep(0.1)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(mine)
        break
    previous = _undo_on_sigterm()
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        _remove_if(path, mine)


def _undo_on_sigterm() -> signal.Handlers | Callable[[int, FrameType | None], object] | int | None:
    """SIGTERM (a closed terminal, a killed IDE task) ends Python without unwinding; while a
    fix holds the lock it is turned into SystemExit, so the undo runs as for Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, stop)


def _remove_if(path: str, content: str) -> None:
    """Remove the lock, but only the one we mean (ours, or the one judged stale)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            if handle.read() != content:
                return  # taken over meanwhile: another fix holds it now
        os.remove(path)
    except OSError:
        pass
