"""`hookman siblings` and the pre-push heads-up, over real remote-tracking branches."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import add_revision, commit_all, git
from tests.offsitekit import BASE, FIRST, SECOND, Origin, clean_env, run_hookman
from tests.pushkit import install_hooks

BOB, DUP = "eeee00000005", SECOND


def teammates(origin: Origin, monkeypatch: pytest.MonkeyPatch) -> Path:
    """bob/access adds BOB on BASE (as we do); dave/dup reuses our id on FIRST; carol/docs adds
    no migration; stacked builds on our branch. Our clone works on feature (SECOND on BASE)."""
    origin.branch("feature", SECOND, BASE)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "bob")
    origin.branch("bob/access", BOB, BASE)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "dave")
    git(origin.seed, "checkout", "-q", "-B", "dave/dup", "main")
    add_revision(origin.seed, FIRST, BASE)
    add_revision(origin.seed, DUP, FIRST, table="another_table")
    commit_all(origin.seed, "dave: two migrations, one with our id")
    git(origin.seed, "push", "-q", "origin", "dave/dup")
    git(origin.seed, "checkout", "-q", "main")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "carol")
    origin.branch("carol/docs", None, None, extra_commits=1)
    origin.branch("stacked", "ffff00000006", SECOND, start="feature")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test User")
    clone = origin.tmp / "clone"
    git(origin.tmp, "clone", "-q", "--branch", "feature", origin.url, str(clone))
    return clone


def test_siblings_lists_same_parent_and_reused_id(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    clone = teammates(Origin(tmp_path), monkeypatch)
    done = run_hookman(clone, "siblings", env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 3, done.stdout
    assert lines[0].startswith(f"hookman: origin/bob/access also builds on {BASE} ({BOB}, bob, ")
    assert lines[0].endswith("ago): whichever lands second forks")
    # dave's FIRST is not on main yet: it claims our parent too.
    assert lines[1].startswith(f"hookman: origin/dave/dup also builds on {BASE} ({FIRST}, dave")
    assert lines[2].startswith(f"hookman: origin/dave/dup reuses revision id {SECOND} "
                               f"(migrations/versions/{SECOND}_rev.py, dave, ")
    assert lines[2].endswith("whichever lands second has a duplicate revision id")
    data = json.loads(run_hookman(clone, "siblings", "--json", env=clean_env()).stdout)
    assert [(s["branch"], s["kind"], s["ours"]) for s in data["siblings"]] == [
        ("origin/bob/access", "same-parent", SECOND), ("origin/dave/dup", "same-parent", SECOND),
        ("origin/dave/dup", "same-id", SECOND)]
    assert data["upstream"] == "origin/main"


def test_prepush_heads_up_never_blocks_unless_asked(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    clone = teammates(Origin(tmp_path), monkeypatch)
    (clone / "pyproject.toml").write_text(
        f"[tool.hookman]\ntest_command = {shlex.quote(sys.executable) + ' -c pass'!r}\n")
    commit_all(clone, "settings")
    install_hooks(clone)
    env = clean_env(CI="1")
    done = subprocess.run(["git", "push", "origin", "feature"], cwd=clone, capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stderr
    assert f"hookman: heads-up: origin/bob/access also builds on {BASE}" in done.stderr
    assert "(advisory; siblings = \"block\"" in done.stderr
    (clone / "pyproject.toml").write_text(
        f"[tool.hookman]\ntest_command = {shlex.quote(sys.executable) + ' -c pass'!r}\n"
        "siblings = \"block\"\n")
    commit_all(clone, "block on siblings")
    blocked = subprocess.run(["git", "push", "origin", "feature"], cwd=clone,
                             capture_output=True, text=True, env=env,
                             stdin=subprocess.DEVNULL, check=False)
    assert blocked.returncode != 0
    assert "push blocked: siblings = \"block\"" in blocked.stderr


def test_500_remote_branches_stay_cheap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = Origin(tmp_path)
    clone = teammates(origin, monkeypatch)
    # 500 remote-tracking branches at a handful of commits, as a busy repository has.
    commits = [git(clone, "rev-parse", f"origin/{b}") for b in
               ("main", "carol/docs", "stacked", "bob/access")]
    lines = "".join(f"create refs/remotes/origin/team/b{i:03} {commits[i % 4]}\n"
                    for i in range(500))
    git(clone, "update-ref", "--stdin", input=lines)
    cold = time.monotonic()
    first = run_hookman(clone, "siblings", "--json", env=clean_env())
    cold = time.monotonic() - cold
    warm = time.monotonic()
    again = run_hookman(clone, "siblings", "--json", env=clean_env())
    warm = time.monotonic() - warm
    assert first.returncode == 0, first.stderr
    found = json.loads(again.stdout)["siblings"]
    # A quarter of them sit at bob's commit: one hit each; the rest carry nothing new.
    assert len([s for s in found if s["branch"].startswith("origin/team/")]) == 125
    assert (clone / ".git" / "hookman" / "sibling-trees").exists()
    assert cold < 20, cold
    assert warm < 20, warm


def test_an_upstream_that_names_nothing_is_an_error(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    clone = teammates(Origin(tmp_path), monkeypatch)
    done = run_hookman(clone, "siblings", "--upstream", "origin/nosuch", env=clean_env())
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--upstream: origin/nosuch is not a known branch or commit" in done.stderr
    assert "no other remote branch" not in done.stdout
    (clone / "pyproject.toml").write_text('[tool.hookman]\nupstream = "origin/nosuch"\n')
    done = run_hookman(clone, "siblings", env=clean_env())
    assert done.returncode == 2, done.stdout + done.stderr
    assert "upstream in [tool.hookman]: origin/nosuch is not a known branch" in done.stderr


def test_a_clone_that_sees_only_its_own_branch_says_not_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = Origin(tmp_path)
    teammates(origin, monkeypatch)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "-b", "feature", origin.url, str(shallow))
    assert git(shallow, "branch", "-r").split() == ["origin/feature"]  # git's own view
    done = run_hookman(shallow, "siblings", env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("hookman: not checked: this clone knows no other remote branch; git fetch origin "
            "first") in done.stdout
    assert "no other remote branch builds" not in done.stdout


@pytest.mark.parametrize(("value", "kept"), [("1", False), ("yes", False), ("0", True),
                                             ("off", True), ("", True)])
def test_hookman_no_cache_is_read_as_a_switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              value: str, kept: bool) -> None:
    # HOOKMAN_NO_CACHE=0 means "keep the cache", as everywhere else (flags.env_switch).
    from hooks_manager.siblings import TreeCache

    monkeypatch.setenv("HOOKMAN_NO_CACHE", value)
    assert (TreeCache(str(tmp_path)).path is not None) is kept
