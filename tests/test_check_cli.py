from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.helpers import add_revision, commit_all, git, hookman, init_repo, make_project


def test_empty_history_is_healthy(project: Path) -> None:
    done = hookman(project, "check")
    assert done.returncode == 0, done.stderr
    assert "head none (empty history)" in done.stdout


def test_fork_in_work_tree_is_reported_with_fix(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    add_revision(project, "bbbb0002", "aaaa0001")
    add_revision(project, "cccc0003", "aaaa0001")
    done = hookman(project, "check")
    assert done.returncode == 1
    assert "bbbb0002" in done.stdout
    assert "cccc0003" in done.stdout
    assert "they fork at aaaa0001" in done.stdout
    assert "alembic -c alembic.ini merge" in done.stdout


def test_predicted_merge_finds_fork_neither_branch_has(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    commit_all(project, "base")
    git(project, "checkout", "-q", "-b", "feature")
    add_revision(project, "bbbb0002", "aaaa0001")
    commit_all(project, "feature migration")
    git(project, "checkout", "-q", "main")
    add_revision(project, "cccc0003", "aaaa0001")
    commit_all(project, "main migration")
    assert hookman(project, "check", "--rev", "feature").returncode == 0
    assert hookman(project, "check", "--rev", "main").returncode == 0
    done = hookman(project, "check", "--rev", "feature", "--against", "main", "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["ok"] is False
    heads = sorted(h["revision"] for h in report["projects"][0]["heads"])
    assert heads == ["bbbb0002", "cccc0003"]
    assert report["projects"][0]["problems"][0]["kind"] == "multiple-heads"
    # On the branch alone there is nothing to merge: the fix merges the other side in first.
    assert report["projects"][0]["fix"][0] == "git merge --no-verify main && hookman merge --commit"
    assert report["projects"][0]["fix"][1].startswith(
        "git merge --no-verify main && alembic -c alembic.ini")


def test_depends_on_that_changes_the_heads_is_shown(project: Path) -> None:
    add_revision(project, "aaaa0001", None, labels="core")
    add_revision(project, "xxxx0001", None, labels="audit", depends="aaaa0001")
    done = hookman(project, "check")
    assert done.returncode == 1  # two heads by down_revision: aaaa0001 and xxxx0001
    assert "counting depends_on too, the heads are xxxx0001" in done.stdout


def test_unrelated_histories_get_a_merge_line_git_accepts(project: Path, tmp_path: Path) -> None:
    # A branch with no common ancestor: git refuses a plain merge, so the printed fix must
    # carry --allow-unrelated-histories, and pasting it must work.
    add_revision(project, "aaaa0001", None)
    commit_all(project, "main's history")
    other = make_project(init_repo(tmp_path / "other"))
    add_revision(other, "bbbb0002", None)
    commit_all(other, "another history")
    git(project, "fetch", "-q", str(other), "main:unrelated")
    done = hookman(project, "check", "--against", "unrelated", "--json")
    assert done.returncode == 1, done.stderr
    fix = json.loads(done.stdout)["projects"][0]["fix_argv"][0]
    merge = fix[0]["argv"]
    assert merge == ["git", "merge", "--no-verify", "--allow-unrelated-histories", "unrelated"]
    env = {**os.environ, "GIT_MERGE_AUTOEDIT": "no"}
    pasted = subprocess.run(merge, cwd=project / fix[0]["cwd"], capture_output=True,
                            text=True, env=env, check=False)
    assert pasted.returncode == 0, pasted.stderr
    assert git(project, "rev-parse", "HEAD^2") == git(project, "rev-parse", "unrelated")


def test_a_file_named_for_another_id_is_said_cold_and_warm(project: Path) -> None:
    # alembic names a file after its id; one named for another id is confusing when two are
    # compared by name. Said the same whether the record was just read or comes from the cache.
    add_revision(project, "aaaa0001", None)
    named = add_revision(project, "bbbb0002", "aaaa0001")
    named.rename(named.with_name("cafe0123beef_rev.py"))
    commit_all(project, "history")
    for run in ("cold", "warm"):
        done = hookman(project, "check")
        assert done.returncode == 0, (run, done.stdout, done.stderr)
        assert ("migrations/versions/cafe0123beef_rev.py: the file name starts with "
                "cafe0123beef but its revision id is bbbb0002") in done.stdout + done.stderr, run
