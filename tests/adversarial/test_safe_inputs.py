"""User values that look like git options, hooks folders that are files, and repository paths
holding shell syntax: clear errors or correct results, never a crash."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import add_revision, commit_all, git, hookman, init_repo, make_project


@pytest.mark.parametrize("flag", ["--rev", "--against"])
@pytest.mark.parametrize("value", ["-x", "--output=/tmp/hookman-owned", "-", " "])
def test_an_option_like_revision_is_refused(project: Path, flag: str, value: str) -> None:
    add_revision(project, "aaaa0001", None)
    commit_all(project, "base")
    done = hookman(project, "check", f"{flag}={value}")
    assert done.returncode == 2, done.stderr
    said = "needs a revision, and it was given an empty one" if not value.strip() else \
        "is not a revision (it would be read as a git option)"
    assert f"{flag} {'' if not value.strip() else repr(value) + ' '}" in done.stderr
    assert said in done.stderr
    example = "origin/main" if flag == "--against" else "HEAD~1"
    assert f"e.g. {flag} {example}" in done.stderr  # the hint names the flag that was wrong
    assert "Traceback" not in done.stderr
    assert not Path("/tmp/hookman-owned").exists()


def test_an_option_like_upstream_setting_is_refused(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.hookman]\nupstream = "--upload-pack=x"\n')
    done = hookman(project, "check")
    assert done.returncode == 2
    assert "upstream '--upload-pack=x' is not a branch name" in done.stderr


@pytest.mark.parametrize("kind", ["default", "hooksPath"])
def test_a_hooks_path_that_is_not_a_folder_is_a_clear_error(project: Path, kind: str) -> None:
    hooks = project / ".git" / "hooks"
    shutil.rmtree(hooks)
    args = ["install", "-y"]
    if kind == "hooksPath":
        hooks = project / "team-hooks"
        git(project, "config", "core.hooksPath", "team-hooks")
        args.append("--hooks-path")
    hooks.write_text("not a folder\n")
    done = hookman(project, *args)
    assert done.returncode == 2, done.stderr
    assert f"{hooks} is " in done.stderr
    assert "move it away" in done.stderr
    assert "internal error" not in done.stderr


@pytest.mark.parametrize("folder", ["$HOME", "$(touch owned)", "with space", "it's \"q\"",
                                    "${PATH}x"])
def test_merge_works_in_a_path_with_shell_syntax(tmp_path: Path, folder: str) -> None:
    repo = make_project(init_repo(tmp_path / folder / "repo"))
    add_revision(repo, "aaaa0001", None)
    add_revision(repo, "bbbb0002", "aaaa0001")
    add_revision(repo, "cccc0003", "aaaa0001")
    commit_all(repo, "fork")
    done = hookman(repo, "merge", "--commit", "-y", env={"CI": "1"})
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr
    assert "expand" not in done.stderr.lower()
    assert "committed" in done.stderr
    assert hookman(repo, "check").returncode == 0
    assert git(repo, "status", "--porcelain") == ""
    assert not (tmp_path / "owned").exists()
    assert not (repo / "owned").exists()


@pytest.mark.parametrize("folder", ["50%off", "%(here)s"])
def test_a_percent_in_the_path_is_a_clear_error_as_alembic_has_one(tmp_path: Path,
                                                                   folder: str) -> None:
    # alembic puts the folder into %(here)s unescaped, so its configparser cannot read the file
    # either: hookman says which file and why, in one line, instead of a traceback.
    repo = make_project(init_repo(tmp_path / folder / "repo"))
    add_revision(repo, "aaaa0001", None)
    alembic = subprocess.run([sys.executable, "-m", "alembic", "heads"], cwd=repo,
                             capture_output=True, text=True, check=False)
    assert alembic.returncode != 0
    done = hookman(repo, "check")
    assert done.returncode == 2
    assert f"{repo / 'alembic.ini'}: cannot be read as an alembic configuration" in done.stderr
    assert "Traceback" not in done.stderr
