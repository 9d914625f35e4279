"""Parsed pyproject.toml settings kept by file identity: an unchanged file is not parsed again
(so tomllib is not imported), any write is seen, and the cache never decides."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hooks_manager.config import _read_tool_tables
from hooks_manager.errors import ConfigError
from hooks_manager.settings_cache import FILE_NAME, RACY_NS, cached_tool_tables
from tests.helpers import NO_COVERAGE, add_revision, hookman

PYPROJECT = """\
[project]
name = "app"
version = "1.0"
dependencies = ["alembic>=1.13", "sqlalchemy>=2.0"]

[tool.hookman]
test_command = "pytest -q"
allowed_heads = [{allowed}]
"""

PROBE = """
import sys
from hooks_manager.main import main
code = main(["check"])
# tomllib, and `re` with it: what an ordinary pyproject.toml costs the hook when parsed.
# Looked at before json is imported: json itself imports re.
parsed, re_loaded = "tomllib" in sys.modules, "re" in sys.modules
import json
print(json.dumps({"code": code, "tomllib": parsed, "re": re_loaded}))
"""


def _settled() -> None:
    # A file's ctime must be older than the racy window before its parse is kept.
    time.sleep(RACY_NS / 1e9 + 0.05)


def _probe(cwd: Path, with_re: bool = False) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, capture_output=True,
                          text=True, check=False, env={**os.environ, **NO_COVERAGE})
    assert "Traceback" not in done.stderr, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    if not with_re:  # a report of a problem may import re itself (shlex, for instance)
        del result["re"]
    return result


def test_an_unchanged_pyproject_is_not_parsed_again_and_an_edit_is_seen(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    add_revision(project, "bbbb0002", "aaaa0001")
    add_revision(project, "cccc0003", "aaaa0001")  # two heads: the setting decides
    pyproject = project / "pyproject.toml"
    pyproject.write_text(PYPROJECT.format(allowed='"cccc0003"'))
    _settled()
    assert _probe(project) == {"code": 0, "tomllib": True}  # parsed, and kept
    assert (project / ".git" / "hookman" / FILE_NAME).is_file()
    # Answered from the cache: a healthy run then needs neither tomllib nor re.
    assert _probe(project, with_re=True) == {"code": 0, "tomllib": False, "re": False}
    # The same size, another value: the write changed ctime, so it is parsed again.
    pyproject.write_text(PYPROJECT.format(allowed='"dddd0003"'))
    assert _probe(project) == {"code": 1, "tomllib": True}
    _settled()
    assert _probe(project)["code"] == 1  # kept by this run or the one before
    assert _probe(project) == {"code": 1, "tomllib": False}
    done = hookman(project, "check")
    assert done.returncode == 1
    assert "multiple-heads" in done.stdout


def test_a_broken_file_is_never_kept(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.hookman\nalembic = 1\n")
    _settled()
    for _ in range(2):
        with pytest.raises(ConfigError, match="not valid TOML"):
            cached_tool_tables(str(pyproject), str(tmp_path / "cache"), _read_tool_tables)
    assert not (tmp_path / "cache" / FILE_NAME).exists()


def test_a_file_marshal_cannot_keep_is_parsed_each_time(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.hookman]\n[tool.alembic]\nwhen = 2026-01-01\n")
    _settled()
    tables = cached_tool_tables(str(pyproject), str(tmp_path / "cache"), _read_tool_tables)
    assert tables is not None
    assert str(tables["alembic"]) == "{'when': datetime.date(2026, 1, 1)}"
    assert not (tmp_path / "cache" / FILE_NAME).exists()


def test_no_file_and_a_corrupt_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    missing = str(tmp_path / "pyproject.toml")
    assert cached_tool_tables(missing, str(cache), _read_tool_tables) is None
    cache.mkdir()
    (cache / FILE_NAME).write_bytes(b"\x00not marshal")
    Path(missing).write_text('[tool.hookman]\ntest_command = "make test"\n')
    _settled()
    first = cached_tool_tables(missing, str(cache), _read_tool_tables)
    assert first == {"hookman": {"test_command": "make test"}}
    assert cached_tool_tables(missing, str(cache), _read_tool_tables) == first
    reads: list[str] = []

    def counting(path: str) -> dict[str, object] | None:
        reads.append(path)
        return _read_tool_tables(path)

    assert cached_tool_tables(missing, str(cache), counting) == first
    assert reads == []  # rebuilt after the corrupt one, then served from it


def test_a_file_written_within_the_racy_window_is_not_kept(tmp_path: Path) -> None:
    # Two writes within one tick of the file clock can leave size, mtime and ctime unchanged;
    # so a file younger than the window (here: any file) is parsed, never kept.
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.hookman]\ntest_command = "make test"\n')
    tables = cached_tool_tables(str(pyproject), str(tmp_path / "cache"), _read_tool_tables,
                                racy_ns=10**18)
    assert tables == {"hookman": {"test_command": "make test"}}
    assert not (tmp_path / "cache" / FILE_NAME).exists()
    cached_tool_tables(str(pyproject), str(tmp_path / "cache"), _read_tool_tables, racy_ns=0)
    assert (tmp_path / "cache" / FILE_NAME).exists()


def test_hookman_no_cache_turns_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.hookman]\ntest_command = "make test"\n')
    monkeypatch.setenv("HOOKMAN_NO_CACHE", "1")
    assert cached_tool_tables(str(pyproject), str(tmp_path / "cache"), _read_tool_tables,
                              racy_ns=0) == {"hookman": {"test_command": "make test"}}
    assert not (tmp_path / "cache").exists()
