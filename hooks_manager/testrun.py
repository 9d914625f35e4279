"""The project's test suite: which command runs it."""

from __future__ import annotations

import os

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
