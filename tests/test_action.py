"""The composite action at the repository root: its check step's script, run with bash as
GitHub runs it (inputs arrive as environment variables, never spliced into the script)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.offsitekit import BASE, FIRST, SECOND, Origin, github_env

ACTION = Path(__file__).resolve().parents[1] / "action.yml"


def check_step() -> dict[str, object]:
    action = yaml.safe_load(ACTION.read_text())
    assert action["runs"]["using"] == "composite"
    step: dict[str, object] = next(s for s in action["runs"]["steps"]
                                   if s.get("name") == "hookman ci")
    return step


def test_the_action_installs_from_its_own_checkout() -> None:
    action = yaml.safe_load(ACTION.read_text())
    install = next(s for s in action["runs"]["steps"] if "pip install" in s.get("run", ""))
    assert install["env"] == {"HOOKMAN_SOURCE": "${{ github.action_path }}"}
    assert '"$HOOKMAN_SOURCE"' in install["run"]


def test_the_check_step_runs_hookman_ci_with_the_inputs(tmp_path: Path) -> None:
    step = check_step()
    script = str(step["run"])
    assert "${{" not in script  # inputs only through env: no script injection
    origin = Origin(tmp_path)
    origin.branch("feature", SECOND, BASE)
    payload = {"pull_request": {"base": {"ref": "main", "sha": origin.base_commit}}}
    origin.land(FIRST, BASE)
    clone = origin.shallow_clone("feature")
    env = github_env(tmp_path, "pull_request", payload, GITHUB_BASE_REF="main",
                     HOOKMAN_FORMAT="github", HOOKMAN_AGAINST="")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]
    done = subprocess.run(["bash", "-e", "-c", script], cwd=clone, env=env, capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "::error file=migrations/versions/" in done.stdout
    env["HOOKMAN_AGAINST"] = "origin/nonexistent; touch injected"
    odd = subprocess.run(["bash", "-e", "-c", script], cwd=clone, env=env, capture_output=True,
                         text=True, check=False, stdin=subprocess.DEVNULL)
    assert odd.returncode == 2, odd.stdout + odd.stderr
    assert "not checked" in odd.stderr
    assert not (clone / "injected").exists()
