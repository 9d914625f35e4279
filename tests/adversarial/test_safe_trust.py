"""A setting committed in the repository's pyproject.toml cannot make hookman run the
repository's code: static_fallback and auto_merge need this clone's own opt-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import add_revision, commit_all, git, hookman
from tests.pushkit import forked_setup, push, remote_sha

PLANTED = '''\
import pathlib
pathlib.Path({marker!r}).write_text("ran")
revision = "bbbb0002"
down_revision = "aaaa0001"
branch_labels = tuple(["computed"])
depends_on = None
'''


@pytest.mark.parametrize("opt_in", [None, "env", "git-config", "global-git-config"])
def test_static_fallback_from_the_repository_needs_an_opt_in(
    project: Path, tmp_path: Path, opt_in: str | None
) -> None:
    marker = tmp_path / "imported"
    add_revision(project, "aaaa0001", None)
    (project / "migrations" / "versions" / "bbbb0002_x.py").write_text(
        PLANTED.format(marker=str(marker)))
    (project / "pyproject.toml").write_text("[tool.hookman]\nstatic_fallback = true\n")
    commit_all(project, "a migration only running it can read")
    env = {"CI": "1"}
    if opt_in == "env":
        env["HOOKMAN_TRUST_REPO_CODE"] = "1"
    elif opt_in == "git-config":
        git(project, "config", "hookman.trustRepoCode", "true")
    elif opt_in == "global-git-config":
        git(project, "config", "--global", "hookman.trustRepoCode", "yes")
    for args in (["check"], ["check", "--staged"], ["doctor"]):
        done = hookman(project, *args, env=env)
        if opt_in is None:
            assert not marker.exists(), f"hookman {args} ran repository code"
            said = done.stderr + done.stdout
            assert "static_fallback = true in" in said
            assert "is ignored" in said
            assert "git config hookman.trustRepoCode true" in said
            assert "HOOKMAN_TRUST_REPO_CODE=1" in said
        else:
            assert marker.exists(), done.stderr
            assert "is ignored" not in done.stderr + done.stdout
            marker.unlink()


def test_auto_merge_from_the_repository_is_ignored_in_ci_without_an_opt_in(
    tmp_path: Path,
) -> None:
    setup = forked_setup(tmp_path, settings="auto_merge = true\n")
    before = git(setup.clone, "rev-parse", "HEAD")
    done = push(setup.clone, "-u", "origin", "feature-b", env={"CI": "1"})
    assert done.returncode != 0
    assert "auto_merge = true in" in done.stderr
    assert "is ignored" in done.stderr
    assert "push blocked" in done.stderr
    assert "merged origin/main" not in done.stderr
    assert git(setup.clone, "rev-parse", "HEAD") == before  # nothing was merged or committed
    assert remote_sha(setup, "feature-b") == ""
    opted = push(setup.clone, "-u", "origin", "feature-b",
                 env={"CI": "1", "HOOKMAN_TRUST_REPO_CODE": "1"})
    assert "merged origin/main into feature-b" in opted.stderr


def test_install_trust_flag_records_the_opt_in(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.hookman]\nstatic_fallback = true\n")
    plain = hookman(project, "install", "-y")
    assert plain.returncode == 0, plain.stderr
    assert git(project, "config", "--get", "hookman.trustRepoCode", check=False) == ""
    trusted = hookman(project, "install", "-y", "--trust")
    assert trusted.returncode == 0, trusted.stderr
    assert git(project, "config", "--get", "hookman.trustRepoCode") == "true"
    assert "trusts its repository's code settings" in trusted.stdout
