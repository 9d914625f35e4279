"""Ctrl-C (or Esc-less cancel) at install's questions: exit 130, and nothing changed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest

from tests.hooktools import hooks_dir


def _snapshot(repo: Path) -> dict[str, bytes]:
    out = {}
    for folder, _, names in os.walk(repo):
        for name in names:
            path = Path(folder) / name
            # hookman's own caches under .git/hookman only save work; they are not the user's.
            cache = path.parent.name == "hookman" and (name.endswith("cache") or name in (
                "settings", "discovery"))
            if "objects" not in path.parts and name not in ("index", "FETCH_HEAD") and not cache:
                out[str(path.relative_to(repo))] = path.read_bytes()
    return out


@pytest.mark.parametrize("question", ["tests", "trust"])
@pytest.mark.parametrize("keys", ["\x03", "\x03\x03"])
def test_ctrl_c_at_an_install_question_exits_130_and_changes_nothing(
    project: Path, question: str, keys: str
) -> None:
    pyproject = project / "pyproject.toml"
    if question == "trust":  # a test suite is detected, so the only question is the trust one
        pyproject.write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
                             "[tool.hookman]\nauto_merge = true\n")
        prompt = "Allow that in this clone?"
    else:
        pyproject.write_text('[project]\nname = "app"\n')
        prompt = "No pytest setup found"
    before = _snapshot(project)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    child = pexpect.spawn(sys.executable, ["-m", "hooks_manager", "install"], cwd=str(project),
                          env=env, encoding="utf-8", timeout=30, dimensions=(40, 200))
    child.expect(prompt)
    child.send(keys)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130, child.before
    assert _snapshot(project) == before
    assert not (hooks_dir(project) / "pre-commit").exists()
