"""Builders for real git repositories and real alembic projects in temporary folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import alembic

ALEMBIC_TEMPLATES = Path(alembic.__file__).parent / "templates" / "generic"

ENV_PY = '''\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
target_metadata = None


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

INI = """\
[alembic]
script_location = %(here)s/migrations
sqlalchemy.url = sqlite:///%(here)s/app.db
"""


# Overlaid on a child's environment: coverage's .pth starts measuring only when one of these is
# non-empty. For the tests that count the modules a child imports (coverage brings its own).
NO_COVERAGE = {"COVERAGE_PROCESS_CONFIG": "", "COVERAGE_PROCESS_START": ""}


def git(cwd: Path | str, *args: str, check: bool = True, **kw: object) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, **kw)  # type: ignore[call-overload]
    if check and done.returncode:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return str(done.stdout).strip()


def init_repo(path: Path, branch: str = "main") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    git(path, "config", "user.name", "Test User")
    git(path, "config", "user.email", "test@example.com")
    git(path, "config", "commit.gpgsign", "false")
    return path


def make_project(path: Path, ini: str = INI) -> Path:
    """An alembic project (alembic.ini, env.py, the generic script.py.mako) with no revisions."""
    (path / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
    (path / "alembic.ini").write_text(ini)
    (path / "migrations" / "env.py").write_text(ENV_PY)
    mako = (ALEMBIC_TEMPLATES / "script.py.mako").read_text()
    (path / "migrations" / "script.py.mako").write_text(mako)
    (path / ".gitignore").write_text("app.db\n__pycache__/\n")
    return path


def revision_source(
    rev: str,
    down: str | tuple[str, ...] | None,
    *,
    labels: str | tuple[str, ...] | None = None,
    depends: str | tuple[str, ...] | None = None,
    annotated: bool = False,
    table: str | None = None,
) -> str:
    """The text of a revision file in alembic's own template shape."""
    table = table or f"t_{rev}"
    if annotated:
        header = (f"revision: str = {rev!r}\n"
                  f"down_revision: Union[str, Sequence[str], None] = {down!r}\n"
                  f"branch_labels: Union[str, Sequence[str], None] = {labels!r}\n"
                  f"depends_on: Union[str, Sequence[str], None] = {depends!r}\n")
        imports = "from typing import Sequence, Union\n\n"
    else:
        header = (f"revision = {rev!r}\ndown_revision = {down!r}\n"
                  f"branch_labels = {labels!r}\ndepends_on = {depends!r}\n")
        imports = ""
    return (f'"""{table}\n\nRevision ID: {rev}\nRevises: {down}\n"""\n{imports}'
            "from alembic import op\nimport sqlalchemy as sa\n\n\n"
            f"# revision identifiers, used by Alembic.\n{header}\n\n"
            "def upgrade() -> None:\n"
            f"    op.create_table({table!r}, sa.Column('id', sa.Integer(), primary_key=True))\n\n\n"
            "def downgrade() -> None:\n"
            f"    op.drop_table({table!r})\n")


def add_revision(
    project: Path, rev: str, down: str | tuple[str, ...] | None, **kw: object
) -> Path:
    path = project / "migrations" / "versions" / f"{rev}_rev.py"
    path.write_text(revision_source(rev, down, **kw))  # type: ignore[arg-type]
    return path


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def hookman(
    cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run hookman as the console script would, in a child process."""
    return subprocess.run([sys.executable, "-m", "hooks_manager", *args], cwd=cwd,
                          capture_output=True, text=True, input=stdin,
                          env={**os.environ, **(env or {})}, check=False)
