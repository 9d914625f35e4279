"""The project's test suite: which command runs it, and running it."""

from __future__ import annotations

import os
import shlex

from hooks_manager import proc
from hooks_manager.errors import ConfigError

PYTEST_COMMAND = "python -m pytest -q"
# (file, text that marks pytest settings in it; None: the file's presence is enough)
_PYTEST_MARKS: tuple[tuple[str, bytes | None], ...] = (
    ("pytest.ini", None),
    ("conftest.py", None),
    ("pyproject.toml", b"[tool.pytest"),  # [tool.pytest.ini_options] (and pytest 9's [tool.pytest])
    ("tox.ini", b"[pytest]"),
    ("setup.cfg", b"[tool:pytest]"),
)


def detect_test_command(root: str) -> str | None:
    """`python -m pytest -q` when ``root`` shows any sign of a pytest suite (its settings in
    pytest.ini, pyproject.toml, tox.ini or setup.cfg; a conftest.py; a tests/ folder), else
    None: hookman then asks, or runs no tests."""
    for name, mark in _PYTEST_MARKS:
        path = os.path.join(root, name)
        if mark is None:
            if os.path.isfile(path):
                return PYTEST_COMMAND
            continue
        try:
            with open(path, "rb") as handle:
                text = handle.read()
        except OSError:
            continue
        if any(line.strip().startswith(mark) for line in text.splitlines()):
            return PYTEST_COMMAND
    if os.path.isdir(os.path.join(root, "tests")):
        return PYTEST_COMMAND
    return None


class Suite:
    """What the detected command will run: where pytest collects, and how many test files
    are there (git's tracked `test_*.py` / `*_test.py`), the likely size of every push's wait."""

    __slots__ = ("paths", "test_files", "whole_repository")

    def __init__(self, paths: list[str], test_files: int) -> None:
        self.paths = paths  # pytest's testpaths; [] = it collects from the repository root
        self.test_files = test_files
        self.whole_repository = not paths

    def describe(self) -> str:
        where = ", ".join(self.paths) if self.paths else "the whole repository, no testpaths"
        return f"{self.test_files} test file{'s' if self.test_files != 1 else ''} in {where}"


def describe_suite(root: str) -> Suite:
    paths = _testpaths(root)
    specs = [f"{p.rstrip('/')}/" for p in paths] if paths else ["."]
    from hooks_manager.repo import ls_files

    names = ls_files(root, "--", *specs) or []
    count = sum(1 for n in names if n.endswith(".py") and (
        n.rpartition("/")[2].startswith("test_") or n.endswith("_test.py")))
    return Suite(paths, count)


def _testpaths(root: str) -> list[str]:
    """pytest's `testpaths`, from the first of its config files that has pytest settings."""
    for name, mark in _PYTEST_MARKS:
        if mark is None:
            if name == "pytest.ini":
                found = _ini_testpaths(os.path.join(root, name), b"[pytest]")
                if found is not None:
                    return found
            continue
        path = os.path.join(root, name)
        found = _toml_testpaths(path) if name == "pyproject.toml" else _ini_testpaths(path, mark)
        if found is not None:
            return found
    return []


def _ini_testpaths(path: str, section: bytes) -> list[str] | None:
    try:
        with open(path, "rb") as handle:
            lines = handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    inside = seen = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.encode() == section
            seen = seen or inside
        elif inside and stripped.split("=")[0].strip() == "testpaths" and "=" in stripped:
            words = stripped.partition("=")[2].split()
            for more in lines[i + 1 :]:  # continuation lines
                if not more[:1].isspace() or not more.strip():
                    break
                words += more.split()
            return words
    return [] if seen else None  # settings without testpaths: pytest collects from the root


def _toml_testpaths(path: str) -> list[str] | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    if b"[tool.pytest" not in data:
        return None
    import tomllib

    try:
        tool = tomllib.loads(data.decode()).get("tool", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return []
    pytest = tool.get("pytest", {}) if isinstance(tool, dict) else {}
    options = pytest.get("ini_options", pytest) if isinstance(pytest, dict) else {}
    value = options.get("testpaths", []) if isinstance(options, dict) else []
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value] if isinstance(value, list) else []


def run_tests(command: str, root: str) -> int:
    """Run ``command`` (a shell-like string, split with shlex; no shell) in ``root``, output
    streamed live to stderr, stdin closed, GIT_* scrubbed so a suite that builds its own
    repositories acts on them and not on ours. Its exit code decides."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"test_command {command!r} cannot be split into words: {exc}",
                          hint="fix test_command in [tool.hookman]") from exc
    if not argv:
        raise ConfigError("test_command is empty", hint="set test_command in [tool.hookman] "
                          "or remove it")
    try:
        return proc.stream(argv, root, env=proc.clean_git_env())
    except OSError as exc:
        raise ConfigError(f"test_command {command!r}: cannot run {argv[0]!r} "
                          f"({exc.strerror})", hint="fix test_command in [tool.hookman], or "
                          "install the program") from exc
