"""The hooks at work: real `git commit`, `git merge` and `git push` through installed shims."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from hooks_manager import shims
from tests.helpers import NO_COVERAGE, add_revision, commit_all, git, init_repo, make_project
from tests.hooktools import (
    base_history,
    commit,
    hooks_dir,
    install,
    recorder,
    run,
    stage_fork,
    write_hook,
)

# The interpreter this venv was made from: it runs, but has no hookman (a venv rebuilt without).
BASE_PYTHON = str(getattr(sys, "_base_executable", sys.executable))


@pytest.fixture
def guarded(project: Path) -> Path:
    """A project with one committed revision and hookman's hooks installed."""
    base_history(project)
    install(project)
    return project


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD")


# --- pre-commit reads the index ----------------------------------------------------------------


def test_a_staged_fork_blocks_the_commit_with_heads_files_and_fix(guarded: Path) -> None:
    before = head(guarded)
    stage_fork(guarded)
    done = commit(guarded, "-m", "fork")
    assert done.returncode == 1
    assert head(guarded) == before
    for text in ("bbbb0002", "cccc0003", "migrations/versions/bbbb0002_rev.py",
                 "migrations/versions/cccc0003_rev.py", "hookman merge", "commit blocked",
                 "SKIP=alembic-heads", "--no-verify"):
        assert text in done.stderr, text
    assert "Traceback" not in done.stderr


def test_a_fork_only_in_the_work_tree_does_not_block(guarded: Path) -> None:
    add_revision(guarded, "bbbb0002", "aaaa0001")
    git(guarded, "add", "-A")
    add_revision(guarded, "cccc0003", "aaaa0001")  # on disk, never staged
    done = commit(guarded, "-m", "one head staged")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # silent when healthy
    assert "cccc0003_rev.py" in git(guarded, "status", "--porcelain")  # left as it was


def test_an_unstaged_edit_that_heals_the_fork_does_not_hide_it(guarded: Path) -> None:
    stage_fork(guarded)
    healed = add_revision(guarded, "cccc0003", "bbbb0002")  # on disk only; the index forks
    on_disk = healed.read_bytes()
    assert commit(guarded, "-m", "fork").returncode == 1
    assert healed.read_bytes() == on_disk  # the unstaged edit is untouched (no stash)
    assert "cccc0003_rev.py" in git(guarded, "diff", "--name-only")


def test_a_partial_commit_is_judged_by_what_it_records(guarded: Path) -> None:
    stage_fork(guarded)
    # `git commit <path>` records HEAD plus that path only (git hands the hook a temporary
    # index through GIT_INDEX_FILE): one head, so it goes through.
    done = commit(guarded, "-m", "one of the two", "migrations/versions/bbbb0002_rev.py")
    assert done.returncode == 0, done.stderr
    assert commit(guarded, "-m", "the other").returncode == 1  # now the fork is real


def test_the_commit_goes_through_once_the_merge_revision_is_staged(guarded: Path) -> None:
    stage_fork(guarded)
    assert commit(guarded, "-m", "fork").returncode == 1
    add_revision(guarded, "dddd0004", ("bbbb0002", "cccc0003"))
    git(guarded, "add", "-A")
    done = commit(guarded, "-m", "fork and merge")
    assert done.returncode == 0, done.stderr


def test_pre_merge_commit_checks_the_merge_result(guarded: Path) -> None:
    git(guarded, "checkout", "-q", "-b", "feature")
    add_revision(guarded, "bbbb0002", "aaaa0001")
    commit_all(guarded, "feature migration")
    git(guarded, "checkout", "-q", "main")
    add_revision(guarded, "cccc0003", "aaaa0001")
    commit_all(guarded, "main migration")  # each branch alone has one head
    before = head(guarded)
    done = run(guarded, "git", "merge", "--no-edit", "feature")
    assert done.returncode != 0
    assert "merge blocked" in done.stderr
    assert head(guarded) == before
    add_revision(guarded, "dddd0004", ("bbbb0002", "cccc0003"))
    git(guarded, "add", "-A")
    done = commit(guarded, "--no-edit")  # completes the merge; pre-commit checks it
    assert done.returncode == 0, done.stderr
    assert len(git(guarded, "log", "-1", "--format=%P").split()) == 2


def test_hooks_stay_out_of_a_cherry_pick_being_replayed(guarded: Path) -> None:
    git(guarded, "checkout", "-q", "-b", "feature")
    add_revision(guarded, "bbbb0002", "aaaa0001")
    (guarded / "notes.txt").write_text("feature\n")
    git(guarded, "add", "-A")
    git(guarded, "commit", "-q", "--no-verify", "-m", "feature")
    git(guarded, "checkout", "-q", "main")
    add_revision(guarded, "cccc0003", "aaaa0001")
    (guarded / "notes.txt").write_text("main\n")
    commit_all(guarded, "main")
    done = run(guarded, "git", "cherry-pick", "feature")
    assert done.returncode != 0  # notes.txt conflicts: the replay stops for us
    (guarded / "notes.txt").write_text("both\n")
    git(guarded, "add", "-A")
    done = commit(guarded, "--no-edit")
    assert done.returncode == 0, done.stderr
    assert "blocked" not in done.stderr


def test_hooks_stay_out_of_a_rebase_being_replayed(guarded: Path) -> None:
    git(guarded, "checkout", "-q", "-b", "feature")
    (guarded / "notes.txt").write_text("feature\n")
    commit_all(guarded, "feature notes")
    git(guarded, "checkout", "-q", "main")
    (guarded / "notes.txt").write_text("main\n")
    commit_all(guarded, "main notes")
    assert run(guarded, "git", "rebase", "main", "feature").returncode != 0  # stops: conflict
    (guarded / "notes.txt").write_text("both\n")
    stage_fork(guarded)
    shim = str(hooks_dir(guarded) / "pre-commit")
    done = run(guarded, shim)
    assert done.returncode == 0, done.stderr  # mid-rebase: not our moment
    git(guarded, "rebase", "--abort")
    stage_fork(guarded)
    assert run(guarded, shim).returncode == 1  # the same index outside a rebase is blocked


# --- skips --------------------------------------------------------------------------------------


def test_hookman_0_turns_the_hooks_off_visibly(guarded: Path) -> None:
    stage_fork(guarded)
    done = commit(guarded, "-m", "fork", env={"HOOKMAN": "0"})
    assert done.returncode == 0, done.stderr
    assert "hookman: pre-commit checks skipped (HOOKMAN=0)" in done.stderr


def test_skip_names_a_check(guarded: Path) -> None:
    stage_fork(guarded)
    done = commit(guarded, "-m", "fork", env={"SKIP": "flake8, alembic-heads"})
    assert done.returncode == 0, done.stderr
    assert "alembic-heads skipped (SKIP=flake8, alembic-heads)" in done.stderr


@pytest.mark.parametrize("required", ["true", '["alembic-heads"]'])
@pytest.mark.parametrize("switch", [{"HOOKMAN": "0"}, {"SKIP": "alembic-heads"}])
def test_required_checks_cannot_be_skipped(
    guarded: Path, required: str, switch: dict[str, str]
) -> None:
    (guarded / "pyproject.toml").write_text(f"[tool.hookman]\nrequired = {required}\n")
    stage_fork(guarded)
    done = commit(guarded, "-m", "fork", env=switch)
    assert done.returncode == 1
    assert "ignored for alembic-heads: it is required in [tool.hookman]" in done.stderr


def test_no_verify_skips_as_git_defines_it(guarded: Path) -> None:
    stage_fork(guarded)
    done = commit(guarded, "--no-verify", "-m", "fork")
    assert done.returncode == 0
    assert "hookman" not in done.stderr


def test_hooks_turned_off_in_settings_are_not_run(guarded: Path) -> None:
    (guarded / "pyproject.toml").write_text('[tool.hookman]\nhooks = ["pre-push"]\n')
    stage_fork(guarded)
    assert commit(guarded, "-m", "fork").returncode == 0  # read on every run: no reinstall


# --- where the hook runs: lost interpreter, thin PATH, no terminal, odd paths -------------------


def _point_shims_at(repo: Path, python: str) -> None:
    from hooks_manager.installer import install as install_into

    install_into(str(repo), python=python)


def _deleted_venv(repo: Path, tmp_path: Path) -> Path:
    """Install from an interpreter in a venv-like folder, then delete the folder."""
    python = tmp_path / "deleted-venv" / "bin" / "python"
    write_hook(python, f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    _point_shims_at(repo, str(python))
    assert commit(repo, "--allow-empty", "-m", "works while it exists").returncode == 0
    shutil.rmtree(tmp_path / "deleted-venv")
    return python


def test_a_deleted_venv_falls_back_to_hookman_on_path(guarded: Path, tmp_path: Path) -> None:
    _deleted_venv(guarded, tmp_path)
    bin_dir = tmp_path / "bin"
    write_hook(bin_dir / "hookman", f"#!/bin/sh\nexec '{sys.executable}' -m hooks_manager \"$@\"\n")
    stage_fork(guarded)
    done = commit(guarded, "-m", "fork", env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    assert done.returncode == 1
    assert "commit blocked" in done.stderr


def test_no_hookman_at_all_fails_closed_with_one_line(guarded: Path, tmp_path: Path) -> None:
    gone = _deleted_venv(guarded, tmp_path)
    done = commit(guarded, "--allow-empty", "-m", "x", env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"hookman: not found ({gone} is gone or has no hookman, and no hookman on PATH); "
        "reinstall with "
        "'hookman install', or skip once with git commit --no-verify / HOOKMAN=0"]
    done = commit(guarded, "--allow-empty", "-m", "x",
                  env={"PATH": "/usr/bin:/bin", "HOOKMAN": "0"})
    assert done.returncode == 0
    assert "checks skipped (HOOKMAN=0; hookman itself is not installed)" in done.stderr


def test_an_interpreter_without_hookman_falls_back_then_fails_closed(
    guarded: Path, tmp_path: Path
) -> None:
    # A venv rebuilt without hookman: the interpreter runs, but cannot import it.
    bare = tmp_path / "bare" / "bin" / "python"
    write_hook(bare, f'#!/bin/sh\nexec "{BASE_PYTHON}" -I "$@"\n')
    _point_shims_at(guarded, str(bare))
    stage_fork(guarded)
    done = commit(guarded, "-m", "fork", env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "has no hookman, and no hookman on PATH" in done.stderr
    bin_dir = tmp_path / "bin"
    write_hook(bin_dir / "hookman", f"#!/bin/sh\nexec '{sys.executable}' -m hooks_manager \"$@\"\n")
    done = commit(guarded, "-m", "fork", env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    assert done.returncode == 1
    assert "commit blocked" in done.stderr  # the check ran through hookman on PATH


def test_gui_like_thin_path_and_no_terminal(guarded: Path) -> None:
    assert shutil.which("git", path="/usr/bin:/bin"), "this test needs git in /usr/bin or /bin"
    env = {"PATH": "/usr/bin:/bin"}
    done = commit(guarded, "--allow-empty", "-m", "healthy", env=env, new_session=True)
    assert done.returncode == 0, done.stderr
    stage_fork(guarded)
    done = commit(guarded, "-m", "fork", env=env, new_session=True)
    assert done.returncode == 1
    assert "commit blocked" in done.stderr


def test_repository_and_interpreter_paths_with_spaces_quotes_and_dollars(tmp_path: Path) -> None:
    odd = tmp_path / "it's a \"repo\" $HOME `x` {y}"
    repo = make_project(init_repo(odd))
    python_dir = tmp_path / "venv $PATH 'q'" / "bin"
    # a wrapper, so the venv's own interpreter (and its site-packages) is what runs
    write_hook(python_dir / "python", f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    base_history(repo)
    _point_shims_at(repo, str(python_dir / "python"))
    assert shims.shim_python((hooks_dir(repo) / "pre-commit").read_bytes()) == \
        str(python_dir / "python")
    done = commit(repo, "--allow-empty", "-m", "healthy")
    assert done.returncode == 0, done.stderr
    stage_fork(repo)
    done = commit(repo, "-m", "fork")
    assert done.returncode == 1
    assert "commit blocked" in done.stderr


# --- chaining -----------------------------------------------------------------------------------


def test_pre_push_chained_hook_gets_the_same_stdin_bytes(guarded: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(guarded, "remote", "add", "origin", str(remote))
    git(guarded, "push", "-q", "origin", "main")
    git(guarded, "branch", "topic")
    commit(guarded, "--allow-empty", "-m", "more")
    saved = tmp_path / "prev"
    hooks = hooks_dir(guarded)
    # a foreign pre-push that was there first: moved aside by a fresh install
    (hooks / "pre-push").unlink()
    recorder(hooks / "pre-push", saved)
    install(guarded)
    old, new = git(guarded, "rev-parse", "origin/main"), head(guarded)
    done = run(guarded, "git", "push", "-q", "origin", "main", "topic")
    assert done.returncode == 0, done.stderr
    assert saved.with_suffix(".args").read_text() == f"origin {remote}\n"
    lines = sorted(saved.with_suffix(".stdin").read_text().splitlines())
    assert lines == [f"refs/heads/main {new} refs/heads/main {old}",
                     f"refs/heads/topic {old} refs/heads/topic {'0' * 40}"]


def test_a_kept_hook_that_calls_hookman_again_does_not_loop(guarded: Path) -> None:
    hooks = hooks_dir(guarded)
    shutil.copy2(hooks / "pre-commit", hooks / "pre-commit.hookman-prev")  # our shim, twice
    done = commit(guarded, "--allow-empty", "-m", "x")
    assert done.returncode == 0, done.stderr


def test_a_kept_hook_that_is_not_executable_is_skipped_as_git_would(
    guarded: Path, tmp_path: Path
) -> None:
    prev = hooks_dir(guarded) / "pre-commit.hookman-prev"
    recorder(prev, tmp_path / "prev", code=1)
    prev.chmod(0o644)
    done = commit(guarded, "--allow-empty", "-m", "x")
    assert done.returncode == 0, done.stderr
    assert "is not executable, so git would not run it either" in done.stderr
    assert not (tmp_path / "prev.args").exists()


def test_a_kept_hook_without_a_shebang_runs_under_sh(guarded: Path, tmp_path: Path) -> None:
    prev = hooks_dir(guarded) / "pre-commit.hookman-prev"
    write_hook(prev, f"echo ran > '{tmp_path}/sh.out'\nexit 4\n")
    done = commit(guarded, "--allow-empty", "-m", "x")
    assert done.returncode != 0  # git reports any hook failure as its own exit 1
    assert "the previous pre-commit hook failed (exit 4)" in done.stderr
    assert (tmp_path / "sh.out").read_text() == "ran\n"


def test_a_kept_hook_with_a_broken_interpreter_is_one_clear_line(guarded: Path) -> None:
    prev = hooks_dir(guarded) / "pre-commit.hookman-prev"
    write_hook(prev, "#!/nonexistent/interpreter\n")
    done = commit(guarded, "--allow-empty", "-m", "x")
    assert done.returncode == 1
    assert f"cannot run the previous hook {prev}" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_healthy_hook_run_loads_no_heavy_library(guarded: Path) -> None:
    probe = ("import sys\nfrom hooks_manager.hook import run_hook\n"
             "code = run_hook(['pre-commit'])\n"
             "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'sqlalchemy',"
             " 'git', 'typer', 'questionary', 'rich', 'prompt_toolkit', 'dataclasses'})\n"
             "print(code, heavy)\n")
    done = run(guarded, sys.executable, "-P", "-c", probe,
               env={"HOOKMAN_HOOKS_DIR": str(hooks_dir(guarded)), **NO_COVERAGE})
    assert done.stdout.strip() == "0 []", done.stderr
