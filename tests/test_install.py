"""`hookman install` / `uninstall` / `status` against real git repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import hooks_manager
from hooks_manager import shims
from hooks_manager.config import HOOK_TYPES
from tests.helpers import git, hookman
from tests.hooktools import (
    HUSKY_H,
    HUSKY_STUB,
    PRE_COMMIT_FRAMEWORK_HOOK,
    base_history,
    commit,
    hookman_cmd,
    hooks_dir,
    install,
    mode_of,
    recorder,
    stage_fork,
    write_hook,
)

CHECKOUT = Path(hooks_manager.__file__).parent.parent


def same_interpreter(a: str, b: str) -> bool:
    """The same path however its folders are spelled (a symlinked checkout or temp folder).
    The file name itself is kept: a venv's python is a symlink to the base interpreter, and
    resolving it would let the base interpreter pass for the venv's."""
    def norm(path: str) -> str:
        return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))

    return norm(a) == norm(b)


def _word_after(label: str, text: str) -> str:
    """The path printed after ``label`` (the first such line)."""
    line = next(line for line in text.splitlines() if label in line)
    return line.split(label, 1)[1].split()[0].rstrip(":")


# --- the template ------------------------------------------------------------------------------


def test_templates_found_in_an_installed_wheel_layout(tmp_path: Path) -> None:
    # What the wheel holds: hooks_manager/ with templates/ force-included inside it.
    site = tmp_path / "site"
    shutil.copytree(CHECKOUT / "hooks_manager", site / "hooks_manager",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(CHECKOUT / "templates", site / "hooks_manager" / "templates")
    done = subprocess.run(
        [sys.executable, "-c", "from hooks_manager.shims import templates_dir; "
         "print(templates_dir())"], cwd=tmp_path, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(site)})
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == site / "hooks_manager" / "templates"


def test_templates_fall_back_to_the_checkout_for_an_editable_install() -> None:
    assert not (CHECKOUT / "hooks_manager" / "templates").exists()
    assert shims.templates_dir() == CHECKOUT / "templates"


def test_the_wheel_force_includes_the_templates() -> None:
    pyproject = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())
    include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["templates"] == "hooks_manager/templates"


def test_missing_templates_is_one_clear_error(tmp_path: Path) -> None:
    from hooks_manager.errors import HookmanError

    with pytest.raises(HookmanError, match=r"hook template hook\.sh is missing"):
        shims.templates_dir(tmp_path / "hooks_manager")


@pytest.mark.parametrize("value", ["plain", "with space", "it's", 'say "hi"', "$HOME/`id`",
                                   "back\\slash", "new\nline"])
def test_sh_quote_round_trips_through_sh(value: str) -> None:
    done = subprocess.run(["sh", "-c", f"printf %s {shims.sh_quote(value)}"],
                          capture_output=True, text=True, check=True)
    assert done.stdout == value


def test_render_touches_only_the_settings_block() -> None:
    template = (shims.templates_dir() / "hook.sh").read_text()
    text = shims.render("pre-push", "/opt/we ird/{x}/$py'q", template)
    assert text.count("hookman-shim v1") == 1
    assert shims.shim_python(text.encode()) == "/opt/we ird/{x}/$py'q"
    assert "HOOK_TYPE='pre-push'" in text
    assert "SKIP_HINT='git push --no-verify'" in text
    # Everything outside the block is the template, byte for byte.
    head, _, tail = template.partition("# <<< hookman settings")
    assert text.endswith("# <<< hookman settings" + tail)
    assert text.startswith(head[:head.index("# >>> hookman settings")])


# --- install / uninstall round trips ------------------------------------------------------------


def test_install_from_a_subfolder_keeps_a_foreign_hook_and_uninstall_restores_it(
    project: Path, tmp_path: Path
) -> None:
    hooks = hooks_dir(project)
    original = recorder(hooks / "pre-commit", tmp_path / "foreign")
    (hooks / "pre-commit").chmod(0o750)
    (project / "migrations").mkdir(exist_ok=True)
    out = install(project / "migrations")
    assert f"hooks folder {hooks}" in out
    assert "kept your hook as pre-commit.hookman-prev" in out
    assert "alembic project alembic: migrations/versions" in out
    for hook_type in HOOK_TYPES:
        assert shims.shim_version((hooks / hook_type).read_bytes()) == 1
    assert (hooks / "pre-commit.hookman-prev").read_bytes() == original
    assert mode_of(hooks / "pre-commit.hookman-prev") == 0o750

    done = commit(project, "--allow-empty", "-m", "empty")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "foreign.args").exists()  # the kept hook ran

    done = hookman_cmd(project, "uninstall")
    assert done.returncode == 0, done.stderr
    assert (hooks / "pre-commit").read_bytes() == original
    assert mode_of(hooks / "pre-commit") == 0o750
    assert not (hooks / "pre-commit.hookman-prev").exists()
    assert not (hooks / "pre-push").exists()
    assert not (hooks / "pre-merge-commit").exists()


def test_a_failing_foreign_hook_still_blocks_the_commit(project: Path, tmp_path: Path) -> None:
    recorder(hooks_dir(project) / "pre-commit", tmp_path / "foreign", code=3)
    install(project)
    done = commit(project, "--allow-empty", "-m", "empty")
    assert done.returncode != 0
    assert "the previous pre-commit hook failed (exit 3)" in done.stderr


def test_pre_commit_framework_shim_is_chained_and_restored(project: Path, tmp_path: Path) -> None:
    hooks = hooks_dir(project)
    original = write_hook(hooks / "pre-commit", PRE_COMMIT_FRAMEWORK_HOOK)
    bin_dir = tmp_path / "bin"
    fake = bin_dir / "pre-commit"  # the framework's console script, recording how it was called
    write_hook(fake, f"#!/bin/sh\nprintf '%s\\n' \"$*\" > '{tmp_path}/framework.args'\n")
    install(project)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = commit(project, "--allow-empty", "-m", "empty", env=env)
    assert done.returncode == 0, done.stderr
    called = (tmp_path / "framework.args").read_text()
    assert "hook-impl --config=.pre-commit-config.yaml --hook-type=pre-commit" in called
    assert f"--hook-dir {hooks}" in called
    assert hookman_cmd(project, "uninstall").returncode == 0
    assert (hooks / "pre-commit").read_bytes() == original


def _husky(repo: Path, log: Path) -> dict[str, bytes]:
    """husky v9's layout: core.hooksPath=.husky/_, stubs and runner there, user scripts above."""
    git(repo, "config", "core.hooksPath", ".husky/_")
    folder = repo / ".husky" / "_"
    made = {name: write_hook(folder / name, HUSKY_STUB)
            for name in ("pre-commit", "pre-push", "pre-merge-commit", "commit-msg")}
    made["h"] = write_hook(folder / "h", HUSKY_H)
    write_hook(repo / ".husky" / "pre-commit", f"echo husky-pre-commit \"$@\" >> '{log}'\n")
    return made


def test_husky_hooks_path_is_refused_with_the_scope_and_the_choices(
    project: Path, tmp_path: Path
) -> None:
    made = _husky(project, tmp_path / "husky.log")
    done = hookman_cmd(project, "install", env={"CI": "1"})
    assert done.returncode == 2
    assert "core.hooksPath is set to '.husky/_' (local config, file:.git/config)" in done.stderr
    assert "hookman install --hooks-path" in done.stderr
    assert "git config --local --unset core.hooksPath" in done.stderr
    assert "Traceback" not in done.stderr
    folder = project / ".husky" / "_"
    assert {name: (folder / name).read_bytes() for name in made} == made
    assert not list(folder.glob("*.hookman-prev"))


def test_husky_hooks_path_install_chains_husky_and_uninstall_restores(
    project: Path, tmp_path: Path
) -> None:
    log = tmp_path / "husky.log"
    made = _husky(project, log)
    base_history(project)  # husky's user script runs here already (hookman not installed)
    log.unlink()
    out = install(project, "--hooks-path")
    folder = project / ".husky" / "_"
    assert f"hooks folder {folder}" in out
    assert shims.shim_version((folder / "pre-commit").read_bytes()) == 1

    stage_fork(project)
    done = commit(project, "-m", "fork")
    assert done.returncode == 1
    assert log.read_text() == "husky-pre-commit\n"  # husky's script ran first, by its own name
    assert "commit blocked" in done.stderr

    assert hookman_cmd(project, "uninstall").returncode == 0
    assert {name: (folder / name).read_bytes() for name in made} == made
    assert not list(folder.glob("*.hookman-prev"))
    assert mode_of(folder / "pre-commit") == 0o755


def test_hooks_path_naming_the_default_folder_counts_as_unset(project: Path) -> None:
    git(project, "config", "core.hooksPath", ".git/hooks")
    out = install(project)
    assert "installed" in out
    assert shims.shim_version((project / ".git" / "hooks" / "pre-commit").read_bytes()) == 1


def test_global_hooks_path_names_its_scope(project: Path, tmp_path: Path) -> None:
    team = tmp_path / "team-hooks"
    team.mkdir()
    git(project, "config", "--global", "core.hooksPath", str(team))
    done = hookman_cmd(project, "install", env={"CI": "1"})
    assert done.returncode == 2
    assert "(global config, file:" in done.stderr
    assert "git config --global --unset core.hooksPath" in done.stderr


def test_installing_twice_is_harmless_and_refreshes_stale_shims(project: Path) -> None:
    hooks = hooks_dir(project)
    install(project)
    first = {t: (hooks / t).read_bytes() for t in HOOK_TYPES}
    again = install(project)
    assert again.count("up to date") == 3
    assert {t: (hooks / t).read_bytes() for t in HOOK_TYPES} == first
    assert not list(hooks.glob("*.hookman-prev"))  # our own shim is never "kept"

    old = first["pre-push"].replace(b"# hookman-shim v1", b"# hookman-shim v0")
    (hooks / "pre-push").write_bytes(old)
    done = hookman_cmd(project, "status")
    assert done.returncode == 1
    assert "stale: older shim v0" in done.stdout
    out = install(project)
    assert any(line.split() == ["pre-push", "refreshed", "(older", "shim", "v0)"]
               for line in out.splitlines())
    assert (hooks / "pre-push").read_bytes() == first["pre-push"]
    assert hookman_cmd(project, "status").returncode == 0


def test_reinstall_from_another_interpreter_rewrites_the_shim(project: Path) -> None:
    from hooks_manager.installer import install as install_into

    install(project)
    _, lines = install_into(str(project), python="/opt/other venv/bin/python")
    assert all("refreshed" in line for line in lines)
    data = (hooks_dir(project) / "pre-commit").read_bytes()
    assert shims.shim_python(data) == "/opt/other venv/bin/python"


def test_a_dangling_symlink_hook_is_kept_and_restored(project: Path) -> None:
    hooks = hooks_dir(project)
    (hooks / "pre-commit").symlink_to(hooks / "gone-forever")
    out = install(project)
    assert "kept a dangling symlink as pre-commit.hookman-prev" in out
    assert os.readlink(hooks / "pre-commit.hookman-prev") == str(hooks / "gone-forever")
    done = commit(project, "--allow-empty", "-m", "empty")
    assert done.returncode == 0, done.stderr  # git would not run it either
    assert hookman_cmd(project, "uninstall").returncode == 0
    assert os.readlink(hooks / "pre-commit") == str(hooks / "gone-forever")


def test_foreign_hook_beside_a_kept_one_is_refused_without_changes(
    project: Path, tmp_path: Path
) -> None:
    hooks = hooks_dir(project)
    recorder(hooks / "pre-commit", tmp_path / "a")
    recorder(hooks / "pre-commit.hookman-prev", tmp_path / "b")
    before = sorted(p.name for p in hooks.iterdir())
    done = hookman_cmd(project, "install", env={"CI": "1"})
    assert done.returncode == 2
    assert "already holds a hook kept by an earlier install" in done.stderr
    assert sorted(p.name for p in hooks.iterdir()) == before


def test_uninstall_leaves_foreign_hooks_alone(project: Path, tmp_path: Path) -> None:
    hooks = hooks_dir(project)
    original = recorder(hooks / "pre-push", tmp_path / "a")
    done = hookman_cmd(project, "uninstall")
    assert done.returncode == 0
    assert "no hookman hooks" in done.stdout
    assert (hooks / "pre-push").read_bytes() == original


def test_outside_a_git_clone_is_one_line_exit_2(tmp_path: Path) -> None:
    done = hookman_cmd(tmp_path, "install", env={"CI": "1", "GIT_CEILING_DIRECTORIES":
                                                  str(tmp_path.parent)})
    assert done.returncode == 2
    assert "is not inside a git work tree" in done.stderr
    assert "Traceback" not in done.stderr


# --- linked worktrees --------------------------------------------------------------------------


def test_install_from_a_linked_worktree_serves_every_worktree(
    project: Path, tmp_path: Path
) -> None:
    base_history(project)
    linked = tmp_path / "linked"
    git(project, "worktree", "add", "-q", "-b", "feature", str(linked))
    (linked / "migrations").mkdir(exist_ok=True)
    out = install(linked / "migrations")
    common = project / ".git" / "hooks"
    assert f"hooks folder {common}" in out
    assert not (project / ".git" / "worktrees" / "linked" / "hooks").exists()
    stage_fork(linked)
    done = commit(linked, "-m", "fork in the linked worktree")
    assert done.returncode == 1
    assert "bbbb0002" in done.stderr
    assert "cccc0003" in done.stderr
    git(linked, "rm", "-q", "--cached", "migrations/versions/cccc0003_rev.py")
    done = commit(linked, "-m", "one head")
    assert done.returncode == 0, done.stderr
    # and from the main worktree, the same shims run
    stage_fork(project)
    assert commit(project, "-m", "fork in main").returncode == 1


# --- status ------------------------------------------------------------------------------------


def test_status_reports_each_hook(project: Path, tmp_path: Path) -> None:
    hooks = hooks_dir(project)
    done = hookman_cmd(project, "status")
    assert done.returncode == 1
    assert "pre-commit       not installed" in done.stdout
    recorder(hooks / "pre-push", tmp_path / "x")
    install(project)
    done = hookman_cmd(project, "status")
    assert done.returncode == 0, done.stdout
    assert f"hooks folder: {hooks}" in done.stdout
    assert same_interpreter(_word_after("runs ", done.stdout), sys.executable)
    assert "pre-push         hookman's (shim v1)" in done.stdout
    assert "chains pre-push.hookman-prev" in done.stdout


def test_status_flags_an_interpreter_that_is_gone(project: Path) -> None:
    from hooks_manager.installer import install as install_into

    install_into(str(project), python=str(project / "gone" / "python"))
    done = hookman_cmd(project, "status")
    assert done.returncode == 1
    assert "(missing or not executable: falls back to hookman on PATH)" in done.stdout


def test_shims_left_behind_a_new_hooks_path_are_reported(project: Path, tmp_path: Path) -> None:
    install(project)
    _husky(project, tmp_path / "husky.log")
    done = hookman_cmd(project, "status")
    assert done.returncode == 1
    assert "are not run by git while core.hooksPath points elsewhere" in done.stdout
    done = hookman_cmd(project, "uninstall")
    assert done.returncode == 0
    assert not (project / ".git" / "hooks" / "pre-commit").exists()


# --- doctor ------------------------------------------------------------------------------------


def test_doctor_is_quiet_about_a_healthy_install(project: Path) -> None:
    base_history(project)
    install(project)
    done = hookman_cmd(project, "doctor")
    assert done.returncode == 0, done.stdout
    assert "staged head aaaa0001" in done.stdout
    assert same_interpreter(_word_after("interpreter ", done.stdout), sys.executable)
    assert "PATH=" in done.stdout
    assert "hookman: nothing wrong" in done.stdout


def test_doctor_names_what_is_wrong(project: Path) -> None:
    from hooks_manager.installer import install as install_into

    base_history(project)
    install_into(str(project), python=str(project / "gone" / "python"))
    stage_fork(project)
    done = hookman_cmd(project, "doctor", env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    assert "gone and no hookman is on PATH" in done.stdout
    assert "staged history has problems (heads bbbb0002, cccc0003)" in done.stdout


def test_doctor_reports_a_broken_setting(project: Path) -> None:
    install(project)
    (project / "pyproject.toml").write_text("[tool.hookman]\nhooks = 'pre-commit'\n")
    done = hookman_cmd(project, "doctor")
    assert done.returncode == 1
    assert "hooks must be a list of strings: every hook run stops on this" in done.stdout


def test_a_shim_without_its_exec_bit_is_stale_and_install_repairs_it(project: Path) -> None:
    install(project)
    shim = hooks_dir(project) / "pre-commit"
    shim.chmod(0o644)  # git would silently skip it
    status = hookman(project, "status")
    assert status.returncode == 1
    assert "not executable, so git ignores it" in status.stdout
    assert hookman(project, "doctor").returncode == 1
    done = hookman(project, "install", "--yes", env={"CI": "1"})
    assert "pre-commit       refreshed (not executable" in done.stdout + done.stderr
    assert os.access(shim, os.X_OK)
