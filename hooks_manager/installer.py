"""`hookman install`, `uninstall` and `status`: shims in the folder git really reads.

Someone else's hook found in place is renamed `<type>.hookman-prev` (mode and bytes kept) and
run first by our hook; uninstall puts it back. A core.hooksPath that points elsewhere (husky's
`.husky/_`, a team folder) is refused unless asked for explicitly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from hooks_manager import repo, shims
from hooks_manager.chain import previous_path
from hooks_manager.config import HOOK_TYPES
from hooks_manager.errors import HookmanError


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
    root, hooks_dir, common = repo.hook_locations(cwd)
    return Location(root, hooks_dir, os.path.join(common, "hooks"), _hooks_path_setting(root))


def _hooks_path_setting(root: str) -> tuple[str, str, str] | None:
    return repo.config_origin(root, "core.hooksPath")


LEGACY_SUFFIX = ".legacy"  # pre-commit (the framework) keeps a replaced hook under this name


# --- one hook file -----------------------------------------------------------------------------


class HookState:
    """What sits at `<hooks>/<type>` and beside it."""

    __slots__ = ("data", "hook_type", "kind", "legacy", "legacy_python", "path", "previous",
                 "python", "version")

    def __init__(self, hooks_dir: str, hook_type: str) -> None:
        self.hook_type = hook_type
        self.path = os.path.join(hooks_dir, hook_type)
        prev = previous_path(hooks_dir, hook_type)
        self.previous = prev if os.path.lexists(prev) else None
        self.data = shims.read_head(self.path)
        self.version = shims.shim_version(self.data) if self.data is not None else None
        self.python = shims.shim_python(self.data) if self.version is not None and \
            self.data is not None else None
        # pre-commit's `install` over our shim renames it `<type>.legacy` and runs it from its
        # own hook ("migration mode"): still ours, to refresh, remove or report.
        legacy = self.path + LEGACY_SUFFIX
        legacy_data = shims.read_head(legacy) if os.path.isfile(legacy) else None
        ours = legacy_data is not None and shims.shim_version(legacy_data) is not None
        self.legacy = legacy if ours else None
        self.legacy_python = shims.shim_python(legacy_data) if ours and legacy_data else None
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
        python = self.python or sys.executable
        # Only the interpreter that wrote INSTALL_PATH knows where its hooks_manager lives: a
        # status run by another hookman (pipx beside a venv, python3 beside python) keeps the
        # shim's own value rather than calling every shim stale for a setting it cannot judge.
        folder = None if shims.same_interpreter(python, sys.executable) else \
            shims.shim_setting(self.data, "INSTALL_PATH")
        fresh = shims.render(self.hook_type, python, install_folder=folder)
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
    ensure_hooks_folder(location.hooks_dir)
    states = [HookState(location.hooks_dir, t) for t in HOOK_TYPES]
    for state in states:  # every check before the first change: all or nothing
        if state.kind in ("foreign", "dangling") and state.previous is not None:
            raise HookmanError(
                f"{state.path} is not hookman's, and {state.previous} already holds a hook "
                "kept by an earlier install", hint="move one of the two away (keep what you "
                "need), then run hookman install again")
    return location, [_install_one(state, python) for state in states]


def ensure_hooks_folder(path: str) -> None:
    """The hooks folder, created if missing; a clear refusal when something else is there (a
    file named `hooks`, a dangling link), since hooks cannot be written into it."""
    if os.path.isdir(path):
        return
    if os.path.lexists(path):
        what = "a dangling symlink" if os.path.islink(path) else "a file, not a folder"
        raise HookmanError(f"{path} is {what}, so no hook can be installed in it",
                           hint="move it away (keep what you need), then run hookman install "
                                "again")
    try:
        os.makedirs(path)
    except OSError as exc:
        raise HookmanError(f"cannot create the hooks folder {path}: {exc.strerror}",
                           hint="fix the folder's permissions, then run hookman install again"
                           ) from exc


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
    if state.legacy is not None and state.kind == "foreign":
        # pre-commit runs `<type>.legacy` (our older shim) from the hook about to be chained:
        # kept, hookman would run twice per commit. Our own file: removing it loses nothing.
        os.unlink(state.legacy)
        kept = f" (removed hookman's old shim {os.path.basename(state.legacy)} that it ran)"
    if state.kind in ("foreign", "dangling"):
        os.rename(state.path, state.path + ".hookman-prev")  # same folder: bytes, mode, links
        what = "a dangling symlink" if state.kind == "dangling" else "your hook"
        kept += f" (kept {what} as {state.hook_type}.hookman-prev; it runs first)"
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
    if state.legacy is not None and state.kind == "foreign":
        # pre-commit would go on running our shim as `<type>.legacy`, and `pre-commit
        # uninstall` would even put it back in place: it goes with the rest of hookman.
        os.unlink(state.legacy)
        return (f"not hookman's, left alone; removed hookman's shim kept beside it as "
                f"{os.path.basename(state.legacy)} (pre-commit's migration mode ran it)")
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


# The distribution's metadata folder (pyproject.toml's name, normalised as pip writes it).
DIST_INFO = "alembic_hookman-*.dist-info"


def interpreter_has_hookman(python: str) -> tuple[bool | None, str]:
    """Whether the shim's interpreter still has hookman (a rebuilt venv may not), judged from
    files only: (True/False, why), or (None, why) when files cannot tell.

    Never by running it. The name comes from a file in the hooks folder, and with a tracked
    hooks folder (core.hooksPath) that file is the repository's: running "its interpreter"
    from `status` or `doctor` would run code any clone could plant."""
    import glob

    if not os.path.isabs(python):
        return False, "not an absolute path (hookman install always writes one)"
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return False, "missing or not executable"
    if os.path.abspath(python) == os.path.abspath(sys.executable):
        return True, "the interpreter this hookman runs from"
    prefix = os.path.dirname(os.path.dirname(os.path.abspath(python)))
    if os.path.abspath(prefix) == os.path.abspath(sys.prefix):
        return True, "the environment this hookman runs from"
    found = [path for pattern in ("lib/python3*/site-packages", "lib/python3*/dist-packages",
                                  "Lib/site-packages")
             for path in glob.glob(os.path.join(glob.escape(prefix), pattern))]
    for site in found:
        if os.path.isdir(os.path.join(site, "hooks_manager")) or glob.glob(
                os.path.join(glob.escape(site), DIST_INFO)):
            return True, f"hookman is installed in {site}"
    if os.path.isfile(os.path.join(prefix, "pyvenv.cfg")):
        return False, f"a virtualenv without hookman ({prefix})"
    return None, ("not checked: no site-packages beside it names hookman, and hookman never "
                  "runs an interpreter named in a hook file to ask")


def _redirect_note(location: Location) -> str:
    if location.hooks_path is None or not location.redirected:
        return ""
    value, scope, origin = location.hooks_path
    return f" (core.hooksPath = {value!r}, {scope} config, {origin})"


def _status_line(state: HookState) -> tuple[str, bool]:
    if state.kind == "none":
        chained = f"; {os.path.basename(state.previous)} is waiting" if state.previous else ""
        return f"not installed{chained}", False
    if state.kind == "foreign" and state.legacy is not None:
        has, why = interpreter_has_hookman(state.legacy_python or "?")
        return (f"someone else's hook (pre-commit's?), which runs hookman's shim "
                f"{os.path.basename(state.legacy)} first (pre-commit's migration mode); "
                f"runs {state.legacy_python or '?'}" + ("" if has else f" ({why})")
                + "; hookman install puts hookman in front and chains it"), has is not False
    if state.kind != "hookman":
        whose = "a dangling symlink" if state.kind == "dangling" else "someone else's hook"
        return f"{whose}; not hookman's (hookman install keeps it and chains it)", False
    parts = [f"hookman's (shim v{state.version})"]
    stale = state.stale()
    if stale:
        parts.append(f"stale: {stale} (hookman install refreshes it)")
    python = state.python or "?"
    has, why = interpreter_has_hookman(python)
    exists = has is not False
    parts.append(f"runs {python}" + ("" if has else f" ({why})" if has is None else
                                     f" ({why}: falls back to hookman on PATH)"))
    if state.previous:
        usable = os.access(state.previous, os.X_OK)
        parts.append(f"chains {os.path.basename(state.previous)}"
                     + ("" if usable else " (not executable: skipped)"))
    return "; ".join(parts), not stale and exists


# --- what install found, and what it asks ------------------------------------------------------


def install_command(cwd: str, *, into_hooks_path: bool, assume_yes: bool,
                    trust: bool = False) -> int:
    """`hookman install`: the shims, then what hook runs will find; at a terminal (and without
    --yes or CI) it asks only what it could not detect. Every question comes before the first
    change, so Ctrl-C (or Esc) at a prompt leaves the clone exactly as it was (exit 130)."""
    from hooks_manager.errors import EXIT_INTERRUPTED

    location = locate(cwd)
    if location.redirected and not into_hooks_path:
        raise refuse_redirect(location)
    say(f"hookman: hooks folder {location.hooks_dir}" + _redirect_note(location))
    tests = plan_tests(location.root, assume_yes)
    trusted = True if trust else _ask_trust(location.root, assume_yes)
    if tests is None or trusted is None:
        say("hookman: install cancelled at the prompt; nothing was changed")
        return EXIT_INTERRUPTED
    location, lines = install(cwd, into_hooks_path=into_hooks_path)
    for line in lines:
        say(f"  {line}")
    say(f"hookman: hooks run {sys.executable}")
    if trusted:
        from hooks_manager.config import TRUST_KEY

        repo.config_set_local(location.root, TRUST_KEY, "true")
        say(f"hookman: this clone trusts its repository's code settings (git config "
            f"{TRUST_KEY} true; git config --unset {TRUST_KEY} takes it back)")
    for line in describe_projects(location.root, assume_yes):
        say(line)
    say(tests())
    from hooks_manager.writehook import head_file_setup

    for line in head_file_setup(location.root, assume_yes):
        say(line)
    return 0


def _ask_trust(root: str, assume_yes: bool) -> bool | None:
    """When pyproject.toml asks for settings that run repository code and this clone has not
    opted in, ask (at a terminal only; the answer defaults to no). None when cancelled."""
    from hooks_manager.workspace import load_workspace

    try:
        settings = load_workspace(root, projects=False).settings
    except HookmanError:
        return False
    if not settings.ignored or assume_yes:
        return False
    from hooks_manager.prompts import open_prompter

    prompter = open_prompter()
    if not prompter.interactive:
        return False
    return prompter.confirm(f"pyproject.toml sets {' and '.join(settings.ignored)} = true, "
                            "which loads the migration files through alembic (running them). "
                            "Allow that in this clone?", False)


def say(message: str) -> None:
    from hooks_manager.output import print_out  # terminal-safe stdout, as it was

    print_out(message)


def describe_projects(root: str, assume_yes: bool = True) -> list[str]:
    from hooks_manager.entries import describe

    return describe(root, assume_yes)


def plan_tests(root: str, assume_yes: bool) -> Callable[[], str] | None:
    """The test command pre-push will run: [tool.hookman] test_command, else detected, else
    asked (terminal only). Asked now, written later: the returned function records an answer
    (only by appending a new [tool.hookman] table to an existing file that has none) and gives
    the line to show. None when the question was cancelled."""
    from hooks_manager.testrun import detect_test_command
    from hooks_manager.workspace import load_workspace

    try:
        settings = load_workspace(root, projects=False).settings
    except HookmanError:
        return lambda: "hookman: tests before push: unknown until pyproject.toml reads cleanly"
    if settings.test_command is not None:
        line = f"hookman: tests before push: {settings.test_command or 'none'} " \
               "([tool.hookman] test_command)"
        return lambda: line
    detected = detect_test_command(root)
    if detected:
        confirmed = _confirm_detected(root, detected, assume_yes)
        return lambda: confirmed
    answer = _ask_test_command(assume_yes)
    if answer is None:
        return None
    if not answer:
        return lambda: ("hookman: tests before push: none (no pytest setup found; set "
                        "test_command in [tool.hookman] to run one)")
    return lambda: (f"hookman: tests before push: {answer} — "
                    + remember_test_command(root, answer))


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


def _ask_test_command(assume_yes: bool) -> str | None:
    from hooks_manager.prompts import open_prompter

    if assume_yes:
        return ""
    prompter = open_prompter()
    if not prompter.interactive:
        return ""
    answer = prompter.text("No pytest setup found. Command that runs your tests before a push "
                           "(empty for none):", default="")
    return None if answer is None else answer.strip()


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
    from hooks_manager.entries import write_atomic

    write_atomic(path, new)
    return "written to a new [tool.hookman] table at the end of pyproject.toml"
