"""The replay harness: repositories laid out the way real projects lay out their alembic
histories, each run through what a newcomer does with no configuration: `hookman install`, a
real commit (the pre-commit hook), a real push to a bare remote (the pre-push hook). Each must
find the right history, pass it while healthy and block its fork.

Layouts (issue "real repositories, zero configuration"): the root alembic.ini; an alembic.ini in
a sub-folder (server/, db/, src/fides/api/alembic/); Flask-Migrate's migrations/alembic.ini with
no script_location; a script_location relative to the repository root (alembic run from there
with -c); a package:path script_location in a src layout nobody can import; several version
trees of which env.py picks one in code (Prefect); and no pyproject.toml at all.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from tests.helpers import (
    ALEMBIC_TEMPLATES,
    ENV_PY,
    INI,
    commit_all,
    git,
    hookman,
    init_repo,
    make_project,
    revision_source,
)

# Flask-Migrate's own template: an [alembic] section with no script_location (Flask-Migrate
# hands alembic the folder itself).
FLASK_INI = """\
# A generic, single database configuration.

[alembic]
# template used to generate migration files
# file_template = %%(rev)s_%%(slug)s

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""


class Layout:
    """A generated repository: where each history's revisions go, by project name."""

    def __init__(self, repo: Path, histories: dict[str, Path], guessed: bool,
                 written_to: str | None) -> None:
        self.repo = repo
        self.histories = histories  # project name -> its versions folder
        self.guessed = guessed  # install must offer (and with --yes write) the entries
        self.written_to = written_to  # the file the entries go to


def script_folder(folder: Path) -> Path:
    (folder / "versions").mkdir(parents=True, exist_ok=True)
    (folder / "env.py").write_text(ENV_PY)
    (folder / "script.py.mako").write_text((ALEMBIC_TEMPLATES / "script.py.mako").read_text())
    return folder / "versions"


def pyproject(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1.0"\n'
                                         'dependencies = ["alembic>=1.16"]\n')


def root_ini(repo: Path) -> Layout:
    make_project(repo)
    pyproject(repo)
    return Layout(repo, {"alembic": repo / "migrations" / "versions"}, False, None)


def subfolder_ini(repo: Path) -> Layout:
    make_project(repo / "server")
    pyproject(repo)
    return Layout(repo, {"server": repo / "server" / "migrations" / "versions"}, True,
                  "pyproject.toml")


def flask_migrate(repo: Path) -> Layout:
    versions = script_folder(repo / "migrations")
    (repo / "migrations" / "alembic.ini").write_text(FLASK_INI)
    (repo / "app.py").write_text("from flask_migrate import Migrate\n")
    pyproject(repo)
    return Layout(repo, {"migrations": versions}, True, "pyproject.toml")


def root_relative(repo: Path) -> Layout:
    versions = script_folder(repo / "db" / "migrations")
    (repo / "db" / "alembic.ini").write_text("[alembic]\nscript_location = db/migrations\n"
                                             "sqlalchemy.url = sqlite:///app.db\n")
    pyproject(repo)
    return Layout(repo, {"db": versions}, True, "pyproject.toml")


def package_src(repo: Path) -> Layout:
    (repo / "src" / "myapp").mkdir(parents=True)
    (repo / "src" / "myapp" / "__init__.py").write_text("")
    versions = script_folder(repo / "src" / "myapp" / "migrations")
    (repo / "alembic.ini").write_text("[alembic]\nscript_location = myapp:migrations\n")
    pyproject(repo)
    return Layout(repo, {"alembic": versions}, True, "pyproject.toml")


def picked_in_code(repo: Path) -> Layout:
    versions = script_folder(repo / "app" / "migrations")
    (repo / "app" / "alembic.ini").write_text(INI)
    for dialect in ("postgresql", "sqlite"):
        (versions / dialect).mkdir()
    pyproject(repo)
    return Layout(repo, {"postgresql": versions / "postgresql", "sqlite": versions / "sqlite"},
                  True, "pyproject.toml")


def no_pyproject(repo: Path) -> Layout:
    make_project(repo / "backend")
    return Layout(repo, {"backend": repo / "backend" / "migrations" / "versions"}, True,
                  ".hookman.toml")


LAYOUTS: dict[str, Callable[[Path], Layout]] = {
    "root-ini": root_ini, "subfolder-ini": subfolder_ini, "flask-migrate": flask_migrate,
    "root-relative": root_relative, "package-src": package_src,
    "picked-in-code": picked_in_code, "no-pyproject": no_pyproject,
}


def write(folder: Path, rev: str, down: str | None) -> Path:
    path = folder / f"{rev}_step.py"
    path.write_text(revision_source(rev, down))
    return path


def run_git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                          check=False, stdin=subprocess.DEVNULL, env={**os.environ, "CI": "1"})


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_install_commit_push_with_no_configuration(tmp_path: Path, name: str) -> None:
    layout = LAYOUTS[name](init_repo(tmp_path / "repo"))
    repo = layout.repo
    for i, folder in enumerate(layout.histories.values()):
        write(folder, f"a{i}00000001", None)
        write(folder, f"b{i}00000002", f"a{i}00000001")
    commit_all(repo, "the project, before hookman")
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "origin", "main")

    installed = hookman(repo, "install", "--yes")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    for project, folder in layout.histories.items():
        assert os.path.relpath(folder, repo) in installed.stdout, installed.stdout
        assert project in installed.stdout
    if layout.written_to:
        assert f"written to {layout.written_to}" in installed.stdout, installed.stdout
        text = (repo / layout.written_to).read_text()
        table = tomllib.loads(text)
        entries = (table["tool"]["hookman"]["projects"] if layout.written_to == "pyproject.toml"
                   else table["projects"])
        assert sorted(e["name"] for e in entries) == sorted(layout.histories)
        commit_all(repo, "hookman: the projects install found")
    else:
        assert "written to" not in installed.stdout
    check = hookman(repo, "check")
    assert check.returncode == 0, check.stdout + check.stderr

    # A healthy commit passes; a forked one is blocked, naming the fork in its own history.
    for i, folder in enumerate(layout.histories.values()):
        write(folder, f"c{i}00000003", f"b{i}00000002")
    git(repo, "add", "-A")
    healthy = run_git(repo, "commit", "-m", "a healthy revision")
    assert healthy.returncode == 0, healthy.stderr
    for i, (project, folder) in enumerate(layout.histories.items()):
        fork = write(folder, f"d{i}00000004", f"b{i}00000002")
        git(repo, "add", "-A")
        blocked = run_git(repo, "commit", "-m", "a fork")
        assert blocked.returncode == 1, blocked.stderr
        assert f"c{i}00000003" in blocked.stderr
        assert f"d{i}00000004" in blocked.stderr
        if len(layout.histories) > 1:
            assert project in blocked.stderr
        git(repo, "rm", "-q", "--cached", str(fork.relative_to(repo)))
        fork.unlink()

    pushed = run_git(repo, "push", "origin", "main")
    assert pushed.returncode == 0, pushed.stderr
    for i, project in enumerate(layout.histories):
        assert f"{project}: ok — head c{i}00000003" in pushed.stderr, pushed.stderr


def test_picked_in_code_is_a_named_problem_until_written(tmp_path: Path) -> None:
    layout = picked_in_code(init_repo(tmp_path / "repo"))
    for folder in layout.histories.values():
        write(folder, "aaaa0001", None)
    commit_all(layout.repo, "two dialect trees")
    done = hookman(layout.repo, "check")
    assert done.returncode == 1, done.stdout
    assert "revisions-in-subfolders" in done.stdout or "revision files sit in" in done.stdout
    assert "app/migrations/versions/postgresql" in done.stdout
    assert "0 revisions" not in done.stdout


def test_an_ini_that_cannot_be_resolved_is_named(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "tools").mkdir()
    (repo / "tools" / "alembic.ini").write_text("[alembic]\nsqlalchemy.url = sqlite://\n")
    commit_all(repo, "an ini with no script_location and no env.py beside it")
    done = hookman(repo, "check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "tools/alembic.ini" in done.stdout
    assert "no script_location" in done.stdout
    assert "[[tool.hookman.projects]]" in done.stdout


def test_root_relative_location_is_what_alembic_reads_from_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = root_relative(init_repo(tmp_path / "repo"))
    [versions] = layout.histories.values()
    write(versions, "aaaa0001", None)
    write(versions, "bbbb0002", "aaaa0001")
    commit_all(layout.repo, "history")
    monkeypatch.chdir(layout.repo)  # how such a project runs alembic: -c from the root
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        script = ScriptDirectory.from_config(Config("db/alembic.ini"))
        assert list(script.get_heads()) == ["bbbb0002"]
    done = hookman(layout.repo, "check", "--rev", "HEAD")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bbbb0002" in done.stdout


def test_configuration_wins_over_discovery(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    make_project(repo / "one")
    make_project(repo / "two")
    (repo / ".hookman.toml").write_text('[[projects]]\nname = "one"\nconfig = "one/alembic.ini"\n')
    write(repo / "two" / "migrations" / "versions", "aaaa0001", None)
    write(repo / "two" / "migrations" / "versions", "bbbb0002", "aaaa0001")
    write(repo / "two" / "migrations" / "versions", "cccc0003", "aaaa0001")  # a fork, unlisted
    commit_all(repo, "two projects, one listed")
    done = hookman(repo, "check")
    assert done.returncode == 0, done.stdout
    assert "two" not in done.stdout.replace("one", "")
    (repo / ".hookman.toml").unlink()
    found = hookman(repo, "check")
    assert found.returncode == 1
    assert "bbbb0002" in found.stdout
