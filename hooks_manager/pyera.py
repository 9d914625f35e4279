"""Which Python a revision file was written for: is its syntax error hookman's own problem?

A file that does not compile *for the Python hookman runs on* may be perfectly good for the
project: newer syntax (a project on 3.12 checked by hookman on 3.11), or a Python 2 file in old
history. Those syntax problems become warnings; the file keeps its place in the graph either
way (scan._fallback). Read from the bytes of the source being checked, never by importing.
"""

from __future__ import annotations

import os
import sys

from hooks_manager.config import Project
from hooks_manager.graph import WARNING, Problem
from hooks_manager.sources import Commit, GitSource, Source, read_blobs

# What Python 3 says first about a Python 2 file (the interpreter's own words, more robust
# than guessing from `u''`, which Python 3 accepts).
_PY2_SIGNS = ("Missing parentheses in call to 'print'", "Missing parentheses in call to 'exec'",
              "multiple exception types must be parenthesized",
              "leading zeros in decimal integer literals", "inconsistent use of tabs")
_FILES = ("pyproject.toml", ".python-version", "setup.cfg", "setup.py")


def soften(problems: list[Problem], project: Project, source: Source) -> None:
    """Downgrade, in place, the syntax errors of files that kept their place in the graph
    when the project's Python explains them."""
    kept = [p for p in problems if p.kind == "unparseable-file" and p.revisions
            and p.severity != WARNING]
    if not kept:
        return
    running = sys.version_info[:2]
    declared: tuple[int, int] | None = None
    old: bool | None = None
    for problem in kept:
        if any(sign in problem.message for sign in _PY2_SIGNS):
            if old is None:
                old = _old_commit(source)
            if old:
                problem.severity = WARNING
                problem.message += ("; a Python 2 file in an old commit: alembic of that time "
                                    "loaded it, and its revision ids are read without it")
            continue
        if declared is None:
            declared = declared_python(_project_files(project, source)) or (0, 0)
        if declared > running:
            problem.severity = WARNING
            problem.message += (f"; the project declares Python {declared[0]}.{declared[1]} "
                                f"and hookman runs on {running[0]}.{running[1]}: its revision "
                                "ids are read without compiling it")


def _old_commit(source: Source) -> bool:
    """A check of a commit that is not HEAD (`--rev` of old history)."""
    if not isinstance(source, Commit):
        return False
    from hooks_manager.repo import same_commit

    return same_commit(source.root, "HEAD", source.rev) is False


def _project_files(project: Project, source: Source) -> list[bytes]:
    """The project's declarations, from the repository root and the ini's folder."""
    folders = [""]
    if project.config_path:
        folder = os.path.relpath(os.path.dirname(project.config_path), source.root)
        if folder not in (".", "") and not folder.startswith(".."):
            folders.append(folder.replace(os.sep, "/"))
    rels = [f"{d}/{n}" if d else n for d in folders for n in _FILES]
    if isinstance(source, GitSource):
        entries = source.entries(rels)
        blobs = read_blobs(source.root, list(entries.values())) if entries else {}
        return list(blobs.values())
    found = []
    for rel in rels:
        try:
            with open(os.path.join(source.root, rel), "rb") as handle:
                found.append(handle.read(200_000))
        except OSError:
            continue
    return found


def declared_python(files: list[bytes]) -> tuple[int, int] | None:
    """The lowest Python the project declares: `requires-python` / `python_requires` floor,
    a `.python-version` pin, or its lowest `Programming Language :: Python :: 3.N` classifier."""
    floors: list[tuple[int, int]] = []
    for data in files:
        text = data.decode("utf-8", "replace")
        for line in text.splitlines():
            stripped = line.strip().strip("\"',")
            if stripped.startswith(("requires-python", "python_requires")):
                version = _floor(stripped.partition("=")[2])
                if version:
                    floors.append(version)
            elif stripped.startswith("Programming Language :: Python :: 3."):
                version = _version(stripped.rpartition("::")[2].strip())
                if version:
                    floors.append(version)
        first = text.strip().splitlines()[0] if text.strip() else ""
        if "\n" not in text.strip() and first[:1].isdigit():  # a .python-version pin
            version = _version(first.strip())
            if version:
                floors.append(version)
    return min(floors) if floors else None


def _floor(spec: str) -> tuple[int, int] | None:
    """The lowest version a specifier such as ">=3.12,<4" or "~=3.12" allows."""
    for part in spec.strip().strip("\"'").split(","):
        part = part.strip()
        for op in (">=", "~=", "==", ">"):
            if part.startswith(op):
                return _version(part[len(op):].strip().rstrip(".*"))
    return None


def _version(text: str) -> tuple[int, int] | None:
    parts = text.split(".")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return int(parts[0]), int(parts[1])
