"""`hookman doctor`: what a hook run will see, and what is wrong with it."""

from __future__ import annotations

import os
import shutil

from hooks_manager.config import HOOK_TYPES
from hooks_manager.errors import HookmanError, NoConfigError
from hooks_manager.installer import HookState, Location, interpreter_has_hookman, locate


class Findings:
    """Lines to show; `problems` counts what would make a hook misbehave."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.problems = 0

    def ok(self, message: str) -> None:
        self.lines.append(f"  ok    {message}")

    def note(self, message: str) -> None:
        self.lines.append(f"  note  {message}")

    def bad(self, message: str) -> None:
        self.lines.append(f"  FIX   {message}")
        self.problems += 1


def doctor(cwd: str) -> tuple[list[str], bool]:
    location = locate(cwd)
    found = Findings()
    _hooks(location, found)
    _environment(found)
    _configuration(location.root, found)
    from hooks_manager.masking import report_masking  # setups that hide a fork

    report_masking(location.root, found)
    return found.lines, found.problems == 0


def _hooks(location: Location, found: Findings) -> None:
    found.lines.append(f"hooks folder: {location.hooks_dir}")
    if location.redirected and location.hooks_path:
        value, scope, origin = location.hooks_path
        found.note(f"core.hooksPath = {value!r} ({scope} config, {origin}); git ignores "
                   f"{location.default_dir}")
    pythons: set[str] = set()
    for hook_type in HOOK_TYPES:
        state = HookState(location.hooks_dir, hook_type)
        _one_hook(state, found)
        if state.python:
            pythons.add(state.python)
    for python in sorted(pythons):
        _interpreter(python, location.root, found)
    if location.redirected:
        left = [t for t in HOOK_TYPES if HookState(location.default_dir, t).kind == "hookman"]
        if left:
            found.bad(f"hookman shims in {location.default_dir} ({', '.join(left)}) never run "
                      "while core.hooksPath points elsewhere (hookman install --hooks-path)")


def _one_hook(state: HookState, found: Findings) -> None:
    name = state.hook_type
    if state.kind == "none":
        found.bad(f"{name}: not installed (hookman install)")
        return
    if state.kind != "hookman":
        found.bad(f"{name}: {state.path} is not hookman's (hookman install chains it)")
        return
    stale = state.stale()
    if stale:
        found.bad(f"{name}: {stale} (hookman install refreshes it)")
    else:
        found.ok(f"{name}: hookman's shim v{state.version}")
    if state.previous:
        if os.access(state.previous, os.X_OK):
            found.ok(f"{name}: runs {state.previous} first")
        else:
            found.note(f"{name}: {state.previous} is not executable; skipped, as git would")


def _interpreter(python: str, root: str, found: Findings) -> None:
    if not os.access(python, os.X_OK):
        fallback = shutil.which("hookman")
        if fallback:
            found.bad(f"interpreter {python} is gone; hooks fall back to {fallback} on this PATH "
                      "(a GUI client's PATH may not have it): run hookman install again")
        else:
            found.bad(f"interpreter {python} is gone and no hookman is on PATH: every hook "
                      "fails closed; run hookman install again")
        return
    has, why = interpreter_has_hookman(python)  # from its files: never run (see there)
    if has is False:
        found.bad(f"interpreter {python} has no hookman ({why}; was hookman uninstalled "
                  "from it?): run hookman install from the environment that has it")
    elif has is None:
        found.note(f"interpreter {python}: {why}")
    else:
        found.ok(f"interpreter {python}: {why} (called by absolute path: PATH does not "
                 "matter)")


def _environment(found: Findings) -> None:
    found.lines.append("environment:")
    found.note(f"PATH={os.environ.get('PATH', '')}")
    found.note(f"hookman on PATH: {shutil.which('hookman') or 'not found'}")
    from hooks_manager.hookrun import turned_off

    if turned_off():
        found.note(f"HOOKMAN={os.environ['HOOKMAN']} is set: checks are off in this shell")
    if os.environ.get("SKIP"):
        found.note(f"SKIP={os.environ['SKIP']} is set in this shell")


def _configuration(root: str, found: Findings) -> None:
    from hooks_manager.check import check_projects
    from hooks_manager.sources import Index
    from hooks_manager.testrun import detect_test_command
    from hooks_manager.workspace import load_workspace

    found.lines.append("configuration:")
    try:
        ws = load_workspace(root, projects=False)
        settings = ws.settings
        found.ok(f"settings: {ws.settings_path or 'defaults (no [tool.hookman])'}; hooks on: "
                 f"{', '.join(settings.hooks) or 'none'}")
        note = settings.trust_note()
        if note:
            found.note(note.removeprefix("hookman: "))
        ws.discover()
        projects = ws.require_projects()
    except NoConfigError as exc:
        found.bad(f"{exc.message}: the hooks have nothing to check")
        return
    except HookmanError as exc:
        found.bad(f"{exc.message}: every hook run stops on this")
        return
    test = settings.test_command
    found.note("tests before push: " + (test if test is not None
                                        else detect_test_command(root) or "none"))
    try:
        reports = check_projects(projects, Index(root), settings)
    except HookmanError as exc:
        found.bad(f"staged history cannot be read: {exc.message}")
        return
    for report in reports:
        verdict = report.verdict
        where = ", ".join(os.path.relpath(loc, root) for loc in report.project.locations)
        heads = ", ".join(verdict.head_ids) or "none"
        if verdict.ok:
            found.ok(f"project {report.project.name} ({where}): staged head {heads}")
        else:
            found.bad(f"project {report.project.name} ({where}): staged history has problems "
                      f"(heads {heads}); the next commit is blocked (hookman check --staged)")
