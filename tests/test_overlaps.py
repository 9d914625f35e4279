"""What both lines of a fork change: every op form read statically, and real alembic on SQLite
showing that what is flagged as failing really fails once merged, and what is not, passes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from hooks_manager.overlaps import find_overlaps, read_changes
from tests.helpers import commit_all, git, hookman

EVERY_FORM = b'''"""every form"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Column

revision = "f1"
down_revision = "f0"

USERS = "users"
SCHEMA = "crm"


def upgrade():
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        Column(name="owner", type_=sa.String()),
        sa.PrimaryKeyConstraint("id"),
        schema="billing",
    )
    op.drop_table("legacy")
    op.add_column(USERS, sa.Column("email", sa.String(255), nullable=True))
    op.add_column(table_name="users", column=sa.Column(name="phone", type_=sa.String()))
    op.drop_column("users", "fax")
    op.alter_column("users", "name", new_column_name="full_name", schema=SCHEMA)
    op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)
    op.drop_index("ix_old", table_name="users")
    op.create_foreign_key("fk_acc_user", "accounts", "users", ["owner"], ["id"],
                          source_schema="billing")
    op.rename_table("orders", "purchases")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("total", sa.Numeric()))
        batch_op.drop_column("old_total")
        batch_op.alter_column("status", existing_type=sa.String())
        batch_op.create_index("ix_invoices_total", ["total"])
        batch_op.drop_index("ix_invoices_old")
        batch_op.create_foreign_key("fk_inv_acc", "accounts", ["acc"], ["id"])
    op.execute("UPDATE users SET email = lower(email)")
    helper()
    op.add_column(f"t_{revision}", sa.Column("x", sa.Integer()))


def helper():
    op.create_unique_constraint("uq_users_email", "users", ["email"])


def downgrade():
    op.drop_table("never_read")
'''


def test_every_op_form_is_read() -> None:
    got = [(c.kind, c.table, c.target) for c in read_changes(EVERY_FORM, "v/f1.py", "f1")]
    assert got == [
        ("create-table", "billing.accounts", ""),
        ("column", "billing.accounts", "id"),
        ("column", "billing.accounts", "owner"),
        ("drop-table", "legacy", ""),
        ("add-column", "users", "email"),
        ("add-column", "users", "phone"),
        ("drop-column", "users", "fax"),
        ("alter-column", "crm.users", "name (renamed to full_name)"),
        ("create-index", "users", "ix_users_email"),
        ("drop-index", "users", "ix_old"),
        ("create-foreign-key", "billing.accounts", "fk_acc_user"),
        ("rename-table", "orders", "to purchases"),
        ("create-table", "purchases", "(renamed from orders)"),
        ("add-column", "invoices", "total"),
        ("drop-column", "invoices", "old_total"),
        ("alter-column", "invoices", "status"),
        ("create-index", "invoices", "ix_invoices_total"),
        ("drop-index", "invoices", "ix_invoices_old"),
        ("create-foreign-key", "invoices", "fk_inv_acc"),
        ("raw-sql", "", "op.execute: raw SQL, not read"),
        ("create-unique-constraint", "users", "uq_users_email"),
        ("add-column", "?", "x"),
    ]
    lines = [c.line for c in read_changes(EVERY_FORM, "v/f1.py", "f1")]
    assert lines[0] == 14
    assert lines[4] == 22


def test_unreadable_files_say_so() -> None:
    assert [c.kind for c in read_changes(b"def upgrade(:\n", "p", "r")] == ["not-read"]
    assert read_changes(b"x = 1\n", "p", "r")[0].target == "no upgrade() function"


def body(rev: str, down: str | tuple[str, ...] | None, upgrade: str, message: str = "") -> str:
    return (f'"""{message or rev}\n\nRevision ID: {rev}\n"""\n'
            "from alembic import op\nimport sqlalchemy as sa\n\n"
            f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\n"
            f"depends_on = None\n\n\ndef upgrade():\n{upgrade}\n\n\ndef downgrade():\n"
            "    pass\n")


BASE = ("    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))\n"
        "    op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True))")

# name -> (line A's upgrade, line B's upgrade, flagged as failing, SQLite's complaint)
CASES = {
    "same-column": ("    op.add_column('users', sa.Column('email', sa.String()))",
                    "    with op.batch_alter_table('users') as batch_op:\n"
                    "        batch_op.add_column(sa.Column(name='email', type_=sa.String()))",
                    True, "duplicate column name: email"),
    "same-table": ("    op.create_table('tags', sa.Column('id', sa.Integer()))",
                   "    T = 'tags'\n    op.create_table(T, sa.Column('id', sa.Integer()))",
                   True, "table tags already exists"),
    "same-index": ("    op.create_index('ix_shared', 'users', ['id'])",
                   "    op.create_index(op.f('ix_shared'), 'orders', ['id'])",
                   True, "index ix_shared already exists"),
    "different-tables": ("    op.add_column('users', sa.Column('email', sa.String()))",
                         "    op.add_column('orders', sa.Column('total', sa.Integer()))",
                         False, ""),
    "same-table-different-columns": (
        "    op.add_column('users', sa.Column('email', sa.String()))",
        "    op.add_column('users', sa.Column('phone', sa.String()))", False, ""),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_flagged_collisions_fail_in_real_alembic_and_unflagged_pass(
    project: Path, case: str
) -> None:
    first, second, fails, complaint = CASES[case]
    versions = project / "migrations" / "versions"
    (versions / "b0_base.py").write_text(body("b0", None, BASE, "base tables"))
    (versions / "a1_first.py").write_text(body("a1", "b0", first, "line a"))
    (versions / "c1_second.py").write_text(body("c1", "b0", second, "line c"))
    commit_all(project, "a fork")
    done = hookman(project, "check", "--json")
    assert done.returncode == 1
    overlaps = json.loads(done.stdout)["projects"][0]["overlaps"]
    assert overlaps["fork_points"] == ["b0"]
    failing = [c for c in overlaps["collisions"] if c["expected_to_fail"]]
    assert bool(failing) == fails, overlaps["collisions"]
    text = hookman(project, "check").stdout
    assert ("warning [overlap]" in text) == fails, text
    if case == "same-table-different-columns":
        assert "note [overlap]: both lines touch table users" in text

    # The merge revision alembic itself writes joins the heads; then the real upgrade.
    ini = Config(str(project / "alembic.ini"))
    command.merge(ini, ["a1", "c1"], message="merge", rev_id="m1")
    if fails:
        with pytest.raises(Exception, match=complaint):
            command.upgrade(ini, "head")
    else:
        command.upgrade(ini, "head")
        with sqlite3.connect(project / "app.db") as db:
            assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("m1",)]
    assert git(project, "status", "--porcelain", "--", "migrations/versions/a1_first.py") == ""


def test_lines_are_read_from_the_checked_source_not_the_work_tree(project: Path) -> None:
    versions = project / "migrations" / "versions"
    (versions / "b0_base.py").write_text(body("b0", None, BASE))
    (versions / "a1_first.py").write_text(body("a1", "b0", CASES["same-column"][0]))
    (versions / "c1_second.py").write_text(body("c1", "b0", CASES["same-column"][0]))
    git(project, "add", "-A")
    # the work tree changes after staging; the staged bytes are what the commit records
    (versions / "c1_second.py").write_text(body("c1", "b0", "    pass"))
    staged = hookman(project, "check", "--staged", "--json")
    collisions = json.loads(staged.stdout)["projects"][0]["overlaps"]["collisions"]
    assert [c["kind"] for c in collisions] == ["both-add-column"]
    worktree = hookman(project, "check", "--json")
    assert json.loads(worktree.stdout)["projects"][0]["overlaps"]["collisions"] == []


def test_dropped_on_one_line_and_altered_on_the_other() -> None:
    from hooks_manager.graph import Record

    files = {"v/b0.py": body("b0", None, BASE).encode(),
             "v/a1.py": body("a1", "b0", "    op.drop_table('users')").encode(),
             "v/c1.py": body("c1", "b0", "    op.alter_column('users', 'id', "
                             "nullable=False)").encode()}
    records = [Record("b0", (), path="v/b0.py"), Record("a1", ("b0",), path="v/a1.py"),
               Record("c1", ("b0",), path="v/c1.py")]
    overlap = find_overlaps(records, ["a1", "c1"], files.get)
    assert [(c.kind, c.table, c.fails) for c in overlap.collisions] == [
        ("dropped-and-altered", "users", True)]
    assert "line a1 drops table users (a1) while the other line changes it (alter column id" \
        in overlap.collisions[0].message


def test_hookman_merge_says_what_collides_before_and_after_writing(project: Path) -> None:
    versions = project / "migrations" / "versions"
    (versions / "b0_base.py").write_text(body("b0", None, BASE))
    (versions / "a1_first.py").write_text(body("a1", "b0", CASES["same-column"][0]))
    (versions / "c1_second.py").write_text(body("c1", "b0", CASES["same-column"][1]))
    commit_all(project, "a fork")
    done = hookman(project, "merge", "--yes", "--commit")
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert "  what each line changes since the fork at b0:" in err
    assert "    users: line a1: add column email; line c1: add column email" in err
    said = err.index("warning [overlap]: both lines add column users.email")
    assert said < err.index("hookman: wrote ")
    assert "the merged lines collide (above)" in err[err.index("hookman: wrote "):]
    # and it is true: the real upgrade fails on the merged history
    with pytest.raises(Exception, match="duplicate column name: email"):
        command.upgrade(Config(str(project / "alembic.ini")), "head")


def test_forms_seen_in_real_projects() -> None:
    # Shapes met in public histories: the annotated template, `import alembic.op as op`, a
    # project's own batch_alter_table wrapper, schema=None, a guard around the ops.
    source = b'''"""add columns

Revision ID: 74bd1a41d075
"""
from typing import Sequence, Union

import alembic.op as op
import sqlalchemy as sa

from migrations import batch_alter_table

revision: str = "74bd1a41d075"
down_revision: Union[str, None] = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("full_name", sa.String(length=120), nullable=True))
    with batch_alter_table("posts") as batch_op:
        batch_op.drop_column("image_file")
    if False:
        return
    op.add_column("tables", sa.Column("schema", sa.String(length=255), nullable=True))
'''
    got = [(c.kind, c.table, c.target) for c in read_changes(source, "p", "74bd1a41d075")]
    assert got == [("add-column", "users", "full_name"), ("drop-column", "posts", "image_file"),
                   ("add-column", "tables", "schema")]


def test_a_predicted_merge_reads_both_lines_from_git(project: Path) -> None:
    versions = project / "migrations" / "versions"
    (versions / "b0_base.py").write_text(body("b0", None, BASE))
    commit_all(project, "base")
    git(project, "switch", "-q", "-c", "feature")
    (versions / "a1_first.py").write_text(body("a1", "b0", CASES["same-index"][0]))
    commit_all(project, "mine")
    git(project, "switch", "-q", "main")
    (versions / "c1_second.py").write_text(body("c1", "b0", CASES["same-index"][1]))
    commit_all(project, "theirs")
    git(project, "switch", "-q", "feature")
    done = hookman(project, "check", "--against", "main", "--json")
    overlaps = json.loads(done.stdout)["projects"][0]["overlaps"]
    assert [c["kind"] for c in overlaps["collisions"]] == ["both-create-index"]
    assert sorted(overlaps["lines"]) == ["a1", "c1"]
    assert not (versions / "c1_second.py").exists()  # read from git, not the work tree
