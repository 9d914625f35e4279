"""scan.scan on each syntax form real projects write, and on files built to fool a reader.

Every expected value is also checked against Python itself: the file is executed and
alembic's own to_tuple applied, so a test cannot encode a wrong belief about the syntax.
"""

from __future__ import annotations

import pytest
from alembic.util import to_tuple

from hooks_manager.graph import Problem, Record
from hooks_manager.scan import read as read_all
from hooks_manager.scan import scan

TEMPLATE = '''"""Add users

Revision ID: {rev}
Revises: {stale}
Create Date: 2024-01-02 03:04:05.678901
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
{header}


def upgrade() -> None:
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("users")
'''


def source(header: str, rev: str = "ae1027a6acf", stale: str = "0000stale000") -> bytes:
    return TEMPLATE.format(header=header, rev=rev, stale=stale).encode()


def read(data: bytes, filename: str = "ae1027a6acf_add_users.py") -> Record:
    found = scan(data, f"versions/{filename}", filename)
    assert isinstance(found, Record), found
    return found


def problem(data: bytes, filename: str = "x_add_users.py") -> Problem:
    found = scan(data, f"versions/{filename}", filename)
    assert isinstance(found, Problem), found
    return found


def python_says(data: bytes) -> tuple[object, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """What alembic's Script.__init__ would see after running the file."""
    module: dict[str, object] = {}
    exec(compile(data, "f.py", "exec"), module)
    return (module["revision"], to_tuple(module["down_revision"], default=()),
            to_tuple(module.get("depends_on"), default=()),
            to_tuple(module.get("branch_labels"), default=()))


def assert_reads_as_python(data: bytes) -> Record:
    record = read(data)
    assert (record.revision, record.down_revisions, record.depends_on,
            record.branch_labels) == python_says(data)
    return record


FORMS = {
    "plain": "revision = 'ae1027a6acf'\ndown_revision = '1975ea83b712'\n"
             "branch_labels = None\ndepends_on = None",
    "double quotes": 'revision = "ae1027a6acf"\ndown_revision = "1975ea83b712"',
    "annotated generic template": 'revision: str = "ae1027a6acf"\n'
        'down_revision: Union[str, None] = "1975ea83b712"\n'
        "branch_labels: Union[str, Sequence[str], None] = None\n"
        "depends_on: Union[str, Sequence[str], None] = None",
    "pep 604": 'revision: str = "ae1027a6acf"\ndown_revision: str | None = "1975ea83b712"\n'
               "branch_labels: str | Sequence[str] | None = None\n"
               "depends_on: str | Sequence[str] | None = None",
    "Sequence annotation": 'revision: str = "ae1027a6acf"\n'
        'down_revision: Sequence[str] | str | None = ("1975ea83b712", "3512b954651e")',
    "merge tuple": "revision = 'ae1027a6acf'\ndown_revision = ('1975ea83b712', '3512b954651e')",
    "merge over lines with comments": "revision = 'ae1027a6acf'\ndown_revision = (\n"
        "    '1975ea83b712',  # add accounts\n    # the other branch:\n"
        "    '3512b954651e',  # add orders, revision 'nope'\n)",
    "list": "revision = 'ae1027a6acf'\ndown_revision = ['1975ea83b712', '3512b954651e']",
    "base None": "revision = 'ae1027a6acf'\ndown_revision = None",
    "base empty tuple": "revision = 'ae1027a6acf'\ndown_revision = ()",
    "base empty list": "revision = 'ae1027a6acf'\ndown_revision = []",
    "labels ()": "revision = 'ae1027a6acf'\ndown_revision = None\nbranch_labels = ()",
    "u-prefix one-tuple": "revision = u'ae1027a6acf'\ndown_revision = None\n"
                          "branch_labels = (u'core', )",
    "labels and depends": "revision = 'ae1027a6acf'\ndown_revision = None\n"
        "branch_labels = ('core', 'aux')\ndepends_on = '1975ea83b712'",
    "depends by label": "revision = 'ae1027a6acf'\ndown_revision = None\ndepends_on = ('core',)",
    "10-char id": "revision = '4b2e0d1c9a'\ndown_revision = None",
    "20-char id": "revision = '4b2e0d1c9a4b2e0d1c9a'\ndown_revision = None",
    "word id": "revision = 'add_users_table'\ndown_revision = 'initial'",
    "numbered id": "revision = '0002'\ndown_revision = '0001'",
    "no labels, no depends": "revision = 'ae1027a6acf'\ndown_revision = '1975ea83b712'",
    "trailing comments": "revision = 'ae1027a6acf'  # noqa\ndown_revision = None  # first",
    "tight spacing": "revision='ae1027a6acf'\ndown_revision=None",
    "reordered": "down_revision = '1975ea83b712'\nbranch_labels = None\nrevision = 'ae1027a6acf'",
    "semicolons": "revision = 'ae1027a6acf'; down_revision = '1975ea83b712'",
    "implicit concatenation": "revision = ('ae1027' 'a6acf')\ndown_revision = '1975ea' '83b712'",
    "escapes": "revision = '\\x61e1027a6acf'\ndown_revision = \"1975ea83b7\\u0031\\x32\"",
    "line continuation": "revision = \\\n    'ae1027a6acf'\ndown_revision = None",
    "raw string": "revision = r'ae1027a6acf'\ndown_revision = None",
}


@pytest.mark.parametrize("header", FORMS.values(), ids=FORMS.keys())
def test_syntax_forms_read_as_python_sees_them(header: str) -> None:
    assert_reads_as_python(source(header))


def test_header_after_the_imports_and_code() -> None:
    data = (b'"""x"""\nimport sqlalchemy as sa\nTABLE = "users"\n\n'
            b"revision = 'ae1027a6acf'\ndown_revision = '1975ea83b712'\n")
    assert read(data).down_revisions == ("1975ea83b712",)


def test_stale_docstring_is_never_trusted() -> None:
    data = source("revision = 'ae1027a6acf'\ndown_revision = '1975ea83b712'",
                  stale="deadbeef0000")
    record = assert_reads_as_python(data)
    assert record.down_revisions == ("1975ea83b712",)


def test_docstring_with_an_assignment_inside() -> None:
    data = (b'"""Example:\nrevision = "wrong"\ndown_revision = "wrong"\n"""\n'
            b"revision = 'ae1027a6acf'\ndown_revision = None\n")
    record = assert_reads_as_python(data)
    assert record.revision == "ae1027a6acf"
    assert record.line == 5


def test_names_used_later_in_upgrade() -> None:
    data = (b"revision = 'ae1027a6acf'\ndown_revision = None\n\n"
            b"def upgrade():\n    op.create_table('revision', sa.Column('down_revision'))\n"
            b"    depends_on = 'local, not module level'\n    branch_labels = revision\n")
    record = assert_reads_as_python(data)
    assert record.depends_on == ()


def test_later_assignment_wins() -> None:
    data = b"revision = 'first'\nrevision = 'second'\ndown_revision = None\n"
    assert assert_reads_as_python(data).revision == "second"


def test_bytes_literal_is_not_static() -> None:
    found = problem(b"revision = b'ae1027a6acf'\ndown_revision = None\n")
    assert found.kind == "not-static"
    assert "revision" in found.message


@pytest.mark.parametrize(("text", "line"), [
    (b"revision = 'a1'\nif True:\n    down_revision = None\n", 2),
    (b"revision = 'a1'\ntry:\n    down_revision = 'x'\nexcept ImportError:\n    pass\n", 2),
    (b"revision = 'a1'\ndown_revision = get_down_revision()\n", 2),
    (b"from app.migrations import PARENT\nrevision = 'a1'\ndown_revision = PARENT\n", 3),
    (b"from app.migrations import down_revision\nrevision = 'a1'\n", 1),
    (b"revision = 'a1'\ndown_revision = 'a' + 'b'\n", 2),
    (b"revision, down_revision = 'a1', None\n", 1),
    (b"revision = 'a1'\nfor down_revision in ['x']:\n    pass\n", 2),
])
def test_values_only_running_can_tell_are_named_with_file_and_line(text: bytes,
                                                                  line: int) -> None:
    found = problem(text)
    assert found.kind == "not-static"
    assert found.message.startswith(f"versions/x_add_users.py:{line}:")
    assert found.line == line


def test_latin1_file_with_coding_cookie() -> None:
    data = ("# -*- coding: latin-1 -*-\n\"\"\"Ajouté la table café\"\"\"\n"
            "revision = 'ae1027a6acf'\ndown_revision = None\n").encode("latin-1")
    assert assert_reads_as_python(data).revision == "ae1027a6acf"


def test_crlf_and_bom() -> None:
    data = b"\xef\xbb\xbf" + source(FORMS["annotated generic template"]).replace(b"\n", b"\r\n")
    record = assert_reads_as_python(data)
    assert record.down_revisions == ("1975ea83b712",)


def test_legacy_hex_filename_gives_the_id() -> None:
    record = read(b"down_revision = None\n", filename="1975ea83b712.py")
    assert record.revision == "1975ea83b712"


def test_no_revision_and_no_legacy_name() -> None:
    found = problem(b"down_revision = None\n", filename="helpers.py")
    assert found.kind == "missing-revision"
    assert "versions/helpers.py" in found.message


def test_missing_down_revision() -> None:
    found = problem(b"revision = 'ae1027a6acf'\n")
    assert found.kind == "missing-down-revision"
    assert found.revisions == ("ae1027a6acf",)


def test_wrong_types_are_named() -> None:
    found = problem(b"revision = 'a1'\ndown_revision = 5\n")
    assert found.kind == "not-static"
    assert "down_revision" in found.message


@pytest.mark.parametrize(("data", "words"), [
    (b"revision = 'a1'\ndown_revision = (\n", "syntax error"),
    (b"\xff\xfe revision = 'a1'\n", "UTF-8"),
    (b"revision = 'a1'\0\ndown_revision = None\n", "NUL"),
])
def test_unreadable_files(data: bytes, words: str) -> None:
    found = problem(data)
    assert found.kind == "unparseable-file"
    assert words in found.message
    assert "versions/x_add_users.py" in found.message


def test_empty_file() -> None:
    found = problem(b"  \n\n")
    assert found.kind == "missing-revision"
    assert "empty" in found.message


def test_computed_labels_and_dependencies_keep_the_literal_rest() -> None:
    data = (b"import cli\nrevision = 'b1'\ndown_revision = 'a1'\n"
            b"branch_labels = (cli.EXPAND_BRANCH,)\ndepends_on = tuple(_deps)\n")
    record, problems = read_all(data, "versions/b1.py", "b1.py")
    assert record is not None
    assert (record.revision, record.down_revisions) == ("b1", ("a1",))
    assert (record.branch_labels, record.depends_on) == ((), ())
    assert [(p.kind, p.severity, p.line) for p in problems] == [
        ("not-static", "warning", 4), ("not-static", "warning", 5)]
    assert problems[0].message.startswith("versions/b1.py:4: `branch_labels` "
                                          "`(cli.EXPAND_BRANCH,)` is not a literal")


@pytest.mark.parametrize(("text", "down"), [
    # 3.12 syntax (PEP 701: the same quote inside a replacement field); 3.11 rejects it.
    (b"revision = 'b1'\ndown_revision = 'a1'\nNAME = f\"{\"users\"!r:{'>'}10}\"\n", ("a1",)),
    # Python 2: a print statement, a merge tuple over lines with comments.
    (b"revision = u'b1'\ndown_revision = (\n    'a1',  # one\n    'a2',\n)\n"
     b"def upgrade():\n    print 'upgrading'\n", ("a1", "a2")),
])
def test_a_file_that_does_not_compile_keeps_its_place(text: bytes, down: tuple[str, ...]) -> None:
    import sys

    record, problems = read_all(text, "versions/b1.py", "b1.py")
    if sys.version_info >= (3, 12) and b"print '" not in text:
        assert problems == []  # newer interpreters compile it: nothing to say
    else:
        assert [p.kind for p in problems] == ["unparseable-file"]
        assert problems[0].revisions == ("b1",)
    assert record is not None
    assert (record.revision, record.down_revisions) == ("b1", down)


def test_a_file_that_does_not_compile_and_hides_its_ids_yields_no_record() -> None:
    record, problems = read_all(b"revision = make()\ndown_revision = 'a1'\nx = (\n",
                            "versions/b1.py", "b1.py")
    assert record is None
    assert [p.kind for p in problems] == ["unparseable-file"]


def _shape(found: tuple[Record | None, list[Problem]]) -> tuple[object, ...]:
    record, problems = found
    fields = None if record is None else (record.revision, record.down_revisions,
                                          record.depends_on, record.branch_labels,
                                          record.path, record.line)
    return fields, [(p.kind, p.message, p.severity, p.line) for p in problems]


def test_many_files_read_in_two_processes_match_one_by_one() -> None:
    # Above the threshold a forked child reads the second half; clean records come back
    # from it, everything else is read again here. Mixed so both halves hold every kind.
    from hooks_manager.scan import _PARALLEL_FROM, read_many

    kinds = [
        b'revision = "r{n}"\ndown_revision = None\n',
        b'revision = "r{n}"\ndown_revision = (\n',  # syntax error, literal lines still read
        b'revision = "r{n}"\ndown_revision = compute()\n',  # not a literal
        b"",
        b'"""doc"""\nrevision: str = \'r{n}\'\ndown_revision = ("a", "b")\nx = 1\n',
        b"\0binary",
    ]
    items = [(kinds[n % len(kinds)].replace(b"{n}", str(n).encode()), f"v/f{n}.py", f"f{n}.py")
             for n in range(_PARALLEL_FROM * 2 + 7)]
    assert [_shape(r) for r in read_many(items)] == [_shape(read_all(*i)) for i in items]
    clean = [r for r, problems in read_many(items) if r is not None and not problems]
    assert len(clean) > _PARALLEL_FROM // 2  # the child's half did hand records back
