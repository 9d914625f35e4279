"""What `hookman install` detects, what it asks (only at a terminal) and what it writes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest

from hooks_manager.installer import remember_test_command
from hooks_manager.testrun import PYTEST_COMMAND, detect_test_command
from tests.helpers import git
from tests.hooktools import hookman_cmd

# --- detecting the test command ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "text"), [
    ("pyproject.toml", "[project]\nname = 'x'\n\n[tool.pytest.ini_options]\naddopts = '-q'\n"),
    ("pytest.ini", "[pytest]\n"),
    ("tox.ini", "[tox]\nenvlist = py\n\n[pytest]\naddopts = -q\n"),
    ("setup.cfg", "[metadata]\nname = x\n\n[tool:pytest]\ntestpaths = t\n"),
    ("conftest.py", ""),
])
def test_pytest_settings_are_detected(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    assert detect_test_command(str(tmp_path)) == PYTEST_COMMAND


def test_a_tests_folder_is_detected(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    assert detect_test_command(str(tmp_path)) == PYTEST_COMMAND


@pytest.mark.parametrize(("name", "text"), [
    ("pyproject.toml", "[project]\nname = 'x'\n# [tool.pytest.ini_options] is not here\n"),
    ("tox.ini", "[tox]\nenvlist = py\n"),
    ("setup.cfg", "[metadata]\nname = x\n"),
])
def test_files_without_pytest_settings_are_not_a_suite(tmp_path: Path, name: str,
                                                        text: str) -> None:
    (tmp_path / name).write_text(text)
    assert detect_test_command(str(tmp_path)) is None


# --- writing the answer: append only, never rewrite -------------------------------------------


def test_the_answer_is_appended_without_touching_a_byte(tmp_path: Path) -> None:
    original = b"# my project\n[project]\nname = \"x\"  # keep this comment\n\n\n[tool.ruff]\nx=1"
    path = tmp_path / "pyproject.toml"
    path.write_bytes(original)
    path.chmod(0o640)
    said = remember_test_command(str(tmp_path), 'make "test" \\ all')
    assert "written to a new [tool.hookman] table" in said
    data = path.read_bytes()
    assert data.startswith(original)
    assert data[len(original):] == (b'\n\n[tool.hookman]\n'
                                    b'test_command = "make \\"test\\" \\\\ all"\n')
    assert os.stat(path).st_mode & 0o777 == 0o640

    import tomllib

    assert tomllib.loads(data.decode())["tool"]["hookman"] == {"test_command": 'make "test" \\ all'}


@pytest.mark.parametrize("text", [
    "[tool.hookman]\nhooks = ['pre-commit']\n",
    "[[tool.hookman.projects]]\nconfig = 'alembic.ini'\n",
    "tool.hookman.upstream = 'main'\n",
    "[tool.hookman\nbroken",
])
def test_an_existing_table_or_a_broken_file_is_never_rewritten(tmp_path: Path, text: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    said = remember_test_command(str(tmp_path), "make test")
    assert said == 'add to [tool.hookman] in pyproject.toml: test_command = "make test"'
    assert path.read_text() == text


def test_no_pyproject_is_never_created(tmp_path: Path) -> None:
    said = remember_test_command(str(tmp_path), "make test")
    assert said.startswith("add to [tool.hookman]")
    assert not (tmp_path / "pyproject.toml").exists()


# --- asking: only at a terminal, never with --yes, CI, or no terminal --------------------------


def test_install_at_a_terminal_asks_for_the_test_command(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_bytes(b"[project]\nname = \"app\"\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}  # conftest drops it; be explicit
    child = pexpect.spawn(sys.executable, ["-m", "hooks_manager", "install"], cwd=str(project),
                          env=env, encoding="utf-8", timeout=30, dimensions=(40, 200))
    child.expect("hooks folder")
    child.expect("No pytest setup found")
    child.send("make check\r")
    child.expect("tests before push: make check")
    child.expect("alembic_heads.txt")  # the head file question (default: no)
    child.send("\r")
    child.expect("head file: off")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert pyproject.read_bytes() == (b"[project]\nname = \"app\"\n\n[tool.hookman]\n"
                                      b"test_command = \"make check\"\n")


@pytest.mark.parametrize(("args", "env", "new_session"), [
    (["--yes"], {}, False),
    ([], {"CI": "true"}, False),
    ([], {}, True),  # no controlling terminal at all: a GUI, an IDE, an agent
])
def test_install_without_a_terminal_takes_the_defaults(
    project: Path, args: list[str], env: dict[str, str], new_session: bool
) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_bytes(b"[project]\nname = \"app\"\n")
    done = hookman_cmd(project, "install", *args, env=env, new_session=new_session)
    assert done.returncode == 0, done.stderr
    assert "tests before push: none (no pytest setup found" in done.stdout
    assert pyproject.read_bytes() == b"[project]\nname = \"app\"\n"


def test_install_reports_a_configured_test_command(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.hookman]\ntest_command = 'tox -e py'\n")
    done = hookman_cmd(project, "install", env={"CI": "1"})
    assert done.returncode == 0, done.stderr
    assert "tests before push: tox -e py ([tool.hookman] test_command)" in done.stdout


def test_install_reports_a_detected_test_command(project: Path) -> None:
    (project / "tests").mkdir()
    for name in ("test_a.py", "test_b.py"):
        (project / "tests" / name).write_text("def test_x() -> None:\n    assert True\n")
    git(project, "add", "-A")
    done = hookman_cmd(project, "install", env={"CI": "1"})
    # What it will run, and how big: without testpaths pytest collects the whole repository.
    assert ("tests before push: python -m pytest -q (detected a pytest setup; 2 test files in "
            "the whole repository, no testpaths); set test_command") in done.stdout
    (project / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    done = hookman_cmd(project, "install", env={"CI": "1"})
    assert "(detected a pytest setup; 2 test files in tests)" in done.stdout


def test_install_asks_before_a_whole_repository_suite(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_bytes(b"[project]\nname = \"app\"\n\n[tool.pytest.ini_options]\n"
                          b"addopts = \"-q\"\n")
    (project / "tests").mkdir()
    (project / "tests" / "test_a.py").write_text("def test_x() -> None:\n    assert True\n")
    git(project, "add", "-A")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    child = pexpect.spawn(sys.executable, ["-m", "hooks_manager", "install"], cwd=str(project),
                          env=env, encoding="utf-8", timeout=30, dimensions=(40, 200))
    child.expect("1 test file in the whole repository")
    child.expect("pytest would collect the whole repository")
    child.sendcontrol("u")  # clear the offered default
    child.send("python -m pytest -q tests\r")
    child.expect("tests before push: python -m pytest -q tests")
    child.expect("alembic_heads.txt")  # the head file question (default: no)
    child.send("\r")
    child.expect("head file: off")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert pyproject.read_bytes().endswith(
        b"\n[tool.hookman]\ntest_command = \"python -m pytest -q tests\"\n")
