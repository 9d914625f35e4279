"""`hookman install`, `uninstall` and `status`: shims in the folder git really reads.

Someone else's hook found in place is renamed `<type>.hookman-prev` (mode and bytes kept) and
run first by our hook; uninstall puts it back. A core.hooksPath that points elsewhere (husky's
`.husky/_`, a team folder) is refused unless asked for explicitly.
"""

from __future__ import annotations

import os
import sys

from hooks_manager import proc, shims
from hooks_manager.chain import previous_path
from hooks_manager.config import HOOK_TYPES
from hooks_manager.errors import GitError, HookmanError


class Location:
    """Where hooks live for this repository, and why."""

    __slots__ = ("default_dir", "hooks_dir", "hooks_path", "root")

    def __init__(self, root: str, hooks_dir: str, default_dir: str,
                 hooks_path: tuple[str, str, str] | None) -> None:
        self.root = root  # the work tree (a linked worktree's own folder)
        self.hooks_dir = hooks_dir  # the folder git runs hooks from
        self.default_dir = default_dir  # <common git dir>/hooks
        self.hooks_path = hooks_path  # (value, scope, origin) of core.hooksPath, if set

    @property
    def redirected(self) -> bool:
        """core.hooksPath sends git to another folder than the default one."""
        return not _same_dir(self.hooks_dir, self.default_dir)


def _same_dir(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def locate(cwd: str) -> Location:
    """Ask git (from any subfolder or linked worktree) where it reads hooks."""
    result = proc.run(["git", "rev-parse", "--path-format=absolute", "--show-toplevel",
                       "--git-path", "hooks", "--git-common-dir"], cwd)
    lines = result.out.decode().splitlines()
    if result.code or len(lines) != 3:
        said = result.err.decode(errors="replace").strip()
        raise GitError(f"{cwd} is not inside a git work tree ({said or 'git rev-parse failed'})",
                       hint="run hookman install from inside the clone")
    root, hooks_dir, common = lines
    return Location(root, hooks_dir, os.path.join(common, "hooks"), _hooks_path_setting(root))


def _hooks_path_setting(root: str) -> tuple[str, str, str] | None:
    result = proc.run(["git", "config", "--show-scope", "--show-origin", "--get",
                       "core.hooksPath"], root)
    if result.code:
        return None
    scope, origin, value = result.out.decode().rstrip("\n").split("\t", 2)
    return value, scope, origin


# --- one hook file -----------------------------------------------------------------------------


class HookState:
    """What sits at `<hooks>/<type>` and beside it."""

    __slots__ = ("data", "hook_type", "kind", "path", "previous", "python", "version")

    def __init__(self, hooks_dir: str, hook_type: str) -> None:
        self.hook_type = hook_type
        self.path = os.path.join(hooks_dir, hook_type)
        prev = previous_path(hooks_dir, hook_type)
        self.previous = prev if os.path.lexists(prev) else None
        self.data = shims.read_head(self.path)
        self.version = shims.shim_version(self.data) if self.data is not None else None
        self.python = shims.shim_python(self.data) if self.version is not None and \
            self.data is not None else None
        if not os.path.lexists(self.path):
            self.kind = "none"
        elif self.version is not None:
            self.kind = "hookman"
        elif self.data is None and os.path.islink(self.path):
            self.kind = "dangling"
        else:
            self.kind = "foreign"

    def stale(self) -> str | None:
        """Why our shim should be rewritten (older template, lost exec bit), or None."""
        if self.version is None or self.data is None:
            return None
        if not os.access(self.path, os.X_OK):
            return "not executable, so git ignores it"
        if self.version < shims.SHIM_VERSION:
            return f"older shim v{self.version}"
        if self.version > shims.SHIM_VERSION:
            return f"shim v{self.version} is newer than this hookman (v{shims.SHIM_VERSION})"
        fresh = shims.render(self.hook_type, self.python or sys.executable)
        return None if self.data == fresh.encode() else "differs from the current template"


# --- install -----------------------------------------------------------------------------------


def refuse_redirect(location: Location) -> HookmanError:
    value, scope, origin = location.hooks_path or ("?", "?", "?")
    unset = f"git config --{scope} --unset core.hooksPath" if scope in (
        "local", "global", "system", "worktree") else "git config --unset core.hooksPath"
    husky = os.path.basename(location.hooks_dir) == "_" and \
        os.path.basename(os.path.dirname(location.hooks_dir)) == ".husky"
    choices = [
        f"`hookman install --hooks-path` installs into {location.hooks_dir} and runs the "
        "hooks already there first",
        f"or `{unset}`, then `hookman install` (git then reads {location.default_dir})",
    ]
    if husky:
        choices.append("or, with husky, add `hookman hook pre-commit` (and pre-push) lines to "
                       ".husky/pre-commit and .husky/pre-push: husky rewrites .husky/_ on "
                       "every npm install")
    return HookmanError(
        f"core.hooksPath is set to {value!r} ({scope} config, {origin}), so git runs hooks "
        f"from {location.hooks_dir}, not {location.default_dir}; not installing there "
        "without being asked", hint="\n  ".join(choices))


def install(cwd: str, *, into_hooks_path: bool = False,
            python: str | None = None) -> tuple[Location, list[str]]:
    """Write (or refresh) the three shims; returns the location and one line per hook."""
    location = locate(cwd)
    if location.redirected and not into_hooks_path:
        raise refuse_redirect(location)
    python = python or sys.executable
    os.makedirs(location.hooks_dir, exist_ok=True)
    states = [HookState(location.hooks_dir, t) for t in HOOK_TYPES]
    for state in states:  # every check before the first change: all or nothing
        if state.kind in ("foreign", "dangling") and state.previous is not None:
            raise HookmanError(
                f"{state.path} is not hookman's, and {state.previous} already holds a hook "
                "kept by an earlier install", hint="move one of the two away (keep what you "
                "need), then run hookman install again")
    return location, [_install_one(state, python) for state in states]


def _install_one(state: HookState, python: str) -> str:
    fresh = shims.render(state.hook_type, python)
    name = f"{state.hook_type:<17}"
    if state.kind == "hookman":
        if state.data == fresh.encode() and os.access(state.path, os.X_OK):
            return f"{name}up to date"
        why = state.stale() or "was written for another interpreter"
        shims.write_shim(state.path, fresh)
        return f"{name}refreshed ({why})"
    kept = ""
    if state.kind in ("foreign", "dangling"):
        os.rename(state.path, state.path + ".hookman-prev")  # same folder: bytes, mode, links
        what = "a dangling symlink" if state.kind == "dangling" else "your hook"
        kept = f" (kept {what} as {state.hook_type}.hookman-prev; it runs first)"
    elif state.previous is not None:
        kept = f" (chains {os.path.basename(state.previous)}, kept earlier)"
    shims.write_shim(state.path, fresh)
    return f"{name}installed{kept}"


# --- uninstall ---------------------------------------------------------------------------------


def uninstall(cwd: str) -> tuple[Location, list[str]]:
    """Remove hookman's shims (marker checked) from the folder git reads and from the default
    folder, and put back the hooks they replaced, byte for byte with their mode."""
    location = locate(cwd)
    folders = [location.hooks_dir]
    if location.redirected:
        folders.append(location.default_dir)
    lines = []
    for folder in folders:
        for hook_type in HOOK_TYPES:
            line = _uninstall_one(HookState(folder, hook_type))
            if line:
                lines.append(f"{os.path.join(folder, hook_type)}: {line}")
    return location, lines


def _uninstall_one(state: HookState) -> str | None:
    if state.kind in ("foreign", "dangling"):
        if state.previous is not None:
            return (f"not hookman's, left alone; {os.path.basename(state.previous)} left "
                    "beside it too")
        return None  # someone else's hook, and nothing of ours: not our business
    removed = state.kind == "hookman"
    if removed:
        os.unlink(state.path)
    if state.previous is not None:
        os.rename(state.previous, state.path)
        return "removed; the hook it replaced is back" if removed else "previous hook restored"
    return "removed" if removed else None


# --- status ------------------------------------------------------------------------------------


def status(cwd: str) -> tuple[list[str], bool]:
    """One line per hook (installed? whose? chained? stale? which interpreter?) and whether
    all three are hookman's current shims."""
    import shutil

    location = locate(cwd)
    lines = [f"hooks folder: {location.hooks_dir}" + _redirect_note(location)]
    healthy = True
    for hook_type in HOOK_TYPES:
        state = HookState(location.hooks_dir, hook_type)
        line, ok = _status_line(state)
        lines.append(f"  {hook_type:<17}{line}")
        healthy = healthy and ok
    on_path = shutil.which("hookman")
    lines.append(f"fallback: hookman on PATH is {on_path or 'not found'}")
    if location.redirected:
        left = [t for t in HOOK_TYPES if HookState(location.default_dir, t).kind == "hookman"]
        if left:
            lines.append(f"note: hookman shims in {location.default_dir} ({', '.join(left)}) "
                         "are not run by git while core.hooksPath points elsewhere")
    return lines, healthy


def can_import_hookman(python: str) -> bool:
    """Whether the shim's interpreter still has hookman (a rebuilt venv may not)."""
    from hooks_manager import proc

    try:
        return proc.run([python, "-P", "-c", "import hooks_manager"], os.getcwd()).code == 0
    except HookmanError:
        return False


def _redirect_note(location: Location) -> str:
    if location.hooks_path is None or not location.redirected:
        return ""
    value, scope, origin = location.hooks_path
    return f" (core.hooksPath = {value!r}, {scope} config, {origin})"


def _status_line(state: HookState) -> tuple[str, bool]:
    if state.kind == "none":
        chained = f"; {os.path.basename(state.previous)} is waiting" if state.previous else ""
        return f"not installed{chained}", False
    if state.kind != "hookman":
        whose = "a dangling symlink" if state.kind == "dangling" else "someone else's hook"
        return f"{whose}; not hookman's (hookman install keeps it and chains it)", False
    parts = [f"hookman's (shim v{state.version})"]
    stale = state.stale()
    if stale:
        parts.append(f"stale: {stale} (hookman install refreshes it)")
    python = state.python or "?"
    exists = os.access(python, os.X_OK) and can_import_hookman(python)
    parts.append(f"runs {python}" + ("" if exists else
                                     " (missing, or has no hookman! falls back to PATH)"))
    if state.previous:
        usable = os.access(state.previous, os.X_OK)
        parts.append(f"chains {os.path.basename(state.previous)}"
                     + ("" if usable else " (not executable: skipped)"))
    return "; ".join(parts), not stale and exists


# --- what install found, and what it asks ------------------------------------------------------


def install_command(cwd: str, *, into_hooks_path: bool, assume_yes: bool) -> int:
    """`hookman install`: the shims, then what hook runs will find; at a terminal (and without
    --yes or CI) it asks only what it could not detect."""
    location, lines = install(cwd, into_hooks_path=into_hooks_path)
    say(f"hookman: hooks folder {location.hooks_dir}" + _redirect_note(location))
    for line in lines:
        say(f"  {line}")
    say(f"hookman: hooks run {sys.executable}")
    for line in describe_projects(location.root, assume_yes):
        say(line)
    say(configure_tests(location.root, assume_yes))
    return 0


def say(message: str) -> None:
    print(message, flush=True)


def describe_projects(root: str, assume_yes: bool = True) -> list[str]:
    from hooks_manager.entries import describe

    return describe(root, assume_yes)


def configure_tests(root: str, assume_yes: bool) -> str:
    """The test command pre-push will run: [tool.hookman] test_command, else detected, else
    asked (terminal only). An answer is written to pyproject.toml only by appending a new
    [tool.hookman] table to an existing file that has none."""
    from hooks_manager.testrun import detect_test_command
    from hooks_manager.workspace import load_workspace

    try:
        settings = load_workspace(root, projects=False).settings
    except HookmanError:
        return "hookman: tests before push: unknown until pyproject.toml reads cleanly"
    if settings.test_command is not None:
        return f"hookman: tests before push: {settings.test_command or 'none'} " \
               "([tool.hookman] test_command)"
    detected = detect_test_command(root)
    if detected:
        return _confirm_detected(root, detected, assume_yes)
    answer = _ask_test_command(assume_yes)
    if not answer:
        return ("hookman: tests before push: none (no pytest setup found; set test_command in "
                "[tool.hookman] to run one)")
    return f"hookman: tests before push: {answer} — " + remember_test_command(root, answer)


def _confirm_detected(root: str, detected: str, assume_yes: bool) -> str:
    """Say what the detected suite is and how big; a whole-repository suite is asked about
    at a terminal (Prefect's would run every test on every push) and the answer kept."""
    from hooks_manager.testrun import describe_suite

    suite = describe_suite(root)
    line = f"hookman: tests before push: {detected} (detected a pytest setup; " \
           f"{suite.describe()})"
    if not suite.whole_repository or assume_yes:
        return line
    from hooks_manager.prompts import open_prompter

    prompter = open_prompter()
    if not prompter.interactive:
        return line + "; set test_command in [tool.hookman] to narrow it, or to \"\" for none"
    print(line, flush=True)
    answer = prompter.text(f"pytest would collect the whole repository ({suite.test_files} "
                           "test files) before every push. Command to run instead (empty for "
                           "none):", default=detected)
    answer = (answer or "").strip()
    said = answer or "none"
    return f"hookman: tests before push: {said} — " + remember_test_command(root, answer)


def _ask_test_command(assume_yes: bool) -> str:
    from hooks_manager.prompts import open_prompter

    if assume_yes:
        return ""
    prompter = open_prompter()
    if not prompter.interactive:
        return ""
    answer = prompter.text("No pytest setup found. Command that runs your tests before a push "
                           "(empty for none):", default="")
    return (answer or "").strip()


def remember_test_command(root: str, command: str) -> str:
    """Append `[tool.hookman] test_command = ...` to pyproject.toml when that is safe (the file
    exists, parses, and has no [tool.hookman] yet); never rewrite a byte already there."""
    import json
    import tomllib

    path = os.path.join(root, "pyproject.toml")
    line = f"test_command = {json.dumps(command, ensure_ascii=False)}"
    by_hand = f"add to [tool.hookman] in pyproject.toml: {line}"
    if os.path.islink(path):
        return by_hand  # replacing the file would turn the link into a copy
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        parsed = tomllib.loads(data.decode())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return by_hand
    tool = parsed.get("tool")
    if isinstance(tool, dict) and "hookman" in tool:
        return by_hand
    sep = b"" if data.endswith(b"\n") or not data else b"\n"
    new = data + sep + f"\n[tool.hookman]\n{line}\n".encode()
    if tomllib.loads(new.decode()).get("tool", {}).get("hookman") != {"test_command": command}:
        return by_hand
    _replace_bytes(path, new)
    return "written to a new [tool.hookman] table at the end of pyproject.toml"


def _replace_bytes(path: str, data: bytes) -> None:
    import tempfile

    mode = os.stat(path).st_mode & 0o7777
    fd, temp = tempfile.mkstemp(prefix=".pyproject-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.lexists(temp):
            os.unlink(temp)
        raise
