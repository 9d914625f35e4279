"""Finding the histories: every way a project tells alembic where its revisions are.

Where alembic can be asked (its Config and ScriptDirectory), the answer is compared with it.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from hooks_manager.workspace import load_workspace
from tests.helpers import add_revision, hookman, init_repo, make_project, revision_source


def heads_of(done_stdout: str) -> list[list[str]]:
    report = json.loads(done_stdout)
    return [sorted(h["revision"] for h in p["heads"]) for p in report["projects"]]


def write_revision(folder: Path, rev: str, down: str | tuple[str, ...] | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{rev}_step.py").write_text(revision_source(rev, down))


def alembic_heads(ini: Path, section: str = "alembic") -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        script = ScriptDirectory.from_config(Config(str(ini), ini_section=section))
        return sorted(script.get_heads())


def test_alembic_ini_at_the_root(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    add_revision(project, "bbbb0002", "aaaa0001")
    done = hookman(project, "check", "--json")
    assert done.returncode == 0, done.stderr
    assert heads_of(done.stdout) == [["bbbb0002"]] == [alembic_heads(project / "alembic.ini")]


def test_config_flag_and_section(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "db").mkdir()
    (repo / "db" / "multi.ini").write_text(
        "[alembic]\nscript_location = %(here)s/one\n\n"
        "[reports]\nscript_location = %(here)s/two\n")
    write_revision(repo / "db" / "one" / "versions", "aaaa0001", None)
    write_revision(repo / "db" / "two" / "versions", "bbbb0001", None)
    write_revision(repo / "db" / "two" / "versions", "bbbb0002", "bbbb0001")
    one = hookman(repo, "check", "-c", "db/multi.ini", "--json")
    two = hookman(repo, "check", "-c", "db/multi.ini", "-n", "reports", "--json")
    assert heads_of(one.stdout) == [["aaaa0001"]]
    assert heads_of(two.stdout) == [["bbbb0002"]]
    assert alembic_heads(repo / "db" / "multi.ini", "reports") == ["bbbb0002"]
    assert hookman(repo, "check", "-c", "db/missing.ini").returncode == 4


def test_alembic_config_environment_variable(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "conf").mkdir()
    (repo / "conf" / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/mig\n")
    write_revision(repo / "conf" / "mig" / "versions", "aaaa0001", None)
    done = hookman(repo, "check", "--json", env={"ALEMBIC_CONFIG": "conf/alembic.ini"})
    assert done.returncode == 0, done.stderr
    assert heads_of(done.stdout) == [["aaaa0001"]]


def test_tool_alembic_in_pyproject_only(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "app"\n\n[tool.alembic]\nscript_location = "%(here)s/migrations"\n')
    write_revision(repo / "migrations" / "versions", "aaaa0001", None)
    write_revision(repo / "migrations" / "versions", "bbbb0002", "aaaa0001")
    write_revision(repo / "migrations" / "versions", "cccc0003", "aaaa0001")
    done = hookman(repo, "check", "--json")
    assert done.returncode == 1
    assert heads_of(done.stdout) == [["bbbb0002", "cccc0003"]]


def test_several_projects_in_a_monorepo(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    for name in ("billing", "users"):
        make_project(repo / name)
    (repo / "pyproject.toml").write_text(
        '[[tool.hookman.projects]]\nname = "billing"\nconfig = "billing/alembic.ini"\n\n'
        '[[tool.hookman.projects]]\nname = "users"\nconfig = "users/alembic.ini"\n')
    add_revision(repo / "billing", "aaaa0001", None)  # the same id in both: that is fine
    add_revision(repo / "users", "aaaa0001", None)
    add_revision(repo / "users", "bbbb0002", "aaaa0001")
    add_revision(repo / "users", "cccc0003", "aaaa0001")
    done = hookman(repo, "check", "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert [p["name"] for p in report["projects"]] == ["billing", "users"]
    assert [p["ok"] for p in report["projects"]] == [True, False]
    assert heads_of(done.stdout) == [["aaaa0001"], ["bbbb0002", "cccc0003"]]
    only = hookman(repo, "check", "-p", "billing")
    assert only.returncode == 0, only.stdout
    assert "-p users" in hookman(repo, "check").stdout  # the fix names the project


def test_script_location_as_package_path(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "myapp").mkdir()
    (repo / "myapp" / "__init__.py").write_text("")
    (repo / "alembic.ini").write_text("[alembic]\nscript_location = myapp:db/migrations\n")
    write_revision(repo / "myapp" / "db" / "migrations" / "versions", "aaaa0001", None)
    done = hookman(repo, "check", "--json")
    assert done.returncode == 0, done.stderr
    assert heads_of(done.stdout) == [["aaaa0001"]]
    [project] = load_workspace(str(repo)).require_projects()
    assert project.locations == [str(repo / "myapp" / "db" / "migrations" / "versions")]


@pytest.mark.parametrize(("separator", "joined"), [
    ("os", os.pathsep), ("space", " "), ("newline", "\n  "), (";", ";"), (":", ":"),
    (None, " "), (None, ", "), (None, ","),
])
def test_version_locations_split_like_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, separator: str | None, joined: str
) -> None:
    repo = make_project(tmp_path / "p")
    paths = ["%(here)s/migrations/versions", "%(here)s/extra/a", "%(here)s/extra/b"]
    ini = ("[alembic]\nscript_location = %(here)s/migrations\n"
           f"version_locations = {joined.join(paths)}\n")
    if separator:
        ini += f"path_separator = {separator}\n"
    (repo / "alembic.ini").write_text(ini)
    [project] = load_workspace(str(repo)).require_projects()
    monkeypatch.chdir(repo)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the legacy split warns
        script = ScriptDirectory.from_config(Config(str(repo / "alembic.ini")))
        expected = [str(p) for p in script._version_locations]
    assert project.locations == expected
    assert len(expected) == 3


def test_version_locations_across_folders_form_one_history(tmp_path: Path) -> None:
    repo = make_project(tmp_path / "p")
    (repo / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\npath_separator = os\n"
        f"version_locations = %(here)s/migrations/versions{os.pathsep}%(here)s/plugin\n")
    write_revision(repo / "migrations" / "versions", "aaaa0001", None)
    write_revision(repo / "plugin", "bbbb0002", "aaaa0001")
    done = hookman(repo, "check", "--json")
    assert done.returncode == 0, done.stderr
    assert heads_of(done.stdout) == [["bbbb0002"]] == [alembic_heads(repo / "alembic.ini")]


@pytest.mark.parametrize("recursive", [True, False])
def test_recursive_version_locations(tmp_path: Path, recursive: bool) -> None:
    repo = make_project(tmp_path / "p")
    if recursive:
        with (repo / "alembic.ini").open("a") as ini:
            ini.write("recursive_version_locations = true\n")
    versions = repo / "migrations" / "versions"
    write_revision(versions, "aaaa0001", None)
    write_revision(versions / "2024", "bbbb0002", "aaaa0001")
    write_revision(versions / "2024" / "q2", "cccc0003", "bbbb0002")
    (versions / "__init__.py").write_text("broken (\n")
    (versions / ".#cccc0003_step.py").write_text("broken (\n")
    (versions / "__pycache__").mkdir()
    (versions / "__pycache__" / "zzzz9999_step.py").write_text("broken (\n")
    (versions / "2024" / "__pycache__").mkdir()
    (versions / "2024" / "__pycache__" / "yyyy9999_step.py").write_text("broken (\n")
    done = hookman(repo, "check", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    expected = ["cccc0003"] if recursive else ["aaaa0001"]
    assert heads_of(done.stdout) == [expected] == [alembic_heads(repo / "alembic.ini")]
    assert json.loads(done.stdout)["projects"][0]["revisions"] == (3 if recursive else 1)


def test_works_outside_git(tmp_path: Path) -> None:
    folder = make_project(tmp_path / "plain")
    add_revision(folder, "aaaa0001", None)
    add_revision(folder, "bbbb0002", "aaaa0001")
    add_revision(folder, "cccc0003", "aaaa0001")
    done = hookman(folder, "check")
    assert done.returncode == 1
    assert "bbbb0002" in done.stdout
    assert "cccc0003" in done.stdout
    assert "not committed yet" not in done.stdout  # no git to ask


def test_settings_are_read_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.hookman]\nallowed_heads = ["keep"]\nrequired = ["tests"]\n')
    ws = load_workspace(str(tmp_path), projects=False)
    assert ws.settings.allowed_heads == frozenset({"keep"})
    assert ws.settings.required == frozenset({"tests"})
    assert ws.alembic_toml == {}
    assert ws.settings_path == str(tmp_path / "pyproject.toml")


def alembic_heads_and_warnings(ini: Path) -> tuple[list[str], list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        heads = list(ScriptDirectory.from_config(Config(str(ini))).get_heads())
    return heads, [str(w.message) for w in caught]


def test_a_file_reached_twice_is_read_once_as_in_alembic(tmp_path: Path) -> None:
    repo = make_project(tmp_path / "p")
    versions = repo / "migrations" / "versions"
    write_revision(versions, "aaaa0001", None)
    (versions / "0_link_to_aaaa0001.py").symlink_to("aaaa0001_step.py")
    heads, said = alembic_heads_and_warnings(repo / "alembic.ini")
    assert heads == ["aaaa0001"]
    assert any("loaded twice" in w for w in said)
    done = hookman(repo, "check", "--json")
    assert done.returncode == 0, done.stdout
    assert heads_of(done.stdout) == [["aaaa0001"]]


def test_overlapping_version_locations_read_each_file_once(tmp_path: Path) -> None:
    repo = make_project(tmp_path / "p")
    (repo / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\npath_separator = os\n"
        "version_locations = %(here)s/migrations/versions"
        f"{os.pathsep}%(here)s/migrations/../migrations/versions\n")
    write_revision(repo / "migrations" / "versions", "aaaa0001", None)
    heads, _ = alembic_heads_and_warnings(repo / "alembic.ini")
    done = hookman(repo, "check", "--json")
    assert done.returncode == 0, done.stdout
    assert heads_of(done.stdout) == [heads] == [["aaaa0001"]]


def test_a_hard_link_is_two_files_for_alembic_too(tmp_path: Path) -> None:
    repo = make_project(tmp_path / "p")
    versions = repo / "migrations" / "versions"
    write_revision(versions, "aaaa0001", None)
    os.link(versions / "aaaa0001_step.py", versions / "zz_copy.py")
    heads, said = alembic_heads_and_warnings(repo / "alembic.ini")
    assert any("present more than once" in w for w in said)
    done = hookman(repo, "check", "--json")
    assert sorted(heads) == heads_of(done.stdout)[0]
    kinds = {p["kind"] for p in json.loads(done.stdout)["projects"][0]["problems"]}
    assert "duplicate-revision" in kinds
