"""The scan cache is keyed by everything a verdict depends on: the same bytes under another
file name (a legacy id comes from the name) must give alembic's answer, warm cache or not."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks_manager.check import check_projects
from hooks_manager.config import Settings
from hooks_manager.sources import Commit
from hooks_manager.workspace import load_workspace
from tests.helpers import commit_all, git, init_repo, make_project

HEX_NAMES = ["b1", "abc123", "00ff", "aaaa00000001"]
OTHER_NAMES = ["zz_nohex", "b1_slug", "x", "ABC123"]  # upper case is not alembic's hex
BODIES = [
    "down_revision = 'a0'\n",  # no id: alembic takes it from a <hex>.py name, or fails
    "revision = 'c7'\ndown_revision = 'a0'\n",
    "# no id here either\ndown_revision = ('a0',)\nbranch_labels = None\n",
]


def _alembic(root: Path) -> tuple[str, ...] | None:
    """alembic's heads, None when it refuses the history."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            script = ScriptDirectory.from_config(Config(str(root / "alembic.ini")))
            return tuple(sorted(script.get_heads()))
    except CommandError:
        return None


def _hookman(root: Path) -> tuple[str, ...] | None:
    hm = Settings({}, None)
    ws = load_workspace(str(root), Commit(str(root), "HEAD"))
    [report] = check_projects(ws.require_projects(), ws.source, hm)
    return tuple(sorted(report.verdict.head_ids)) if report.verdict.ok else None


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(body=st.sampled_from(BODIES),
       names=st.lists(st.sampled_from(HEX_NAMES + OTHER_NAMES), min_size=2, max_size=3,
                      unique=True))
def test_the_same_bytes_under_other_names_agree_with_alembic(body: str,
                                                             names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = make_project(init_repo(Path(tmp) / "repo"))
        versions = root / "migrations" / "versions"
        (versions / "base_a0.py").write_text("revision = 'a0'\ndown_revision = None\n")
        previous = None
        for name in names:  # one blob, renamed: the blob cache is warm after the first
            if previous is not None:
                git(root, "mv", f"migrations/versions/{previous}.py",
                    f"migrations/versions/{name}.py")
            else:
                (versions / f"{name}.py").write_bytes(body.encode())
            commit_all(root, f"as {name}")
            for pyc in root.rglob("__pycache__"):  # alembic must read this file, not bytecode
                for file in pyc.iterdir():
                    file.unlink()
            assert _hookman(root) == _alembic(root), f"{body!r} named {name}.py"
            previous = name
