"""hook id `hookman` under the real pre-commit framework: `pre-commit try-repo` against this
repository's own checkout, which pre-commit pip-installs into an isolated environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import add_revision, commit_all, git
from tests.offsitekit import BASE, FIRST, SECOND, Origin, clean_env

SOURCE = Path(__file__).resolve().parents[1]
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One framework cache for the module: the isolated environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    # The framework must build its environment from the package index the machine's pip is
    # configured with, never from this test's virtualenv.
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if Path(p) != Path(sys.executable).parent)
    return subprocess.run([str(PRE_COMMIT), "try-repo", str(SOURCE), "hookman", "--verbose",
                           *args], cwd=cwd, capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, check=False, timeout=900)


def test_the_hook_file_is_valid_for_the_framework() -> None:
    done = subprocess.run([str(PRE_COMMIT), "validate-manifest",
                           str(SOURCE / ".pre-commit-hooks.yaml")], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pre_commit_and_pre_push_stages_under_the_real_framework(
        tmp_path: Path, pre_commit_home: Path) -> None:
    assert shutil.which("git")
    origin = Origin(tmp_path)
    origin.branch("feature", SECOND, BASE)
    origin.land(FIRST, BASE)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--branch", "feature", origin.url, str(clone))
    # pre-commit stage, healthy index: passes, and says the upstream is another stage's job.
    healthy = try_repo(clone, pre_commit_home, "--all-files")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "alembic heads (hookman)" in healthy.stdout
    assert "upstream not checked at this stage" in healthy.stdout
    # pre-push stage: the framework passes the first ref only; the fork against origin/main
    # is found, and what was not checked is said.
    head = git(clone, "rev-parse", "HEAD")
    pushed = try_repo(clone, pre_commit_home, "--hook-stage", "pre-push", "--from-ref",
                      origin.base_commit, "--to-ref", head, "--remote-branch",
                      "refs/heads/feature", "--local-branch", "refs/heads/feature",
                      "--remote-name", "origin", "--remote-url",
                      origin.url)
    assert pushed.returncode == 1, pushed.stdout + pushed.stderr
    assert "the pre-commit framework hands hooks the first pushed ref only" in pushed.stdout
    assert "predicted against origin/main as this clone last fetched it" in pushed.stdout
    assert f"{FIRST}  migrations/versions/{FIRST}_rev.py" in pushed.stdout
    # pre-commit stage with a staged fork: blocked.
    add_revision(clone, "dddd00000004", BASE)
    git(clone, "add", "-A")
    forked = try_repo(clone, pre_commit_home)
    assert forked.returncode == 1, forked.stdout + forked.stderr
    assert "error [multiple-heads]: 2 heads" in forked.stdout
    commit_all(clone, "keep the test honest: the fork is committed, not lost")
