"""The workspace read through a source: projects and settings found at a commit, in the index,
or in a bare repository with no work tree at all (a server's pre-receive hook, objects still in
quarantine)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hooks_manager.check import check_projects
from hooks_manager.errors import ConfigError
from hooks_manager.sources import Commit, Index, WorkTree
from hooks_manager.workspace import load_workspace
from tests.helpers import (
    NO_COVERAGE,
    add_revision,
    commit_all,
    git,
    hookman,
    init_repo,
    make_project,
)

MONOREPO_TOML = '[[tool.hookman.projects]]\nname = "api"\nconfig = "server/alembic.ini"\n'


def server_repo(tmp_path: Path) -> Path:
    """A clone whose alembic project lives in server/, listed in pyproject.toml."""
    repo = init_repo(tmp_path / "repo")
    make_project(repo / "server")
    (repo / "pyproject.toml").write_text(MONOREPO_TOML)
    add_revision(repo / "server", "aaaa0001", None)
    add_revision(repo / "server", "bbbb0002", "aaaa0001")
    commit_all(repo, "two revisions")
    return repo


def heads(root: str, source: Commit | Index | WorkTree) -> list[list[str]]:
    ws = load_workspace(root, source)
    reports = check_projects(ws.require_projects(), ws.source, ws.settings)
    return [report.verdict.head_ids for report in reports]


def test_a_bare_repository_is_read_at_a_commit(tmp_path: Path) -> None:
    repo = server_repo(tmp_path)
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    ws = load_workspace(str(bare), Commit(str(bare), "main"))
    assert ws.root == str(bare)
    assert ws.settings_path == str(bare / "pyproject.toml")
    [project] = ws.require_projects()
    assert project.name == "api"
    assert project.locations == [str(bare / "server" / "migrations" / "versions")]
    assert heads(str(bare), Commit(str(bare), "main")) == [["bbbb0002"]]


PRE_RECEIVE = """#!{python}
import sys
sys.path[:0] = {paths!r}
import pytest

from hooks_manager.check import check_projects
from hooks_manager.errors import ConfigError
from hooks_manager.sources import Commit
from hooks_manager.workspace import load_workspace

for line in sys.stdin:
    old, new, ref = line.split()
    ws = load_workspace(".", Commit(".", new))
    for report in check_projects(ws.require_projects(), ws.source, ws.settings):
        print(ref, report.project.name, ",".join(report.verdict.head_ids), file=sys.stderr)
        if not report.verdict.ok:
            sys.exit(1)
"""


def test_a_pre_receive_hook_reads_quarantined_objects(tmp_path: Path) -> None:
    # During pre-receive the pushed objects sit in a quarantine folder git names in the
    # environment; the workspace must find the pushed settings and projects there.
    repo = server_repo(tmp_path)
    bare = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(PRE_RECEIVE.format(python=sys.executable, paths=sys.path))
    hook.chmod(0o755)
    git(repo, "remote", "add", "origin", str(bare))
    pushed = subprocess.run(["git", "push", "origin", "main"], cwd=repo, capture_output=True,
                            text=True, check=False)
    assert pushed.returncode == 0, pushed.stderr
    assert "refs/heads/main api bbbb0002" in pushed.stderr
    add_revision(repo / "server", "cccc0003", "aaaa0001")  # a fork
    commit_all(repo, "fork")
    refused = subprocess.run(["git", "push", "origin", "main"], cwd=repo, capture_output=True,
                             text=True, check=False)
    assert refused.returncode != 0
    assert "refs/heads/main api bbbb0002,cccc0003" in refused.stderr
    # The refused objects never left quarantine: the server still has the old tip.
    assert git(bare, "rev-parse", "main") == git(repo, "rev-parse", "HEAD~1")


def test_rev_reads_a_layout_the_work_tree_no_longer_has(tmp_path: Path) -> None:
    repo = server_repo(tmp_path)
    old = git(repo, "rev-parse", "HEAD")
    # The project moves: server/ becomes backend/, and the listing follows.
    git(repo, "mv", "server", "backend")
    (repo / "pyproject.toml").write_text(MONOREPO_TOML.replace("server/", "backend/"))
    commit_all(repo, "move")
    done = hookman(repo, "check", "--rev", old, "--json")
    assert done.returncode == 0, done.stderr
    [found] = json.loads(done.stdout)["projects"]
    assert [h["revision"] for h in found["heads"]] == ["bbbb0002"]
    # Settings are the work tree's; the projects are the commit's own ([[projects]] of then).
    shutil.rmtree(repo / "backend")
    (repo / "pyproject.toml").unlink()
    assert heads(str(repo), Commit(str(repo), old)) == [["bbbb0002"]]
    assert heads(str(repo), Commit(str(repo), "HEAD")) == [["bbbb0002"]]


def test_the_index_is_read_as_staged(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    make_project(repo)
    add_revision(repo, "aaaa0001", None)
    git(repo, "add", "-A")
    # An unstaged edit of alembic.ini is not what the commit records.
    (repo / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/elsewhere\n")
    assert heads(str(repo), Index(str(repo))) == [["aaaa0001"]]
    ws = load_workspace(str(repo), WorkTree(str(repo)), projects=False)
    assert ws.projects == []
    with pytest.raises(ConfigError, match=r"script_location '.*elsewhere' does not exist"):
        ws.discover()  # the work tree has the edit


def test_settings_from_dot_hookman_toml(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    make_project(repo / "db")
    (repo / ".hookman.toml").write_text(
        'allowed_heads = ["keep"]\n\n[[projects]]\nname = "db"\nconfig = "db/alembic.ini"\n')
    add_revision(repo / "db", "aaaa0001", None)
    ws = load_workspace(str(repo))
    assert ws.settings_path == str(repo / ".hookman.toml")
    assert ws.settings.allowed_heads == frozenset({"keep"})
    assert [p.name for p in ws.require_projects()] == ["db"]
    (repo / "pyproject.toml").write_text('[tool.hookman]\nfetch = true\n')
    done = hookman(repo, "check")
    assert done.returncode == 2
    assert ".hookman.toml: settings are also in [tool.hookman] of pyproject.toml" in done.stderr


def submodule_repo(tmp_path: Path, toml: str) -> Path:
    inner = make_project(init_repo(tmp_path / "inner"))
    add_revision(inner, "aaaa0001", None)
    commit_all(inner, "inner history")
    outer = init_repo(tmp_path / "outer")
    git(outer, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "sub")
    (outer / "pyproject.toml").write_text(toml)
    commit_all(outer, "the submodule and its project")
    return outer


def test_a_project_inside_a_submodule_is_not_checked_at_a_commit(tmp_path: Path) -> None:
    outer = submodule_repo(tmp_path, '[[tool.hookman.projects]]\nname = "sub"\n'
                                     'config = "sub/alembic.ini"\n')
    for args in (("--rev", "HEAD"), ("--staged",)):
        done = hookman(outer, "check", *args)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "not checked: sub/alembic.ini lies in submodule sub" in done.stderr
        assert "cd sub && hookman check" in done.stderr
    done = hookman(outer, "check")  # the work tree has the submodule checked out
    assert done.returncode == 0, done.stdout + done.stderr
    assert "aaaa0001" in done.stdout


def test_versions_inside_a_submodule_are_not_checked_at_a_commit(tmp_path: Path) -> None:
    outer = submodule_repo(tmp_path, '[tool.alembic]\nscript_location = "sub/migrations"\n')
    done = hookman(outer, "check", "--rev", "HEAD")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "not checked: sub/migrations lies in submodule sub" in done.stderr


PROBE = """
import json, sys
from hooks_manager.main import main
code = main(["check", "--staged"])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def staged_check_modules(repo: Path) -> tuple[int, set[str]]:
    # Unmeasured: coverage itself imports tomllib (and more) in a measured child.
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=repo, capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL,
                          env={**os.environ, **NO_COVERAGE})
    assert "Traceback" not in done.stderr, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], set(result["modules"])


def test_settings_and_discovery_are_remembered_by_file_identity(tmp_path: Path) -> None:
    repo = server_repo(tmp_path)
    (repo / "pyproject.toml").write_text('[project]\nname = "app"\n'
                                         'dependencies = ["alembic>=1.16"]\n')
    make_project(repo / "worker")
    add_revision(repo / "worker", "cccc0001", None)
    commit_all(repo, "two projects, found with no configuration")
    first, modules = staged_check_modules(repo)
    assert first == 0
    assert "tomllib" in modules  # the first run parses pyproject.toml
    again, modules = staged_check_modules(repo)
    assert again == 0
    assert "tomllib" not in modules  # then its parse is remembered, as is the discovery
    assert (repo / ".git" / "hookman" / "discovery").is_file()
    # A changed config is a new key: the new layout is found at once.
    (repo / "worker" / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/elsewhere\n")
    add_revision(repo / "worker", "dddd0001", None)
    (repo / "worker" / "elsewhere" / "versions").mkdir(parents=True)
    (repo / "worker" / "migrations" / "versions" / "dddd0001_rev.py").rename(
        repo / "worker" / "elsewhere" / "versions" / "dddd0001_rev.py")
    git(repo, "add", "-A")
    ws = load_workspace(str(repo), Index(str(repo)))
    [_, worker] = ws.require_projects()
    assert worker.locations == [str(repo / "worker" / "elsewhere" / "versions")]
    assert heads(str(repo), Index(str(repo))) == [["bbbb0002"], ["dddd0001"]]


def test_a_corrupt_memo_is_ignored_and_rebuilt(tmp_path: Path) -> None:
    repo = server_repo(tmp_path)
    (repo / "pyproject.toml").write_text('[project]\ndependencies = ["alembic"]\n')
    git(repo, "add", "-A")  # no configuration: server/ is discovered
    assert hookman(repo, "check", "--staged").returncode == 0
    for name in ("discovery", "settings"):
        (repo / ".git" / "hookman" / name).write_bytes(b"\x00not marshal")
    done = hookman(repo, "check", "--staged", "--json")
    assert done.returncode == 0, done.stderr
    assert [h["revision"] for h in json.loads(done.stdout)["projects"][0]["heads"]] == [
        "bbbb0002"]
    for name in ("discovery", "settings"):
        assert (repo / ".git" / "hookman" / name).read_bytes()[:1] != b"\x00"
