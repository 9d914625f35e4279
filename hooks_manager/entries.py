"""What `hookman install` found with no configuration, and writing it down when it guessed.

Once any [[tool.hookman.projects]] entry exists, configuration wins and discovery stops, so the
entries written are all the projects found (the certain ones too), never a part of them. They
go to the end of pyproject.toml when the repository has one (appended, never a byte rewritten,
checked by parsing the result), else to a `.hookman.toml` of their own: a repository without a
pyproject.toml (4 of the 27 real projects replayed) should not gain one just for hookman, and
packaging tools read pyproject.toml.
"""

from __future__ import annotations

import json
import os

from hooks_manager.config import Project
from hooks_manager.workspace import Workspace


class Found:
    """One project as install describes and may write it."""

    __slots__ = ("entry", "lines", "project")

    def __init__(self, project: Project, lines: list[str],
                 entry: dict[str, object] | None) -> None:
        self.project = project
        self.lines = lines  # what to say about it
        self.entry = entry  # the [[tool.hookman.projects]] table, None if it cannot be written


def survey(ws: Workspace) -> tuple[list[Found], bool]:
    """Each project with what to say about it, and whether any of it was a guess."""
    found: list[Found] = []
    guessed = False
    for project in ws.projects:
        rel = _rel_path(ws, project.config_path or project.toml_path)
        key = "config" if project.config_path else "toml"
        if project.error is not None:
            message, fix = project.error
            found.append(Found(project, [f"{rel}: not understood: {message}", f"fix: {fix}"],
                               None))
            guessed = True
            continue
        where = ", ".join(_rel_path(ws, loc) for loc in project.locations)
        how = "found with no configuration" if project.found == "discovered" else ""
        lines = [f"alembic project {project.name}: {where}" + (f" ({how})" if how else "")]
        lines += [f"  {note}" for note in project.notes]
        guessed = guessed or project.found == "discovered" or bool(project.notes)
        below = ws.source.revision_folders_below(project.locations) \
            if not project.recursive else []
        if below and not _has_revisions(ws, project):
            guessed = True
            lines.append(f"  {where} holds no revision, but {', '.join(below)} do (picked in "
                         "code): each is checked as its own history once written down")
            for folder in below:
                sub: dict[str, object] = {"name": folder.rpartition("/")[2], key: rel,
                                          "version_locations": [folder]}
                found.append(Found(project, [], sub))
            found.insert(len(found) - len(below), Found(project, lines, None))
            continue
        entry: dict[str, object] = {"name": project.name, key: rel}
        if project.section != "alembic":
            entry["section"] = project.section
        found.append(Found(project, lines, entry))
    return found, guessed


def _has_revisions(ws: Workspace, project: Project) -> bool:
    files, _ = ws.source.files(project.locations, project.recursive)
    return bool(files)


def _rel_path(ws: Workspace, path: str | None) -> str:
    rel = os.path.relpath(path or ws.root, ws.root)
    return "." if rel == "." else rel.replace(os.sep, "/")


def render_entries(entries: list[dict[str, object]], in_pyproject: bool) -> str:
    header = "[[tool.hookman.projects]]" if in_pyproject else "[[projects]]"
    blocks = []
    for entry in entries:
        lines = [header]
        for key, value in entry.items():
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def write_entries(root: str, entries: list[dict[str, object]]) -> str:
    """Append the entries; returns what was done (or what to do by hand)."""
    import tomllib

    pyproject = os.path.join(root, "pyproject.toml")
    in_pyproject = os.path.isfile(pyproject)
    path = pyproject if in_pyproject else os.path.join(root, ".hookman.toml")
    text = render_entries(entries, in_pyproject)
    by_hand = f"add to {os.path.basename(path)} by hand:\n{text}"
    if os.path.islink(path):
        return by_hand  # replacing the file would turn the link into a copy
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        data = b""
    except OSError:
        return by_hand
    sep = b"" if data.endswith(b"\n") or not data else b"\n"
    new = data + sep + (b"\n" if data else b"") + text.encode()
    try:
        parsed = tomllib.loads(new.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return by_hand
    written = parsed.get("tool", {}).get("hookman", {}) if in_pyproject else parsed
    if not isinstance(written, dict) or written.get("projects") != entries:
        return by_hand  # the file already says something that would change their meaning
    write_atomic(path, new)
    return (f"written to {os.path.basename(path)} ({len(entries)} "
            f"[[{'tool.hookman.' if in_pyproject else ''}projects]] entries); commit it so "
            "every clone, CI and the server check the same histories")


def write_atomic(path: str, data: bytes) -> None:
    """A new file, or the old one replaced whole (its mode kept): never half written."""
    import tempfile

    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    fd, temp = tempfile.mkstemp(prefix=".hookman-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.lexists(temp):
            os.unlink(temp)
        raise


def describe(root: str, assume_yes: bool) -> list[str]:
    """install's lines about the projects; when it guessed, the entries are offered (written
    with --yes or a yes at the terminal; shown, not written, with nobody to ask)."""
    from hooks_manager.errors import HookmanError
    from hooks_manager.workspace import load_workspace

    try:
        ws = load_workspace(root)
        ws.require_projects()
        found, guessed = survey(ws)
    except HookmanError as exc:
        if ws_missing(exc):
            return [f"hookman: no alembic project yet ({exc.message}); the hooks will check "
                    "nothing until there is one"]
        return [f"hookman: warning: {exc.message}; hooks will stop commits until this is "
                "fixed (see hookman doctor)"]
    lines = [f"hookman: {line}" if not line.startswith("  ") else line
             for item in found for line in item.lines]
    entries = [item.entry for item in found if item.entry is not None]
    if not guessed or not entries:
        return lines
    where = "pyproject.toml" if os.path.isfile(os.path.join(root, "pyproject.toml")) \
        else ".hookman.toml"
    for line in lines:
        print(line, flush=True)  # the question below needs them on screen first
    if not assume_yes:
        from hooks_manager.prompts import open_prompter

        prompter = open_prompter()
        if not prompter.interactive:
            return [f"hookman: these were guessed; to write them down, run `hookman install "
                    f"--yes`, or add to {where}:", render_entries(entries, where != ".hookman.toml"
                                                                  ).rstrip("\n")]
        if not prompter.confirm(f"Write these {len(entries)} project entries to {where}?",
                                default=True):
            return ["hookman: not written; discovery runs on every hook instead"]
    return ["hookman: projects " + write_entries(root, entries)]


def ws_missing(exc: Exception) -> bool:
    from hooks_manager.errors import NoConfigError

    return isinstance(exc, NoConfigError)
