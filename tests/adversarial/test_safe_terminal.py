"""Repository bytes never reach the terminal raw, and narrow encodings degrade, never crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks_manager.textsafe import lines, shown
from tests.helpers import add_revision, commit_all, git, hookman

PAYLOADS = [
    "\x1b[2J\x1b[31mok",  # clear screen, colour
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",  # OSC 52: write the clipboard
    "line\nhookman: ok",  # a forged second line
    "car\rriage",
    "bidi\u202egnp.exe",  # right-to-left override
    "c1\x9bcontrol\x7f",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_shown_escapes_every_control_and_keeps_text(payload: str) -> None:
    out = shown(payload)
    assert out.isprintable(), out
    assert "\n" not in out
    assert "\x1b" not in out
    assert shown("é漢 plain/path.py") == "é漢 plain/path.py"
    kept = lines(f"a\n{payload}")
    assert kept.startswith("a\n")
    assert "\x1b" not in kept
    assert "\u202e" not in kept


@pytest.mark.parametrize("payload", ["\x1b[31mEVIL", "evil\x1b]0;title\x07", "x\u202ey"])
def test_check_and_the_hook_print_an_escaped_revision_id(project: Path, payload: str) -> None:
    add_revision(project, "aaaa0001", None)
    commit_all(project, "base")
    for name, rev in (("b.py", "bbbb0002"), ("c.py", payload)):
        (project / "migrations" / "versions" / name).write_text(
            f"revision = {rev!r}\ndown_revision = 'aaaa0001'\n")
    done = hookman(project, "check")
    assert done.returncode == 1
    assert payload not in done.stdout
    assert "\x1b" not in done.stdout
    assert shown(payload) in done.stdout
    git(project, "add", "-A")
    blocked = hookman(project, "hook", "pre-commit")
    assert blocked.returncode == 1
    assert "\x1b" not in blocked.stderr
    assert "\u202e" not in blocked.stderr
    assert shown(payload) in blocked.stderr


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_narrow_output_encoding_degrades_instead_of_crashing(project: Path,
                                                               encoding: str) -> None:
    add_revision(project, "aaaa0001", None)
    done = hookman(project, "check", env={"PYTHONIOENCODING": encoding})
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout
    assert "Traceback" not in done.stderr
    assert "\\u2014" in done.stdout  # the em dash, escaped rather than a UnicodeEncodeError
