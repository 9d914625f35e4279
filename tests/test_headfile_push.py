"""The head file and the relink at push time: real pushes to a bare remote, the menu in a
real pty, auto-merge, and the upstream merge that conflicts only in the head file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from hooks_manager.graph import merge_rev_id
from tests.headkit import HEAD_FILE, bin_env, write_heads
from tests.helpers import add_revision, commit_all, git, hookman, init_repo, make_project
from tests.pushkit import BASE, FIRST, SECOND, Setup, install_hooks, push, remote_sha
from tests.test_interactive import ENTER, finish, spawn

B_FILE = f"migrations/versions/{SECOND}_rev.py"


def head_file_setup(tmp_path: Path, settings: str = "") -> Setup:
    """As pushkit.forked_setup, with head_file = true and the head file kept at each commit:
    origin/main has FIRST on BASE; the clone's feature-b has SECOND on BASE."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = make_project(init_repo(tmp_path / "seed"))
    (seed / "pyproject.toml").write_text(
        f'[tool.hookman]\nhead_file = true\ntest_command = ""\n{settings}')
    add_revision(seed, BASE, None)
    write_heads(seed)
    commit_all(seed, "base migration")
    git(seed, "remote", "add", "origin", str(remote))
    git(seed, "push", "-q", "-u", "origin", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    git(clone, "config", "user.email", "test@example.com")
    git(clone, "checkout", "-q", "-b", "feature-b")
    add_revision(clone, SECOND, BASE)
    write_heads(clone)
    commit_all(clone, "feature b migration")
    add_revision(seed, FIRST, BASE)
    write_heads(seed)
    commit_all(seed, "feature a migration")
    git(seed, "push", "-q", "origin", "main")
    git(clone, "fetch", "-q", "origin")
    install_hooks(clone)
    return Setup(remote, seed, clone)


def heads_in_file(repo: Path) -> list[str]:
    return (repo / HEAD_FILE).read_text().split("\n\n")[-1].split()


def test_the_menu_offers_re_pointing_first_and_enter_relinks(tmp_path: Path) -> None:
    setup = head_file_setup(tmp_path)
    child = spawn(setup.clone, "git", "push", "-u", "origin", "feature-b")
    child.expect("What now")
    child.expect(f"Merge origin/main into feature-b, re-point {SECOND} onto {FIRST}")
    child.expect("Merge origin/main into feature-b, write the merge revision")
    child.send(ENTER)
    code, out = finish(child)
    assert code != 0
    assert "run git push again" in out
    assert git(setup.clone, "log", "-1", "--format=%s") == f"Relink {SECOND} onto {FIRST}"
    assert not (setup.clone / ".git" / "MERGE_HEAD").exists()
    assert f"down_revision = '{FIRST}'" in (setup.clone / B_FILE).read_text()
    assert heads_in_file(setup.clone) == [SECOND]
    assert git(setup.clone, "status", "--porcelain") == ""
    again = push(setup.clone, "origin", "feature-b", env={"CI": "1"})
    assert again.returncode == 0, again.stderr
    assert remote_sha(setup, "feature-b") == git(setup.clone, "rev-parse", "HEAD")


def test_the_menu_says_why_re_pointing_is_missing(tmp_path: Path) -> None:
    setup = head_file_setup(tmp_path)
    git(setup.clone, "push", "-q", "--no-verify", "origin", "feature-b:shared")
    git(setup.clone, "fetch", "-q", "origin")
    child = spawn(setup.clone, "git", "push", "origin", "feature-b")
    child.expect(r"re-pointing \(hookman rebase\) is not offered: .*is published")
    child.expect("What now")
    child.expect("Merge origin/main into feature-b, write the merge revision")
    child.send("\x03")
    finish(child)


def test_the_menu_says_a_migration_that_does_not_parse_is_why_re_pointing_is_missing(
        tmp_path: Path) -> None:
    setup = head_file_setup(tmp_path)
    path = setup.clone / B_FILE
    before = path.read_bytes() + b"def half_written(:\n"  # a work-tree edit, not Python yet
    path.write_bytes(before)
    child = spawn(setup.clone, "git", "push", "origin", "feature-b")
    child.expect(rf"re-pointing \(hookman rebase\) is not offered: {B_FILE} does not parse: "
                 r".*fix it or use the merge revision")
    child.expect("What now")
    child.expect("Merge origin/main into feature-b, write the merge revision")
    child.send("\x03")
    _, out = finish(child)
    assert "internal error" not in out
    assert "Traceback" not in out
    assert path.read_bytes() == before


def test_under_ci_the_refusal_names_both_fixes(tmp_path: Path) -> None:
    setup = head_file_setup(tmp_path)
    done = push(setup.clone, "origin", "feature-b", env={"CI": "1"})
    assert done.returncode != 0
    assert "hookman merge --commit" in done.stderr
    assert ("git merge --no-verify origin/main; hookman rebase --yes && git commit "
            "--no-verify -m 'Relink onto origin/main' && git push origin feature-b"
            ) in done.stderr


def test_the_printed_relink_line_works(tmp_path: Path) -> None:
    setup = head_file_setup(tmp_path)
    env = {"CI": "1", **bin_env()}
    done = push(setup.clone, "origin", "feature-b", env=env)
    line = next(text for text in done.stderr.splitlines() if "or re-point yours" in text)
    command = line.split(":  ", 1)[1]
    ran = subprocess.run(command, shell=True, cwd=setup.clone, capture_output=True, text=True,
                         check=False, env={**os.environ, **env})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert remote_sha(setup, "feature-b") == git(setup.clone, "rev-parse", "HEAD")
    assert hookman(setup.clone, "check").returncode == 0


def test_auto_merge_honours_fix_rebase(tmp_path: Path) -> None:
    setup = head_file_setup(tmp_path, 'fix = "rebase"\n')
    done = push(setup.clone, "origin", "feature-b", env={"CI": "1", "HOOKMAN_AUTO_MERGE": "1"})
    assert "auto-merge is on" in done.stderr
    assert "run git push again" in done.stderr
    assert git(setup.clone, "log", "-1", "--format=%s") == f"Relink {SECOND} onto {FIRST}"
    assert push(setup.clone, "origin", "feature-b", env={"CI": "1"}).returncode == 0


def test_upstream_merge_that_conflicts_only_in_the_head_file_is_resolved(tmp_path: Path) -> None:
    setup = head_file_setup(tmp_path)
    done = push(setup.clone, "origin", "feature-b", env={"CI": "1", "HOOKMAN_AUTO_MERGE": "1"})
    assert "merged origin/main into feature-b" in done.stderr, done.stderr
    assert "run git push again" in done.stderr
    assert not (setup.clone / ".git" / "MERGE_HEAD").exists()  # never left mid-merge
    merge_id = merge_rev_id([FIRST, SECOND])
    assert heads_in_file(setup.clone) == [merge_id]
    assert HEAD_FILE in git(setup.clone, "show", "--name-only", "--format=", "HEAD")
    assert git(setup.clone, "status", "--porcelain") == ""
    assert push(setup.clone, "origin", "feature-b", env={"CI": "1"}).returncode == 0
