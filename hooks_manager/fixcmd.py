"""The commands hookman prints as fixes, built as argv lists and quoted only when shown.

A revision id, a path, a branch or a remote name comes from the repository or the user's
setup; pasted into a shell unquoted, `$(touch x)` or `;` in one of them would run. So a fix is
a list of steps, each an argv (plus the folder to run it in, relative to the repository
root), and its text is produced here and nowhere else: every argument ``shlex.quote``d, a
step that needs another folder wrapped as ``(cd DIR && ...)`` so that the line works from
where the user stands (DIR relative to the current folder when that is not the repository
root; the hooks run at the root) and leaves the shell where it was.
"""

from __future__ import annotations

import os


class Step:
    __slots__ = ("argv", "cwd")

    def __init__(self, argv: list[str], cwd: str = ".") -> None:
        self.argv = argv
        self.cwd = cwd  # relative to the repository root, "/"-separated; "." for the root

    def text(self) -> str:
        import shlex  # only when a fix is shown: it imports `re`, ~5 ms of a healthy check

        line = shlex.join(self.argv)
        folder = _from_here(self.cwd)
        return line if folder == "." else f"(cd {shlex.quote(folder)} && {line})"

    def as_json(self) -> dict[str, object]:
        return {"cwd": self.cwd, "argv": list(self.argv)}


class Fix:
    """Steps run one after the other (``&&``); ``note`` is what is left to do by hand, shown
    as a shell comment so that the whole line can still be pasted."""

    __slots__ = ("note", "steps")

    def __init__(self, steps: list[Step], note: str = "") -> None:
        self.steps = steps
        self.note = " ".join(note.split())  # one line: a newline would end the comment

    def command(self) -> str:
        text = " && ".join(step.text() for step in self.steps)
        return f"{text}  # {self.note}" if self.note else text

    def as_json(self) -> list[dict[str, object]]:
        return [step.as_json() for step in self.steps]


def run(*argv: str, cwd: str = ".") -> Step:
    return Step(list(argv), cwd)


def positional(args: list[str]) -> list[str]:
    """``args`` as positional arguments: behind ``--`` when one looks like an option."""
    return ["--", *args] if any(a.startswith("-") for a in args) else list(args)


def _from_here(folder: str) -> str:
    """``folder`` (relative to the repository root) as seen from where the user stands: a
    line printed to `cd migrations/versions && hookman check` must work pasted there."""
    if os.environ.get("GIT_DIR"):
        return folder  # a hook: git runs it at the root (or in the bare repository)
    from hooks_manager.repo import find_root

    try:
        here = os.getcwd()
    except OSError:
        return folder
    root = find_root(here)
    if root is None:
        return folder  # not in a work tree (a bare repository): nothing to adjust
    if root == here:
        return folder
    return os.path.relpath(os.path.join(root, *folder.split("/")), here).replace(os.sep, "/")
