"""pre-push with real git pushes to a local bare remote, no terminal (CI and GUI clients)."""

from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hooks_manager.graph import merge_rev_id
from hooks_manager.prepush import parse_refs
from hooks_manager.sources import ZERO_SHA
from tests.helpers import add_revision, commit_all, git, hookman
from tests.pushkit import (
    BASE,
    FIRST,
    SECOND,
    forked_setup,
    own_fork,
    push,
    remote_sha,
    repo_state,
    set_test_command,
)

PYTHON = shlex.quote(sys.executable)
SHA_A, SHA_B = "a" * 40, "b" * 40


def test_ref_lines_split_from_the_right_and_skip_deletions() -> None:
    stdin = (f"refs/heads/main {SHA_A} refs/heads/main {SHA_B}\n"
             f"HEAD~1 with space {SHA_A} refs/heads/x {ZERO_SHA}\n"
             f"(delete) {ZERO_SHA} refs/heads/gone {SHA_B}\n").encode()
    refs = parse_refs(stdin)
    assert [(r.local_ref, r.remote_ref, r.remote_sha) for r in refs] == [
        ("refs/heads/main", "refs/heads/main", SHA_B),
        ("HEAD~1 with space", "refs/heads/x", ZERO_SHA),  # a new branch is checked
    ]


def test_fork_only_against_upstream_blocks_under_ci_and_writes_nothing(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    before = repo_state(setup.clone)
    done = push(setup.clone, "-u", "origin", "feature-b", env={"CI": "1"})
    assert done.returncode != 0
    assert "alembic: ok — head cccc00000003" in done.stderr  # the branch alone is fine
    assert f"{FIRST}  migrations/versions/{FIRST}_rev.py" in done.stderr
    assert f"{SECOND}  migrations/versions/{SECOND}_rev.py" in done.stderr
    assert "forks the alembic history once merged with origin/main (CI is set)" in done.stderr
    assert ("git merge --no-verify origin/main && hookman merge --commit && "
            "git push origin feature-b") in done.stderr
    assert remote_sha(setup, "feature-b") == ""
    assert repo_state(setup.clone) == before


def test_the_printed_fix_works_with_the_hooks_installed(tmp_path: Path) -> None:
    # Run the exact line hookman prints, through every installed hook, and the push lands.
    setup = forked_setup(tmp_path)
    done = push(setup.clone, "origin", "feature-b", env={"CI": "1"})
    fix = next(line for line in done.stderr.splitlines() if "fix this push:" in line)
    env = {**os.environ, "CI": "1",
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    ran = subprocess.run(["sh", "-c", fix.split("fix this push:", 1)[1]], cwd=setup.clone,
                         env=env, capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert remote_sha(setup, "feature-b") == git(setup.clone, "rev-parse", "HEAD")
    assert hookman(setup.clone, "check", "--rev", "origin/feature-b").returncode == 0


def test_own_fork_blocks_without_terminal_with_exit_1(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    own_fork(setup)
    head = git(setup.clone, "rev-parse", "HEAD")
    before = repo_state(setup.clone)
    stdin = f"refs/heads/feature-b {head} refs/heads/feature-b {ZERO_SHA}\n"
    done = hookman(setup.clone, "hook", "pre-push", "origin", str(setup.remote), stdin=stdin,
                   env={"CI": "true"})
    assert done.returncode == 1, done.stderr
    assert "already contains origin/main" in done.stderr
    assert "fix this push:  hookman merge --commit && git push origin feature-b" in done.stderr
    assert "SKIP=alembic-heads git push" in done.stderr
    assert repo_state(setup.clone) == before


def test_auto_merge_under_ci_commits_the_merge_and_stops_the_push(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    own_fork(setup)
    head = git(setup.clone, "rev-parse", "HEAD")
    stdin = f"refs/heads/feature-b {head} refs/heads/feature-b {ZERO_SHA}\n"
    done = hookman(setup.clone, "hook", "pre-push", "origin", str(setup.remote), stdin=stdin,
                   env={"CI": "1", "HOOKMAN_AUTO_MERGE": "1"})
    assert done.returncode == 6, done.stderr
    new_head = git(setup.clone, "rev-parse", "HEAD")
    assert git(setup.clone, "rev-parse", "HEAD~1") == head
    assert f"committed {new_head[:10]} Merge heads {FIRST} and {SECOND}" in done.stderr
    assert "run git push again" in done.stderr
    names = git(setup.clone, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert names == [f"migrations/versions/{merge_rev_id([FIRST, SECOND])}_merge_heads_"
                     f"{FIRST}_and_.py"]
    assert git(setup.clone, "status", "--porcelain") == ""
    assert hookman(setup.clone, "check").returncode == 0


def test_auto_merge_setting_then_push_again_runs_tests_and_lands_upgradable_history(
    tmp_path: Path,
) -> None:
    setup = forked_setup(tmp_path, settings="auto_merge = true\n")
    git(setup.clone, "config", "hookman.trustRepoCode", "true")  # this clone's own opt-in
    first = push(setup.clone, "-u", "origin", "feature-b", env={"CI": "1"})
    assert first.returncode != 0
    assert "merged origin/main into feature-b" in first.stderr
    assert "run git push again" in first.stderr
    assert remote_sha(setup, "feature-b") == ""
    second = push(setup.clone, "-u", "origin", "feature-b", env={"CI": "1"})
    assert second.returncode == 0, second.stderr
    assert "running the tests: " in second.stderr
    assert "tests passed" in second.stderr
    assert remote_sha(setup, "feature-b") == git(setup.clone, "rev-parse", "HEAD")
    # The history that landed upgrades: alembic's own `upgrade head` on a SQLite file.
    work = tmp_path / "landed"
    git(tmp_path, "clone", "-q", "-b", "feature-b", str(setup.remote), str(work))
    upgrade = subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=work,
                             capture_output=True, text=True, check=False)
    assert upgrade.returncode == 0, upgrade.stderr
    with sqlite3.connect(work / "app.db") as db:
        versions = [row[0] for row in db.execute("select version_num from alembic_version")]
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
    assert versions == [merge_rev_id([FIRST, SECOND])]
    assert {f"t_{FIRST}", f"t_{SECOND}", f"t_{BASE}"} <= tables


def test_failing_suite_blocks_the_push_and_says_how_to_skip(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path, test_command=f"{PYTHON} -m pytest -q -p no:cacheprovider "
                         "tests_app")
    git(setup.clone, "checkout", "-q", "-b", "clean", "origin/main")  # one head: BASE, FIRST
    app_tests = setup.clone / "tests_app"
    app_tests.mkdir()
    (app_tests / "test_app.py").write_text(
        "import os\n\n\ndef test_git_env_scrubbed():\n    assert 'GIT_DIR' not in os.environ\n"
        "\n\ndef test_red():\n    assert 1 + 1 == 3, 'deliberately red'\n")
    commit_all(setup.clone, "app tests")
    done = push(setup.clone, "origin", "clean", env={"CI": "1", "GIT_DIR": ".git"})
    assert done.returncode != 0
    assert "deliberately red" in done.stderr  # the suite's own output, streamed
    assert "1 failed, 1 passed" in done.stderr
    assert "push blocked: the tests failed" in done.stderr
    assert "SKIP=tests git push" in done.stderr
    assert remote_sha(setup, "clean") == ""
    skipped = push(setup.clone, "origin", "clean", env={"CI": "1", "SKIP": "tests"})
    assert skipped.returncode == 0, skipped.stderr
    assert "tests skipped (SKIP=tests)" in skipped.stderr
    assert remote_sha(setup, "clean") == git(setup.clone, "rev-parse", "HEAD")


def test_every_ref_is_checked_and_a_deletion_is_not(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    git(setup.clone, "checkout", "-q", "-b", "forked")
    own_fork(setup)
    git(setup.clone, "checkout", "-q", "feature-b")
    git(setup.clone, "push", "-q", "--no-verify", "origin", "forked:refs/heads/old")
    done = push(setup.clone, "origin", "feature-b", "forked",
                env={"CI": "1", "SKIP": "alembic-upstream"})
    assert done.returncode != 0
    assert "refs/heads/feature-b" in done.stderr
    assert "refs/heads/forked" in done.stderr
    assert "git checkout forked && hookman merge --commit && git push origin forked" in done.stderr
    assert remote_sha(setup, "feature-b") == ""
    deleted = push(setup.clone, "origin", ":old", env={"CI": "1"})
    assert deleted.returncode == 0, deleted.stderr
    assert "hookman:" not in deleted.stderr
    assert remote_sha(setup, "old") == ""


def test_upstream_setting_and_unknown_default_branch(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    head = git(setup.clone, "rev-parse", "HEAD")
    stdin = f"refs/heads/feature-b {head} refs/heads/feature-b {ZERO_SHA}\n"
    url = str(setup.remote)
    # Pushed to a URL: no refs/remotes for it, so the ref is checked alone and that is said.
    alone = hookman(setup.clone, "hook", "pre-push", url, url, stdin=stdin, env={"CI": "1"})
    assert alone.returncode == 0, alone.stderr
    assert f"no default branch known for {url}" in alone.stderr
    # upstream names the target explicitly.
    set_test_command(setup.clone, f"{PYTHON} -c pass", "upstream = 'origin/main'\n")
    named = hookman(setup.clone, "hook", "pre-push", url, url, stdin=stdin, env={"CI": "1"})
    assert named.returncode == 1
    assert "merged with origin/main" in named.stderr
    set_test_command(setup.clone, f"{PYTHON} -c pass", "upstream = 'origin/nope'\n")
    missing = hookman(setup.clone, "hook", "pre-push", url, url, stdin=stdin, env={"CI": "1"})
    assert missing.returncode == 0
    assert "upstream 'origin/nope' is not known in this clone" in missing.stderr


def test_fetch_by_default_sees_what_landed_since_the_last_fetch(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    # Our clone forgets what it fetched: origin/main back at BASE, where no fork shows.
    base_commit = git(setup.seed, "rev-parse", "main~1")
    git(setup.clone, "update-ref", "refs/remotes/origin/main", base_commit)
    head = git(setup.clone, "rev-parse", "HEAD")
    stdin = f"refs/heads/feature-b {head} refs/heads/feature-b {ZERO_SHA}\n"
    set_test_command(setup.clone, f"{PYTHON} -c pass", "fetch = false\n")
    stale = hookman(setup.clone, "hook", "pre-push", "origin", "x", stdin=stdin, env={"CI": "1"})
    assert stale.returncode == 0, stale.stderr
    set_test_command(setup.clone, f"{PYTHON} -c pass")  # fetch is on by default
    fresh = hookman(setup.clone, "hook", "pre-push", "origin", "x", stdin=stdin, env={"CI": "1"})
    assert fresh.returncode == 1, fresh.stderr
    assert FIRST in fresh.stderr
    git(setup.clone, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    offline = hookman(setup.clone, "hook", "pre-push", "origin", "x", stdin=stdin,
                      env={"CI": "1"})
    assert "warning: git fetch origin main failed" in offline.stderr
    assert offline.returncode == 1  # still checked against what the clone last saw


def test_no_test_command_skips_the_tests_visibly(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    (setup.clone / "pyproject.toml").unlink()
    head = git(setup.clone, "rev-parse", "HEAD")
    stdin = f"refs/heads/feature-b {head} refs/heads/feature-b {ZERO_SHA}\n"
    done = hookman(setup.clone, "hook", "pre-push", "origin", "x", stdin=stdin,
                   env={"CI": "1", "SKIP": "alembic-upstream"})
    assert done.returncode == 0, done.stderr
    assert "tests skipped — no test_command" in done.stderr


@pytest.mark.parametrize("setting", ["required = true", "required = ['alembic-upstream']"])
def test_required_check_cannot_be_skipped(tmp_path: Path, setting: str) -> None:
    setup = forked_setup(tmp_path, settings=setting + "\n")
    done = push(setup.clone, "origin", "feature-b", env={"CI": "1", "SKIP": "alembic-upstream"})
    assert done.returncode != 0
    assert "SKIP=alembic-upstream ignored" in done.stderr
    assert remote_sha(setup, "feature-b") == ""


def _head_of(setup_clone: Path) -> str:
    return f"refs/heads/feature-b {git(setup_clone, 'rev-parse', 'HEAD')} refs/heads/feature-b "\
           f"{ZERO_SHA}\n"


def test_upstream_merge_conflict_is_aborted_and_changes_nothing(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    (setup.seed / "shared.txt").write_text("theirs\n")
    commit_all(setup.seed, "a change on main")
    git(setup.seed, "push", "-q", "origin", "main")
    (setup.clone / "shared.txt").write_text("ours\n")
    commit_all(setup.clone, "the same file, differently")
    git(setup.clone, "fetch", "-q", "origin")
    before = repo_state(setup.clone)
    done = hookman(setup.clone, "hook", "pre-push", "origin", "x", stdin=_head_of(setup.clone),
                   env={"CI": "1", "HOOKMAN_AUTO_MERGE": "1"})
    assert done.returncode == 2, done.stderr
    assert "merging origin/main into feature-b conflicts in shared.txt" in done.stderr
    assert "the merge was aborted and nothing changed" in done.stderr
    assert "git merge origin/main, resolve and commit, then hookman merge --commit" in done.stderr
    assert repo_state(setup.clone) == before
    assert not (setup.clone / ".git" / "MERGE_HEAD").exists()


def test_failing_merge_after_taking_upstream_undoes_the_upstream_merge(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    mako = setup.clone / "migrations" / "script.py.mako"
    mako.write_text(mako.read_text() + "\n${no_such_name.attribute}\n")
    commit_all(setup.clone, "a broken template")
    before = repo_state(setup.clone)
    done = hookman(setup.clone, "hook", "pre-push", "origin", "x", stdin=_head_of(setup.clone),
                   env={"CI": "1", "HOOKMAN_AUTO_MERGE": "1"})
    assert done.returncode == 2, done.stderr
    assert "merged origin/main into feature-b" in done.stderr
    assert "alembic could not write the merge" in done.stderr
    assert "the merge of origin/main was undone; feature-b is as it was" in done.stderr
    assert repo_state(setup.clone) == before


def test_uncommitted_changes_keep_the_upstream_merge_from_starting(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    (setup.clone / "alembic.ini").write_text((setup.clone / "alembic.ini").read_text() + "\n")
    before = repo_state(setup.clone)
    done = hookman(setup.clone, "hook", "pre-push", "origin", "x", stdin=_head_of(setup.clone),
                   env={"CI": "1", "HOOKMAN_AUTO_MERGE": "1"})
    assert done.returncode == 2, done.stderr
    assert "feature-b has uncommitted changes" in done.stderr
    assert repo_state(setup.clone) == before


def test_scan_cache_is_rebuilt_when_damaged_and_never_answers_for_new_bytes(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    cache = setup.clone / ".git" / "hookman" / "scan-cache-blobs"
    env = {"CI": "1", "SKIP": "alembic-upstream"}
    first = hookman(setup.clone, "hook", "pre-push", "origin", "x", stdin=_head_of(setup.clone),
                    env=env)
    assert first.returncode == 0, first.stderr
    assert cache.stat().st_size > 0
    cache.write_bytes(b"\x00garbage")
    again = hookman(setup.clone, "hook", "pre-push", "origin", "x", stdin=_head_of(setup.clone),
                    env=env)
    assert again.returncode == 0, again.stderr
    assert cache.read_bytes() != b"\x00garbage"
    # Same paths, new bytes: a cached record for the old blob must not answer for the new one.
    add_revision(setup.clone, SECOND, FIRST_PARENT_ABSENT)
    git(setup.clone, "commit", "-q", "--no-verify", "-am", "rewrite the migration")
    changed = hookman(setup.clone, "hook", "pre-push", "origin", "x",
                      stdin=_head_of(setup.clone), env=env)
    assert changed.returncode == 1
    assert f"names {FIRST_PARENT_ABSENT!r} as its parent" in changed.stderr


FIRST_PARENT_ABSENT = "ffff00000009"


def test_healthy_push_loads_no_heavy_library(tmp_path: Path) -> None:
    setup = forked_setup(tmp_path)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "hooks_manager", "hook", "pre-push", "origin",
         "x"], cwd=setup.clone, input=_head_of(setup.clone), capture_output=True, text=True,
        env={**os.environ, "CI": "1", "SKIP": "alembic-upstream,tests"}, check=False)
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "hooks_manager.prepush" in imported
    heavy = {"alembic", "sqlalchemy", "git", "typer", "questionary", "rich", "prompt_toolkit",
             "hooks_manager.gitops", "hooks_manager.merge"}
    assert not {name.split(".")[0] for name in imported} & heavy
    assert not imported & heavy


def test_the_skip_line_pushes_what_the_fix_line_pushes(tmp_path: Path) -> None:
    # `git push origin HEAD` on a branch with no upstream: a bare `git push` would fail with
    # "has no upstream branch"; the printed skip line must work pasted as it is.
    setup = forked_setup(tmp_path)
    done = push(setup.clone, "origin", "HEAD", env={"CI": "1"})
    assert done.returncode != 0
    skip = next(line for line in done.stderr.splitlines() if "or skip knowingly:" in line)
    fix = next(line for line in done.stderr.splitlines() if "fix this push:" in line)
    pushed = fix.rsplit("&& git push ", 1)[1]
    assert f"SKIP=alembic-upstream git push {pushed} (or git push --no-verify {pushed})" in skip
    env = {**os.environ, "CI": "1",
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    ran = subprocess.run(["bash", "-c", skip.split("or skip knowingly:", 1)[1].split(" (or ")[0]],
                         cwd=setup.clone, env=env, capture_output=True, text=True, check=False,
                         stdin=subprocess.DEVNULL)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert remote_sha(setup, "feature-b") == git(setup.clone, "rev-parse", "HEAD")
