"""Issue 7, item 3: every command hookman prints is safe to paste. Hostile revision ids,
project names and folder names go into the printed lines and the JSON `fix` list; pasting
the line (bash, from the repository root) runs no payload and does the fix, and the JSON
`fix_argv` steps do the same without a shell."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.adversarial.kit import clean_env, printed, run_line
from tests.helpers import (
    add_revision,
    commit_all,
    git,
    hookman,
    init_repo,
    make_project,
    revision_source,
)

# Revision-id payloads (alembic forbids only @ - + : in ids): command substitution,
# backticks, separators, quotes of both kinds, globs, a variable, unicode.
ID_PAIRS = [
    ("$(touch pwned)", "`touch pwned2`;x'q\"ü"),
    ("a;touch pwned3|b&c", "$HOME"),
    ("ünïcödé☃", "*glob?[x]>pwned4"),
]
RELATIVE_INI = "[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///app.db\n"


def _hostile_repo(where: Path, b: str, c: str, name: str = "auth") -> Path:
    """services/auth/alembic.ini with a relative script_location, in a folder whose path
    holds `$HOME`, a space and a quote; heads ``b`` and ``c``, committed."""
    root = init_repo(where)
    svc = root / "services" / "auth"
    svc.mkdir(parents=True)
    make_project(svc, ini=RELATIVE_INI)
    add_revision(svc, "aaaa0001", None)
    folder = svc / "migrations" / "versions"
    (folder / "b_rev.py").write_text(revision_source(b, "aaaa0001", table="tb"))
    (folder / "c_rev.py").write_text(revision_source(c, "aaaa0001", table="tc"))
    (root / "pyproject.toml").write_text(
        f'[[tool.hookman.projects]]\nname = {json.dumps(name)}\n'
        'config = "services/auth/alembic.ini"\n')
    commit_all(root, "a fork with hostile ids")
    return root


def _payload_ran(*roots: Path) -> list[str]:
    return [str(p) for root in roots for p in root.rglob("pwned*")]


def _one_head(root: Path) -> bool:
    done = hookman(root, "check", "--json")
    return bool(json.loads(done.stdout)["ok"])


@pytest.mark.parametrize(("b", "c"), ID_PAIRS)
def test_pasted_fix_lines_run_no_payload_and_fix(tmp_path: Path, b: str, c: str) -> None:
    base = tmp_path / "a $HOME dir" / "it's"
    root = _hostile_repo(base / "repo", b, c)
    shown = hookman(root, "check")
    assert shown.returncode == 1, shown.stderr
    fix, alembic_line = printed(shown.stdout, "fix:"), printed(shown.stdout, "or:")
    report = json.loads(hookman(root, "check", "--json").stdout)["projects"][0]
    assert report["fix"] == [fix, alembic_line]  # the JSON lines are the printed ones
    assert alembic_line.startswith("(cd services/auth && alembic -c alembic.ini merge ")
    # Each line in its own clone of the same state, pasted from the root.
    for i, line in enumerate((fix, alembic_line)):
        clone = base / f"clone{i}"
        git(base, "clone", "-q", str(root), str(clone))
        ran = run_line(line, clone, CI="1")
        assert ran.returncode == 0, ran.stdout + ran.stderr
        git(clone, "add", "-A", "services")
        git(clone, "commit", "-qm", "the merge revision")
        assert _one_head(clone), line
    assert _payload_ran(tmp_path) == []


@pytest.mark.parametrize(("b", "c"), ID_PAIRS)
def test_json_fix_argv_runs_without_a_shell(tmp_path: Path, b: str, c: str) -> None:
    root = _hostile_repo(tmp_path / "x $HOME" / "repo", b, c)
    report = json.loads(hookman(root, "check", "--json").stdout)["projects"][0]
    assert len(report["fix_argv"]) == len(report["fix"]) == 2
    for i, steps in enumerate(report["fix_argv"]):
        clone = tmp_path / f"clone{i}"
        git(tmp_path, "clone", "-q", str(root), str(clone))
        for step in steps:
            assert set(step) == {"cwd", "argv"}
            ran = subprocess.run(step["argv"], cwd=clone / step["cwd"], env=clean_env(CI="1"),
                                 capture_output=True, text=True, check=False)
            assert ran.returncode == 0, ran.stderr
        git(clone, "add", "-A", "services")
        git(clone, "commit", "-qm", "the merge revision")
        assert _one_head(clone)
    assert _payload_ran(tmp_path) == []


@pytest.mark.parametrize("name", ["-x", "--commit", "$(touch pwned)", "a b;c"])
def test_project_names_stay_one_argument(tmp_path: Path, name: str) -> None:
    root = _hostile_repo(tmp_path / "repo", "bbbb0002", "cccc0003", name=name)
    other = root / "other"
    other.mkdir()
    make_project(other)
    with (root / "pyproject.toml").open("a") as toml:
        toml.write('\n[[tool.hookman.projects]]\nname = "other"\nconfig = "other/alembic.ini"\n')
    commit_all(root, "a second project")
    shown = hookman(root, "check")
    fix = printed(shown.stdout, "fix:")
    assert shlex.split(fix) == ["hookman", "merge", f"--project={name}"]
    ran = run_line(fix + " --yes", root, CI="1")
    assert ran.returncode == 0, ran.stderr
    assert git(root, "status", "--porcelain", "--untracked-files=all").count("services/") == 1
    assert _payload_ran(tmp_path) == []


@pytest.mark.parametrize("upstream", ["origin/main",
                                      "origin/x;touch${IFS}pwned5&`touch${IFS}pwned6`"])
def test_push_fix_quotes_branch_and_upstream(tmp_path: Path, upstream: str) -> None:
    from tests.pushkit import forked_setup, push, remote_sha

    setup = forked_setup(tmp_path)
    branch = upstream.removeprefix("origin/")
    if branch != "main":
        git(setup.seed, "push", "-q", "origin", f"main:{branch}")
        git(setup.clone, "fetch", "-q", "origin")
        (setup.clone / "pyproject.toml").write_text(
            (setup.clone / "pyproject.toml").read_text() + f"upstream = {json.dumps(upstream)}\n")
        git(setup.clone, "commit", "-qam", "upstream setting", "--no-verify")
    done = push(setup.clone, "origin", "feature-b", env={"CI": "1"})
    assert done.returncode == 1, done.stderr
    fix = printed(done.stderr, "fix this push:")
    assert f"git merge --no-verify {shlex.quote(upstream)} && " in fix
    ran = run_line(fix, setup.clone, CI="1")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert remote_sha(setup, "feature-b") == git(setup.clone, "rev-parse", "HEAD")
    assert _payload_ran(tmp_path) == []
    assert os.path.exists(setup.clone / ".git")
