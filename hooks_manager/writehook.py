"""Add hookman to an alembic.ini's [post_write_hooks], so `alembic revision` and `alembic merge`
rewrite the head file themselves.

The edit only adds bytes: `, hookman` at the end of an existing `hooks =` line, or new lines
at the end of the section (a new section at the end of the file when there is none). Nothing
already there is moved, reflowed or re-serialised (configparser would drop every comment).
The result is parsed again and must read exactly as before plus hookman's keys; otherwise
the file is left alone and the lines to add by hand are printed.

`type = exec` with `executable = hookman`: alembic runs the `hookman` found on PATH (the one
in the activated virtualenv), and the committed file holds no machine path.
"""

from __future__ import annotations

import configparser
import os
import re

from hooks_manager.entries import write_atomic

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hooks_manager.prompts import Prompter

NAME = "hookman"
KEYS = {
    "type": "exec",
    "executable": "hookman",
    "options": "heads --write --revision-file REVISION_SCRIPT_FILENAME",
}
_SECTION = re.compile(rb"^\[([^\]\r\n]+)\][ \t]*\r?$", re.M)
_HOOKS_LINE = re.compile(rb"^hooks[ \t]*[=:][^\r\n]*", re.M)
_SPLIT = re.compile(r", *|(?: +)")  # alembic's own split of the `hooks` value


def by_hand(data: bytes | None = None, ini: str = "alembic.ini") -> str:
    """Where to put the lines and the lines, pasteable exactly as printed: no remark on a value
    line (alembic would read it as part of the value), and no second [post_write_hooks] header
    when the file has one (configparser refuses a duplicate section; `alembic init` writes the
    section with commented examples)."""
    keys = "\n".join(f"{NAME}.{k} = {v}" for k, v in KEYS.items())
    parser = None
    if data is not None:
        try:
            parser = _parse(data.removeprefix(b"\xef\xbb\xbf").decode())
        except (configparser.Error, UnicodeDecodeError):
            parser = None
    if parser is None:
        return ("add these lines (the # lines are comments and may stay):\n"
                "# if the file already has a [post_write_hooks] section, put the lines below "
                "its header and leave out the [post_write_hooks] line\n"
                "# if that section has a hooks = line, add hookman to its list instead of the "
                "hooks = hookman line\n"
                f"[post_write_hooks]\nhooks = {NAME}\n{keys}")
    if not parser.has_section("post_write_hooks"):
        return (f"{ini} has no [post_write_hooks] section: add these lines at the end of "
                f"the file:\n[post_write_hooks]\nhooks = {NAME}\n{keys}")
    existing = parser.get("post_write_hooks", "hooks", raw=True, fallback=None)
    if existing is None:
        return (f"{ini} has a [post_write_hooks] section already (do not add a second one): "
                "put these lines on the lines right under its [post_write_hooks] header:\n"
                f"hooks = {NAME}\n{keys}")
    listed = ", ".join(n for n in _SPLIT.split(existing) if n)
    return (f"{ini} has a [post_write_hooks] section with hooks = {listed} already: end that "
            f"line with , {NAME} (hooks = {listed}, {NAME}), then put these lines on the lines "
            f"right under the [post_write_hooks] header:\n{keys}")


def _parse(text: str) -> configparser.ConfigParser:
    # alembic reads the file with plain ConfigParser (interpolation on, `here` in defaults).
    parser = configparser.ConfigParser(defaults={"here": ""})
    parser.read_string(text)
    return parser


def _hooks(parser: configparser.ConfigParser) -> list[str]:
    if not parser.has_section("post_write_hooks"):
        return []
    value = parser.get("post_write_hooks", "hooks", raw=True, fallback="")
    return [name for name in _SPLIT.split(value) if name]


def add_hook(data: bytes) -> bytes | None:
    """The new bytes of the .ini, or None when hookman is already there. Raises ValueError
    (with the reason) when the edit cannot be made safely."""
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    text = data[len(bom):]
    try:
        before = _parse(text.decode())
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ValueError(f"it does not parse ({' '.join(str(exc).split())})") from exc
    if NAME in _hooks(before):
        return None
    nl = b"\r\n" if b"\r\n" in text else b"\n"
    keys = nl.join(f"{NAME}.{k} = {v}".encode() for k, v in KEYS.items()) + nl
    sections = list(_SECTION.finditer(text))
    ours = next((m for m in sections if m.group(1) == b"post_write_hooks"), None)
    if ours is None:
        sep = b"" if not text or text.endswith(b"\n") else nl
        new = text + sep + nl + b"[post_write_hooks]" + nl + b"hooks = " + NAME.encode() \
            + nl + keys
    else:
        following = next((m.start() for m in sections if m.start() > ours.start()), len(text))
        body = text[ours.end():following]
        hooks = _HOOKS_LINE.search(body)
        end = _end_of_content(text, ours.end(), following)
        addition = keys
        if hooks is None:
            addition = b"hooks = " + NAME.encode() + nl + keys
        new = text[:end] + _newline_if_needed(text, end, nl) + addition + text[end:]
        if hooks is not None:
            at = ours.end() + hooks.end()
            line = text[ours.end() + hooks.start():at].rstrip()
            joiner = b", " if not line.rstrip().endswith((b"=", b":")) else b" "
            stripped = at - (len(text[ours.end() + hooks.start():at]) - len(line))
            new = (new[:stripped] + joiner + NAME.encode() + new[stripped:])
    after = _parse(new.decode())
    _verify(before, after)
    return bom + new


def _end_of_content(text: bytes, start: int, stop: int) -> int:
    """Just after the last non-blank, non-comment line of a section: new keys go there, so a
    comment block that introduces the next section stays with it."""
    end = start
    pos = start
    while pos < stop:
        nl = text.find(b"\n", pos, stop)
        line_end = stop if nl == -1 else nl + 1
        line = text[pos:line_end].strip()
        if line and not line.startswith((b"#", b";")):
            end = line_end
        pos = line_end
    if end == start:  # only comments: after the header line
        nl = text.find(b"\n", start)
        end = len(text) if nl == -1 else nl + 1
    return end


def _newline_if_needed(text: bytes, end: int, nl: bytes) -> bytes:
    return b"" if end == 0 or text[end - 1:end] == b"\n" else nl


def _verify(before: configparser.ConfigParser, after: configparser.ConfigParser) -> None:
    """Every section and key reads as before, hookman's keys are exactly KEYS, and alembic's
    split of `hooks` is the old list plus hookman."""
    old_hooks = _hooks(before)
    if _hooks(after) != [*old_hooks, NAME]:
        raise ValueError("the edited `hooks` line would not read as the old list plus hookman")
    for section in before.sections():
        for key, value in before.items(section, raw=True):
            if after.get(section, key, raw=True, fallback=None) != value and key != "hooks":
                raise ValueError(f"the edit would change [{section}] {key}")
    added = {k.removeprefix(NAME + "."): v for k, v in after.items("post_write_hooks", raw=True)
             if k.startswith(NAME + ".")}
    if added != KEYS:
        raise ValueError("the new hookman keys would not read back as written")
    if set(after.sections()) - set(before.sections()) - {"post_write_hooks"}:
        raise ValueError("the edit would add an unexpected section")


# --- at `hookman install` ----------------------------------------------------------------------


def head_file_setup(root: str, assume_yes: bool) -> list[str]:
    """The install step for the head file: ask to turn it on (terminal only; default no: every
    branch that adds a migration then conflicts with the next one that lands), write the
    files, and offer the post_write_hooks line. Without a terminal: say how, change nothing."""
    from hooks_manager.errors import HookmanError
    from hooks_manager.headfile import path_for, read_worktree
    from hooks_manager.prompts import NonInteractive, open_prompter

    try:
        from hooks_manager.workspace import load_workspace

        ws = load_workspace(root)
        settings, projects = ws.settings, ws.require_projects()
    except HookmanError:
        return []  # already said by describe_projects
    prompter = NonInteractive() if assume_yes else open_prompter()
    lines = []
    if not settings.head_file:
        answer = prompter.interactive and prompter.confirm(
            "Track each history's head in alembic_heads.txt, so that a fork shows up as a git "
            "merge conflict (in every merge button too)?", False)
        if not answer:
            return ["hookman: head file: off (head_file = true in [tool.hookman] turns it on; "
                    "then hookman install again)"]
        said = enable_in_pyproject(root)
        lines.append(f"hookman: head file: {said}")
        if not said.startswith("on"):
            return lines
    for project in projects:
        path = path_for(project.script_location)
        shown = path.removeprefix(root.rstrip("/") + "/")
        if read_worktree(path) is None:
            from hooks_manager.check import check_project
            from hooks_manager.headfile import expected_heads, write
            from hooks_manager.sources import WorkTree

            write(path, expected_heads(check_project(project, WorkTree(root), settings).verdict))
            lines.append(f"hookman: wrote {shown}: commit it (git add {shown})")
        lines.append(_offer_hook(project.config_path, prompter))
    return lines


def _offer_hook(ini: str | None, prompter: Prompter) -> str:
    if ini is None:
        return ("hookman: [tool.alembic] projects: add hookman to its post_write_hooks by hand "
                "so alembic revision keeps the head file current:\n" + by_hand())
    with open(ini, "rb") as handle:
        data = handle.read()
    try:
        new = add_hook(data)
    except ValueError as exc:
        return f"hookman: {ini}: not edited ({exc}); by hand: {by_hand(data, ini)}"
    if new is None:
        return f"hookman: {ini} runs hookman after alembic revision and alembic merge"
    answer = prompter.interactive and prompter.confirm(
        f"Add hookman to [post_write_hooks] in {ini}, so alembic revision and alembic merge "
        "keep the head file current?", True)
    if not answer:
        return (f"hookman: {ini}: post_write_hooks not changed; without it run "
                f"`hookman heads --write` after alembic revision; or by hand: "
                f"{by_hand(data, ini)}")
    write_atomic(ini, new)
    return f"hookman: {ini}: added hookman to [post_write_hooks] (lines added, none changed)"


def enable_in_pyproject(root: str) -> str:
    """Write `head_file = true` into pyproject.toml by adding one line (after the
    `[tool.hookman]` header, or a new table at the end); re-parsed before the file is
    replaced. "on ..." when written, else what to add by hand."""
    import tomllib

    path = os.path.join(root, "pyproject.toml")
    by_hand_line = "add `head_file = true` under [tool.hookman] in pyproject.toml"
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        before = tomllib.loads(data.decode())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return f"not written: {by_hand_line}"
    nl = b"\r\n" if b"\r\n" in data else b"\n"
    headers = list(re.finditer(rb"^\[tool\.hookman\][ \t]*\r?\n", data, re.M))
    if len(headers) == 1:
        at = headers[0].end()
        new = data[:at] + b"head_file = true" + nl + data[at:]
    elif not headers and "hookman" not in before.get("tool", {}):
        sep = b"" if not data or data.endswith(b"\n") else nl
        new = data + sep + nl + b"[tool.hookman]" + nl + b"head_file = true" + nl
    else:
        return f"not written: {by_hand_line}"
    try:
        after = tomllib.loads(new.decode())
    except tomllib.TOMLDecodeError:
        return f"not written: {by_hand_line}"
    expected = dict(before)
    tool = dict(expected.get("tool", {}))
    tool["hookman"] = {**tool.get("hookman", {}), "head_file": True}
    expected["tool"] = tool
    if after != expected:
        return f"not written: {by_hand_line}"
    write_atomic(path, new)
    return "on (head_file = true written to pyproject.toml)"
