from __future__ import annotations

from pathlib import Path

from tests.helpers import add_revision, git, hookman

COMPUTED = '''\
"""computed header"""
from myapp_constants import LABEL

revision = "bbbb0002"
down_revision = "aaaa0001"
branch_labels = (LABEL,)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


def _project_with_computed_label(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    (project / "migrations" / "versions" / "bbbb0002_computed.py").write_text(COMPUTED)
    (project / "myapp_constants.py").write_text('LABEL = "billing"\n')


def test_computed_value_is_named_with_file_and_line(project: Path) -> None:
    # A computed branch label no longer drops the file: its literal ids keep it in the graph
    # (one head, no false fork), and what was not read is a named warning.
    _project_with_computed_label(project)
    done = hookman(project, "check")
    assert done.returncode == 0, done.stdout
    assert "head bbbb0002" in done.stdout
    assert "warning: " in done.stdout
    assert "bbbb0002_computed.py:6: `branch_labels` `(LABEL,)` is not a literal" in done.stdout
    assert "static_fallback = true" in done.stdout


def test_static_fallback_asks_alembic_for_that_file(project: Path) -> None:
    _project_with_computed_label(project)
    (project / "pyproject.toml").write_text("[tool.hookman]\nstatic_fallback = true\n")
    git(project, "config", "hookman.trustRepoCode", "true")  # this clone's own opt-in
    done = hookman(project, "check", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"billing"' in done.stdout  # the head carries the label alembic computed
