"""Bad input through the real command line: a named message with the file, a non-zero exit,
never a traceback, and never a migration file executed."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import (
    add_revision,
    commit_all,
    git,
    hookman,
    init_repo,
    make_project,
    revision_source,
)

VERSIONS = Path("migrations") / "versions"


def check(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = hookman(project, "check", *args)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return done


def assert_names(done: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    said = done.stdout + done.stderr
    assert done.returncode == code, said
    for word in words:
        assert word in said, said


@pytest.mark.parametrize(("data", "kind", "words"), [
    (b"revision = 'bad1'\ndown_revision = (\n", "unparseable-file", "syntax error"),
    (b'"""caf\xe9"""\nrevision = \'bad1\'\ndown_revision = None\n', "unparseable-file",
     "UTF-8"),
    (b"\x7fELF\x02\x01\x01\0\0\0\0revision", "unparseable-file", "NUL"),
    (b"", "missing-revision", "empty"),
    (b"down_revision = None\n", "missing-revision", "no `revision"),
    (b"revision = 'bad1'\n", "missing-down-revision", "down_revision"),
])
def test_bad_revision_file_is_named(project: Path, data: bytes, kind: str,
                                    words: str) -> None:
    add_revision(project, "aaaa0001", None)
    (project / VERSIONS / "bad1_broken.py").write_bytes(data)
    done = check(project)
    assert_names(done, 1, f"[{kind}]", "migrations/versions/bad1_broken.py", words)
    report = json.loads(check(project, "--json").stdout)
    assert kind in {p["kind"] for p in report["projects"][0]["problems"]}


def test_non_utf8_byte_in_a_comment_loads_as_in_alembic(project: Path) -> None:
    # Python compiles these bytes (comments are not decoded), and so does alembic's loader.
    (project / VERSIONS / "bad1_latin.py").write_bytes(
        b"revision = 'bad1'  # caf\xe9\ndown_revision = None\n")
    assert_names(check(project), 0, "head bad1")


def test_missing_versions_folder(project: Path) -> None:
    (project / VERSIONS).rmdir()
    assert_names(check(project), 1, "migrations/versions", "does not exist")


@pytest.mark.parametrize(("ini", "words"), [
    ("[alembic\nscript_location = migrations\n", "cannot be read as an alembic configuration"),
    ("[alembic]\nsqlalchemy.url = sqlite://\n", "no script_location"),
    ("[alembic]\nscript_location = %(here)s/nowhere\n", "does not exist"),
    ("[other]\nscript_location = migrations\n", "no [alembic] section"),
    ("[alembic]\nscript_location = migrations\nversion_locations = a b\n"
     "path_separator = pipe\n", "path_separator"),
])
def test_broken_alembic_ini(project: Path, ini: str, words: str) -> None:
    (project / "alembic.ini").write_text(ini)
    assert_names(check(project), 2, "alembic.ini", words)


def test_symlinked_folder_loop_under_recursive_locations(project: Path) -> None:
    ini = (project / "alembic.ini").read_text() + "recursive_version_locations = true\n"
    (project / "alembic.ini").write_text(ini)
    add_revision(project, "aaaa0001", None)
    (project / VERSIONS / "sub").mkdir()
    (project / VERSIONS / "sub" / "loop").symlink_to("..", target_is_directory=True)
    assert_names(check(project), 1, "symlink-loop", "migrations/versions/sub/loop")


def test_file_symlink_loop(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    (project / VERSIONS / "x1_loop.py").symlink_to("x2_loop.py")
    (project / VERSIONS / "x2_loop.py").symlink_to("x1_loop.py")
    assert_names(check(project), 1, "migrations/versions/x1_loop.py", "cannot be read")


def test_ten_thousand_revisions(project: Path) -> None:
    versions = project / VERSIONS
    down = "None"
    for i in range(10_000):
        rev = f"{i:012x}"
        (versions / f"{rev}_step.py").write_text(
            f"revision = '{rev}'\ndown_revision = {down}\nbranch_labels = None\n"
            "depends_on = None\n")
        down = f"'{rev}'"
    done = check(project, "--json")
    assert done.returncode == 0, done.stderr
    [report] = json.loads(done.stdout)["projects"]
    assert [h["revision"] for h in report["heads"]] == [f"{9999:012x}"]
    assert report["revisions"] == 10_000


def test_migration_files_are_never_executed(project: Path) -> None:
    sentinel = project.parent / "PWNED"
    trap = (f"open({str(sentinel)!r}, 'w').write('ran')\n"
            "revision = 'trap0001'\ndown_revision = None\n")
    (project / VERSIONS / "trap0001_trap.py").write_text(trap)
    commit_all(project, "trap")
    assert check(project).returncode == 0
    assert check(project, "--rev", "HEAD").returncode == 0
    (project / VERSIONS / "trap0002_trap.py").write_text(
        trap.replace("trap0001'\ndown_revision = None", "trap0002'\ndown_revision = 'trap0001'"))
    git(project, "add", "-A")
    assert check(project, "--staged").returncode == 0
    hook = hookman(project, "hook", "pre-commit")
    assert hook.returncode == 0, hook.stderr
    assert not sentinel.exists()


def test_migration_file_with_a_fork_is_still_never_executed(project: Path) -> None:
    sentinel = project.parent / "PWNED"
    trap = f"open({str(sentinel)!r}, 'w').write('ran')\n"
    add_revision(project, "aaaa0001", None)
    for rev in ("bbbb0002", "cccc0003"):
        (project / VERSIONS / f"{rev}_x.py").write_text(
            trap + f"revision = '{rev}'\ndown_revision = 'aaaa0001'\n")
    git(project, "add", "-A")
    assert check(project, "--staged").returncode == 1
    assert hookman(project, "hook", "pre-commit").returncode == 1
    assert not sentinel.exists()


def test_no_alembic_configuration_at_all(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "plain")
    done = check(repo)
    assert_names(done, 4, "no alembic configuration found")


@pytest.mark.parametrize(("table", "words"), [
    ("[tool.hookman]\nshout = true\n", "unknown setting shout"),
    ("[tool.hookman]\nauto_merge = \"yes\"\n", "auto_merge must be true or false"),
    ("[tool.hookman]\nallowed_heads = \"abc\"\n", "allowed_heads must be a list"),
    ("[tool.hookman\n", "not valid TOML"),
])
def test_bad_hookman_settings(project: Path, table: str, words: str) -> None:
    (project / "pyproject.toml").write_text(table)
    assert_names(check(project), 2, "pyproject.toml", words)


def test_bad_settings_through_the_hook(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.hookman]\nshout = true\n")
    done = hookman(project, "hook", "pre-commit")
    assert "Traceback" not in done.stderr
    assert_names(done, 2, "pyproject.toml", "shout")


def test_not_a_repository_with_staged(tmp_path: Path) -> None:
    folder = make_project(tmp_path / "nogit")
    assert_names(check(folder, "--staged"), 2, "git repository")


def test_syntax_error_below_a_clean_header_is_named(project: Path) -> None:
    # The header alone reads fine; alembic would still fail to import the file.
    add_revision(project, "aaaa0001", None)
    text = (project / VERSIONS / "aaaa0001_rev.py").read_text()
    broken = text.replace("def downgrade() -> None:",
                          "def downgrade() -> None\n    pass\n\n\ndef x():")
    (project / VERSIONS / "aaaa0001_rev.py").write_text(broken)
    done = check(project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[unparseable-file]" in done.stdout
    assert "aaaa0001_rev.py:" in done.stdout
    assert "syntax error" in done.stdout


def test_a_closed_pipe_is_not_a_bug(project: Path) -> None:
    for n in range(40):
        add_revision(project, f"aaaa{n:04d}", f"aaaa{n - 1:04d}" if n else None)
    done = subprocess.run(f"{sys.executable} -m hooks_manager check --json | head -1",
                          shell=True, cwd=project, capture_output=True, text=True, check=False)
    assert done.stdout == "{\n"
    assert "internal error" not in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("table", "words"), [
    ('name = 3\nconfig = "alembic.ini"', "name must be a string, not 3"),
    ("config = 3", "config must be a string, not 3"),
    ('toml = "nope/pyproject.toml"', "toml = 'nope/pyproject.toml': no such file"),
])
def test_bad_project_tables_name_the_key(project: Path, table: str, words: str) -> None:
    (project / "pyproject.toml").write_text(f"[[tool.hookman.projects]]\n{table}\n")
    done = check(project)
    assert done.returncode == 2, done.stdout + done.stderr
    assert words in done.stderr
    assert "pyproject.toml" in done.stderr


def test_script_location_in_the_default_section_counts(project: Path) -> None:
    # configparser's [DEFAULT] feeds every section; alembic finds script_location there.
    ini = project / "alembic.ini"
    text = ini.read_text().replace("script_location = %(here)s/migrations\n", "")
    ini.write_text("[DEFAULT]\nscript_location = %(here)s/migrations\n\n" + text)
    add_revision(project, "aaaa0001", None)
    done = check(project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "head aaaa0001" in done.stdout


def _without_root_override(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`hookman check` as a user whom permissions bind: as root (CI containers), with the two
    capabilities that let root ignore them dropped, so a folder's mode really stops it."""
    prefix = ([shutil.which("setpriv") or "setpriv",
               "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else [])
    done = subprocess.run([*prefix, sys.executable, "-m", "hooks_manager", "check", *args],
                          cwd=project, capture_output=True, text=True, check=False)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return done


@pytest.mark.parametrize(("recursive", "mode"), [
    (True, 0o644),  # listed but not entered (`chmod -R 644`): its sub-folders cannot be read
    (False, 0o311),  # entered but not listed
])
def test_a_folder_that_cannot_be_read_is_named_never_passed(project: Path, recursive: bool,
                                                            mode: int) -> None:
    versions = project / VERSIONS
    if recursive:
        ini = project / "alembic.ini"
        ini.write_text(ini.read_text() + "recursive_version_locations = true\n")
        for folder, rev, down in (("a", "5f2c9e0b7d41", None),
                                  ("b", "8a1b2c3d9e0f", "5f2c9e0b7d41"),
                                  ("b", "c7d8e9f0a1b2", "5f2c9e0b7d41")):  # a fork
            (versions / folder).mkdir(exist_ok=True)
            (versions / folder / f"{rev}_rev.py").write_text(revision_source(rev, down))
    else:
        add_revision(project, "5f2c9e0b7d41", None)
    commit_all(project, "history")
    assert _without_root_override(project).returncode == (1 if recursive else 0)
    versions.chmod(mode)
    try:
        for as_json in (False, True):
            done = _without_root_override(project, *(["--json"] if as_json else []))
            assert done.returncode == 1, done.stdout + done.stderr
            assert "unreadable-folder" in done.stdout, done.stdout
            assert "migrations/versions" in done.stdout
            assert "ok —" not in done.stdout
    finally:
        versions.chmod(0o755)


def test_a_closed_stdout_or_stderr_changes_no_exit_code(project: Path) -> None:
    add_revision(project, "5f2c9e0b7d41", None)
    commit_all(project, "history")
    command = f"{shlex.quote(sys.executable)} -m hooks_manager check"
    for closed in (">&-", "2>&-"):
        for _ in range(2):  # cold, then warm (a recalled verdict)
            done = subprocess.run(["sh", "-c", f"{command} {closed}"], cwd=project,
                                  capture_output=True, text=True, check=False)
            assert done.returncode == 0, (closed, done.stdout, done.stderr)
            assert "Traceback" not in done.stdout + done.stderr


def test_a_fork_left_by_an_unreadable_folder_gets_no_merge_offered(project: Path) -> None:
    # Two lines in the top folder, their merge in a sub-folder that cannot be read: the two
    # heads are an artefact of what was not read. A merge of them would be a second merge of
    # the same heads (a real fork once the folder is readable again), so none is printed.
    versions = project / VERSIONS
    ini = project / "alembic.ini"
    ini.write_text(ini.read_text() + "recursive_version_locations = true\n")
    add_revision(project, "5f2c9e0b7d41", None)
    add_revision(project, "8a1b2c3d9e0f", "5f2c9e0b7d41")
    add_revision(project, "c7d8e9f0a1b2", "5f2c9e0b7d41")
    (versions / "sub").mkdir()
    (versions / "sub" / "d41c0ffe9e12_rev.py").write_text(
        revision_source("d41c0ffe9e12", ("8a1b2c3d9e0f", "c7d8e9f0a1b2")))
    commit_all(project, "history")
    assert _without_root_override(project).returncode == 0
    (versions / "sub").chmod(0)
    try:
        done = _without_root_override(project)
    finally:
        (versions / "sub").chmod(0o755)
    assert done.returncode == 1, done.stdout
    assert "unreadable-folder" in done.stdout
    assert "migrations/versions/sub" in done.stdout
    assert "no merge offered" in done.stdout, done.stdout
    assert "fix: hookman merge" not in done.stdout
    assert "alembic -c" not in done.stdout


def test_many_heads_are_explained_within_a_small_file_limit(project: Path) -> None:
    # Who added each head is asked of git a few processes at a time, never all at once: 40
    # heads under a limit of 48 open files (Python itself holds a dozen).
    add_revision(project, "5f2c9e0b7d41", None)
    heads = [f"{n:04x}c9e0b7d41"[:12] for n in range(1, 41)]
    for head in heads:
        add_revision(project, head, "5f2c9e0b7d41")
    commit_all(project, "forty lines")
    command = f"ulimit -n 48 && {shlex.quote(sys.executable)} -m hooks_manager check --json"
    done = subprocess.run(["sh", "-c", command], cwd=project, capture_output=True, text=True,
                          check=False)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    (found,) = json.loads(done.stdout)["projects"]
    assert sorted(h["revision"] for h in found["heads"]) == sorted(heads)
    assert all(h["added_by"] and h["added_by"]["commit"] for h in found["heads"])
