"""alembic.ini's [post_write_hooks] gains hookman by added bytes only, and then the REAL
`alembic revision` and `alembic merge` keep the head file current."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from hooks_manager.headfile import parse
from hooks_manager.writehook import add_hook, enable_in_pyproject
from tests.headkit import HEAD_FILE, bin_env, run
from tests.helpers import add_revision, commit_all, git, init_repo
from tests.test_interactive import ENTER, finish, spawn


def only_added(old: bytes, new: bytes) -> bool:
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    return all(op in ("equal", "insert") for op, *_ in ops)


@pytest.fixture
def initialised(tmp_path: Path) -> Path:
    """`alembic init` itself: its alembic.ini with the commented post_write_hooks examples."""
    repo = init_repo(tmp_path / "repo")
    done = run(repo, "alembic", "init", "migrations")
    assert done.returncode == 0, done.stderr
    ini = repo / "alembic.ini"
    ini.write_text(ini.read_text().replace("driver://user:pass@localhost/dbname",
                                           "sqlite:///app.db"))
    (repo / "pyproject.toml").write_text("[tool.hookman]\nhead_file = true\n")
    (repo / ".gitignore").write_text("app.db\n__pycache__/\n")
    return repo


def test_alembic_init_file_gets_lines_added_and_none_changed(initialised: Path) -> None:
    old = (initialised / "alembic.ini").read_bytes()
    new = add_hook(old)
    assert new is not None
    assert only_added(old, new)
    assert b"hookman.type = exec" in new
    assert add_hook(new) is None  # once is enough


def test_an_existing_hooks_list_is_extended_crlf_and_bom_kept() -> None:
    old = (b"\xef\xbb\xbf[alembic]\r\nscript_location = m\r\n\r\n[post_write_hooks]\r\n"
           b"hooks = fmt\r\nfmt.type = exec\r\nfmt.executable = true\r\n\r\n"
           b"# the next section\r\n[loggers]\r\nkeys = root\r\n")
    new = add_hook(old)
    assert new is not None
    assert only_added(old, new)
    assert b"hooks = fmt, hookman\r\n" in new
    assert new.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in new.replace(b"\r\n", b"")
    assert new.index(b"hookman.type") < new.index(b"# the next section")


def test_a_broken_file_is_refused() -> None:
    with pytest.raises(ValueError, match="does not parse"):
        add_hook(b"[alembic\nscript_location = m\n")


def test_real_alembic_revision_and_merge_keep_the_head_file(initialised: Path) -> None:
    ini = initialised / "alembic.ini"
    ini.write_bytes(add_hook(ini.read_bytes()) or b"")
    done = run(initialised, "alembic", "revision", "-m", "first", "--rev-id", "aaaa0001")
    assert done.returncode == 0, done.stderr
    assert parse((initialised / HEAD_FILE).read_bytes()).heads == ["aaaa0001"]
    done = run(initialised, "alembic", "revision", "-m", "second", "--rev-id", "bbbb0002")
    assert done.returncode == 0, done.stderr
    assert parse((initialised / HEAD_FILE).read_bytes()).heads == ["bbbb0002"]
    done = run(initialised, "alembic", "revision", "-m", "side", "--rev-id", "cccc0003",
               "--head", "aaaa0001", "--splice")
    assert done.returncode == 0, done.stderr
    assert parse((initialised / HEAD_FILE).read_bytes()).heads == ["bbbb0002", "cccc0003"]
    done = run(initialised, "alembic", "merge", "heads", "-m", "join", "--rev-id", "dddd0004")
    assert done.returncode == 0, done.stderr
    assert parse((initialised / HEAD_FILE).read_bytes()).heads == ["dddd0004"]


def test_enable_in_pyproject_adds_one_line(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n\n[tool.hookman]\ntest_command = ""\n')
    old = path.read_bytes()
    assert enable_in_pyproject(str(tmp_path)).startswith("on")
    assert only_added(old, path.read_bytes())
    assert b"[tool.hookman]\nhead_file = true\n" in path.read_bytes()


def test_install_at_a_terminal_turns_it_on_and_adds_the_hook(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    assert run(repo, "alembic", "init", "migrations").returncode == 0
    (repo / "pyproject.toml").write_text('[tool.hookman]\ntest_command = ""\n')
    add_revision(repo, "aaaa0001", None)
    commit_all(repo, "base")
    env = bin_env()
    child = spawn(repo, env["PATH"].split(":")[0] + "/hookman", "install")
    child.expect("alembic_heads.txt")
    child.send("y")
    child.expect("post_write_hooks")
    child.send(ENTER)  # the default: yes
    code, out = finish(child)
    assert code == 0, out
    assert "head_file = true" in (repo / "pyproject.toml").read_text()
    assert "hookman.type = exec" in (repo / "alembic.ini").read_text()
    assert parse((repo / HEAD_FILE).read_bytes()).heads == ["aaaa0001"]
    assert f"git add {HEAD_FILE}" in out
    git(repo, "add", "-A")
    assert run(repo, "git", "commit", "-qm", "head file on").returncode == 0


def test_the_printed_lines_pasted_as_told_make_alembic_revision_write_the_head_file(
        initialised: Path) -> None:
    # `install --yes` changes no alembic.ini: it prints where to put the lines and the lines.
    # The stock `alembic init` file has [post_write_hooks] (commented examples) already.
    ini = initialised / "alembic.ini"
    add_revision(initialised, "aaaa0001", None)
    commit_all(initialised, "base")
    before = ini.read_bytes()
    done = run(initialised, "hookman", "install", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ini.read_bytes() == before
    out = (done.stdout + done.stderr).splitlines()
    at = next(i for i, line in enumerate(out) if "post_write_hooks not changed" in line)
    assert out[at].endswith("has a [post_write_hooks] section already (do not add a second "
                            "one): put these lines on the lines right under its "
                            "[post_write_hooks] header:"), out[at]
    block = []
    for line in out[at + 1:]:
        if line.startswith("hookman:"):
            break
        block.append(line)
    assert block[0] == "hooks = hookman", block
    text = ini.read_text()
    header = "[post_write_hooks]\n"
    assert text.count(header) == 1
    ini.write_text(text.replace(header, header + "\n".join(block) + "\n"))
    done = run(initialised, "alembic", "revision", "-m", "x", "--rev-id", "bbbb0002")
    assert done.returncode == 0, done.stdout + done.stderr
    assert parse((initialised / HEAD_FILE).read_bytes()).heads == ["bbbb0002"]
