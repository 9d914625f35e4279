"""The head file makes a fork a textual conflict in git itself, and only a fork."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks_manager.graph import Verdict
from hooks_manager.headfile import judge, parse, render
from tests.headkit import (
    HEAD_FILE,
    add_on,
    based,
    conflicted,
    forked,
    run,
    write_heads,
)
from tests.helpers import add_revision, commit_all, git, hookman
from tests.hooktools import commit, install


def test_the_file_is_a_header_and_one_id_per_line(project: Path) -> None:
    based(project)
    text = (project / HEAD_FILE).read_text()
    assert text.splitlines()[-1] == "aaaa0001"
    assert "hookman rebase" in text
    assert "hookman merge" in text
    assert all(line.startswith("#") for line in text.splitlines()[:3])
    assert parse(text.encode()).heads == ["aaaa0001"]


@pytest.mark.parametrize("style", ["merge", "diff3", "zdiff3"])
def test_a_real_merge_conflicts_in_the_head_file_and_only_there(project: Path,
                                                                 style: str) -> None:
    forked(project)
    git(project, "config", "merge.conflictStyle", style)
    done = run(project, "git", "merge", "--no-verify", "feature")
    assert done.returncode == 1
    assert conflicted(project) == [HEAD_FILE]
    parsed = parse((project / HEAD_FILE).read_bytes())
    assert parsed.conflicted
    assert parsed.ours == ["cccc0003"]
    assert parsed.theirs == ["bbbb0002"]


def test_rebase_and_cherry_pick_stop_on_the_head_file(project: Path) -> None:
    forked(project)
    git(project, "checkout", "-q", "feature")
    done = run(project, "git", "rebase", "main")
    assert done.returncode != 0
    assert conflicted(project) == [HEAD_FILE]
    git(project, "rebase", "--abort")
    git(project, "checkout", "-q", "main")
    done = run(project, "git", "cherry-pick", "feature")
    assert done.returncode != 0
    assert conflicted(project) == [HEAD_FILE]


def test_merge_tree_the_servers_merge_reports_the_conflict(project: Path) -> None:
    forked(project)
    done = run(project, "git", "merge-tree", "--write-tree", "--name-only", "main", "feature")
    assert done.returncode == 1
    assert HEAD_FILE in done.stdout.splitlines()[1:]


def test_branches_that_do_not_fork_merge_cleanly(project: Path) -> None:
    based(project)
    git(project, "checkout", "-q", "-b", "feature")
    add_on(project, "bbbb0002", "aaaa0001", "feature: add b")
    git(project, "checkout", "-q", "main")
    (project / "README").write_text("docs only\n")
    commit_all(project, "main: docs")
    done = run(project, "git", "merge", "--no-edit", "feature")
    assert done.returncode == 0, done.stdout + done.stderr
    # ...and a branch built after that merge, on the new head, merges cleanly too.
    git(project, "checkout", "-q", "-b", "next")
    add_on(project, "dddd0004", "bbbb0002", "next: add d")
    git(project, "checkout", "-q", "main")
    done = run(project, "git", "merge-tree", "--write-tree", "main", "next")
    assert done.returncode == 0


def test_two_version_lines_advanced_on_two_branches_merge_cleanly(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.hookman]\nhead_file = true\nheads_per_branch_label = true\n")
    add_revision(project, "aaaa0001", None, labels="core")
    add_revision(project, "eeee0001", None, labels="aux")
    write_heads(project)
    commit_all(project, "two lines")
    git(project, "checkout", "-q", "-b", "feature")
    add_on(project, "bbbb0002", "aaaa0001", "feature: core")
    git(project, "checkout", "-q", "main")
    add_on(project, "ffff0002", "eeee0001", "main: aux")
    done = run(project, "git", "merge", "--no-edit", "--no-verify", "feature")
    assert done.returncode == 0, done.stdout
    assert parse((project / HEAD_FILE).read_bytes()).heads == ["ffff0002", "bbbb0002"]
    assert hookman(project, "check").returncode == 0


def test_nothing_sets_a_merge_driver(project: Path) -> None:
    based(project)
    install(project)
    assert not (project / ".gitattributes").exists()
    assert "merge" not in git(project, "config", "--list").replace("mergeoptions", "")


def test_check_names_a_stale_and_a_conflicted_head_file(project: Path) -> None:
    based(project)
    add_revision(project, "bbbb0002", "aaaa0001")
    done = hookman(project, "check")
    assert done.returncode == 1
    assert "[stale-head-file]" in done.stdout
    assert "hookman heads --write" in done.stdout
    git(project, "reset", "-q", "--hard")
    git(project, "clean", "-qfd")
    git(project, "checkout", "-q", "-b", "feature")
    add_on(project, "bbbb0002", "aaaa0001", "feature: add b")
    git(project, "checkout", "-q", "main")
    add_on(project, "cccc0003", "aaaa0001", "main: add c")
    run(project, "git", "merge", "--no-verify", "feature")
    done = hookman(project, "check")
    assert done.returncode == 1
    assert "[conflicted-head-file]" in done.stdout
    assert "hookman rebase" in done.stdout


def test_pre_commit_blocks_a_stale_staged_head_file(project: Path) -> None:
    based(project)
    install(project)
    add_revision(project, "bbbb0002", "aaaa0001")
    git(project, "add", "-A")
    before = git(project, "rev-parse", "HEAD")
    done = commit(project, "-m", "forgot the head file")
    assert done.returncode == 1
    assert git(project, "rev-parse", "HEAD") == before
    for text in (HEAD_FILE, "aaaa0001", "bbbb0002",
                 f"hookman heads --write && git add {HEAD_FILE}"):
        assert text in done.stderr, text
    write_heads(project)
    git(project, "add", "-A")
    assert commit(project, "-m", "with it").returncode == 0


def test_pre_commit_blocks_staged_conflict_markers(project: Path) -> None:
    forked(project)
    install(project)
    run(project, "git", "merge", "--no-verify", "feature")
    git(project, "add", "-A")  # markers and all
    done = commit(project, "--no-edit")
    assert done.returncode == 1
    assert "conflicted-head-file" in done.stderr
    assert "hookman rebase" in done.stderr


def test_head_file_off_checks_nothing_about_it(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    commit_all(project, "base")
    assert hookman(project, "check").returncode == 0


def test_heads_prints_one_per_line_and_exits_1_on_a_fork(project: Path) -> None:
    based(project)
    done = hookman(project, "heads")
    assert (done.returncode, done.stdout) == (0, "aaaa0001\n")
    add_revision(project, "bbbb0002", "aaaa0001")
    add_revision(project, "cccc0003", "aaaa0001")
    done = hookman(project, "heads")
    assert (done.returncode, done.stdout) == (1, "bbbb0002\ncccc0003\n")


def test_judge_is_pure_over_bytes() -> None:
    verdict = Verdict()
    assert judge("h.txt", render([]), verdict, staged=False) is None
    problem = judge("h.txt", None, verdict, staged=True)
    assert problem is not None
    assert problem.kind == "stale-head-file"
    assert "git add h.txt" in problem.message


def test_hookman_merge_commits_the_head_file_with_the_merge(project: Path) -> None:
    based(project)
    add_revision(project, "bbbb0002", "aaaa0001")
    add_revision(project, "cccc0003", "aaaa0001")
    write_heads(project)
    git(project, "add", "-A")
    git(project, "commit", "-q", "--no-verify", "-m", "a fork, head file says so")
    done = hookman(project, "merge", "--commit", "--yes")
    assert done.returncode == 0, done.stderr
    from hooks_manager.graph import merge_rev_id

    merge_id = merge_rev_id(["bbbb0002", "cccc0003"])
    assert parse((project / HEAD_FILE).read_bytes()).heads == [merge_id]
    assert HEAD_FILE in git(project, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert git(project, "status", "--porcelain") == ""
    assert hookman(project, "check", "--rev", "HEAD").returncode == 0


def test_the_hook_path_with_a_head_file_imports_nothing_heavy(project: Path) -> None:
    from tests.test_imports import HEAVY, imported

    based(project)
    add_revision(project, "bbbb0002", "aaaa0001")
    write_heads(project)
    git(project, "add", "-A")
    for args in (("hook", "pre-commit"), ("check",), ("check", "--staged")):
        code, modules = imported(project, *args)
        assert code == 0, args
        assert "hooks_manager" in modules
        assert not HEAVY & modules, (args, sorted(HEAVY & modules))


def test_in_a_stopped_merge_the_printed_merge_fix_works(project: Path) -> None:
    import os
    import subprocess

    from tests.headkit import bin_env

    forked(project)
    install(project)
    run(project, "git", "merge", "--no-verify", "feature")
    done = hookman(project, "check")
    problem = next(line for line in done.stdout.splitlines() if "conflicted-head-file" in line)
    command = problem.split("add a merge revision: ", 1)[1]
    assert command.startswith("hookman heads --write && git add migrations/alembic_heads.txt")
    ran = subprocess.run(command, shell=True, cwd=project, capture_output=True, text=True,
                         check=False, env={**os.environ, **bin_env()})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert hookman(project, "check").returncode == 0
    assert git(project, "status", "--porcelain") == ""


@pytest.mark.parametrize("defect", [
    "revision = 'b' + 'bb2'\ndown_revision = 'aaaa0001'\n",  # a computed id
    "revision = 'bbbb0002'\ndown_revision = 'aaaa0001'\nif True:\n    down_revision = 'cccc'\n",
    "revision = 'bbbb0002'\ndown_revision = 'bbbb0002'\n",  # names itself
])
def test_heads_says_not_checked_when_the_heads_cannot_be_told(project: Path, defect: str) -> None:
    # alembic would name other heads than a reader that drops or misreads the file: print
    # none, write nothing, exit 2 — never a confident wrong answer.
    based(project)
    heads_file = project / HEAD_FILE
    before = heads_file.read_bytes()
    (project / "migrations" / "versions" / "bbbb0002_x.py").write_text(defect)
    for args in (("heads",), ("heads", "--write")):
        done = hookman(project, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stdout == ""
        assert "not checked" in done.stderr
    assert heads_file.read_bytes() == before


def test_heads_revision_file_outside_every_project_is_an_error(project: Path,
                                                              tmp_path: Path) -> None:
    based(project)
    stray = tmp_path / "elsewhere.py"
    stray.write_text("x = 1\n")
    done = hookman(project, "heads", "--write", "--revision-file", str(stray))
    assert done.returncode == 2
    assert "lies in no project's version locations" in done.stderr


def test_graph_of_a_broken_history_says_what_it_could_not_draw(project: Path) -> None:
    based(project)
    (project / "migrations" / "versions" / "bbbb0002_x.py").write_text(
        "revision = 'b' + 'bb2'\ndown_revision = 'aaaa0001'\n")
    done = hookman(project, "graph")
    assert done.returncode == 0, done.stderr
    assert "make this drawing incomplete" in done.stderr
    assert "[not-static]" in done.stderr
