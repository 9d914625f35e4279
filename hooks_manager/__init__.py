"""hookman: git hooks that keep an Alembic history single-headed."""

from __future__ import annotations

# Kept as a literal: importlib.metadata costs ~55 ms, more than the whole check.
__version__ = "0.1.0"
