"""Revision-id hygiene: pattern ids, duplicates named as such (numbered ids, both sides of a
predicted merge), and the numbered-id race across branches. Real git, real hookman runs."""

from __future__ import annotations

import json
import random
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from hooks_manager.hygiene import PROPER_ID_COMMAND, weak_reason
from tests.helpers import add_revision, commit_all, git, hookman, revision_source


@pytest.mark.parametrize("rev", ["a1b2c3d4e5f6", "abc123def456", "111111111111", "aaaaaaaaaaaa",
                                 "abcabcabcabc", "qwerty123456", "deadbeef0001", "f6e5d4c3b2a1",
                                 "1a2b3c4d5e6f", "asdfasdfqwer", "123abc456def"])
def test_pattern_ids_are_named(rev: str) -> None:
    assert weak_reason(rev) is not None


@pytest.mark.parametrize("rev", ["0041", "016", "20260720_01", "0041_add_users", "ae1027a6acf",
                                 "base", "head"])
def test_numbered_short_and_real_ids_pass(rev: str) -> None:
    assert weak_reason(rev) is None


def test_no_random_id_is_taken_for_a_typed_one() -> None:
    # alembic's own ids are uuid4().hex[-12:]; a seeded sample of 20,000 such ids
    rnd = random.Random(12)
    flagged = [rev for rev in (f"{rnd.getrandbits(48):012x}" for _ in range(20_000))
               if weak_reason(rev)]
    assert flagged == []


def test_the_suggested_command_pastes_safely_and_makes_a_proper_id() -> None:
    argv = shlex.split(PROPER_ID_COMMAND)
    assert argv[:2] == ["python", "-c"]
    assert shlex.join(argv) == PROPER_ID_COMMAND  # quoted exactly as shlex quotes it
    made = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert len(made) == 12
    assert int(made, 16) >= 0
    assert weak_reason(made) is None


def test_check_warns_about_a_typed_id_but_the_healthy_hook_stays_quiet(project: Path) -> None:
    add_revision(project, "ae1027a6acf0", None)
    add_revision(project, "a1b2c3d4e5f6", "ae1027a6acf0")
    commit_all(project, "history")
    done = hookman(project, "check")
    assert done.returncode == 0
    assert ("warning: revision id a1b2c3d4e5f6 (migrations/versions/a1b2c3d4e5f6_rev.py) looks "
            "typed by hand: a typed pattern (a1b2c3…)") in done.stdout
    assert PROPER_ID_COMMAND in done.stdout
    data = json.loads(hookman(project, "check", "--json").stdout)
    assert [p["revisions"] for p in data["projects"][0]["id_hygiene"]] == [["a1b2c3d4e5f6"]]
    assert data["ok"] is True
    assert hookman(project, "check", "-q").stdout == ""
    add_revision(project, "bd33a1f07c52", "a1b2c3d4e5f6")
    git(project, "add", "-A")
    hook = hookman(project, "hook", "pre-commit")
    assert hook.returncode == 0
    assert hook.stdout + hook.stderr == ""


def test_a_numbered_id_taken_twice_is_a_duplicate_not_three_heads(project: Path) -> None:
    # curie-eng/curie#1894: "found 3: 0030, 0031, 0031" and the advice to merge them
    versions = project / "migrations" / "versions"
    (versions / "0030_base.py").write_text(revision_source("0030", None))
    (versions / "0031_users.py").write_text(revision_source("0031", "0030", table="users"))
    (versions / "0031_orders.py").write_text(revision_source("0031", "0030", table="orders"))
    commit_all(project, "two branches numbered at once")
    done = hookman(project, "check")
    assert done.returncode == 1
    assert "multiple-heads" not in done.stdout
    assert "hookman merge" not in done.stdout
    assert "error [duplicate-revision]: revision id 0031 is used by two files" in done.stdout
    assert "renumber the one not yet applied anywhere to 0032" in done.stdout
    assert "rename the duplicate, do not merge it" in done.stdout


def test_same_id_on_both_sides_of_a_predicted_merge_is_its_own_error(project: Path) -> None:
    add_revision(project, "ae1027a6acf0", None)
    commit_all(project, "base")
    git(project, "switch", "-q", "-c", "feature")
    versions = project / "migrations" / "versions"
    (versions / "7c0ffe11aa01_mine.py").write_text(
        revision_source("7c0ffe11aa01", "ae1027a6acf0", table="mine"))
    commit_all(project, "mine")
    git(project, "switch", "-q", "main")
    (versions / "7c0ffe11aa01_theirs.py").write_text(
        revision_source("7c0ffe11aa01", "ae1027a6acf0", table="theirs"))
    commit_all(project, "theirs")
    git(project, "switch", "-q", "feature")
    done = hookman(project, "check", "--against", "main")
    assert done.returncode == 1
    assert ("error [revision-id-collision]: revision id 7c0ffe11aa01 is added on both sides of "
            "the merge with different content: migrations/versions/7c0ffe11aa01_mine.py (yours), "
            "migrations/versions/7c0ffe11aa01_theirs.py (from main)") in done.stdout
    assert "multiple-heads" not in done.stdout


def test_one_path_one_id_two_contents_is_a_collision(project: Path) -> None:
    add_revision(project, "ae1027a6acf0", None)
    commit_all(project, "base")
    git(project, "switch", "-q", "-c", "feature")
    add_revision(project, "51c0ffee0042", "ae1027a6acf0", table="mine")
    commit_all(project, "mine")
    git(project, "switch", "-q", "main")
    add_revision(project, "51c0ffee0042", "ae1027a6acf0", table="theirs")
    commit_all(project, "theirs")
    git(project, "switch", "-q", "feature")
    data = json.loads(hookman(project, "check", "--against", "main", "--json").stdout)
    kinds = [p["kind"] for p in data["projects"][0]["problems"]]
    assert kinds == ["revision-id-collision"]


def test_numbered_ids_racing_across_branches_are_named(project: Path) -> None:
    versions = project / "migrations" / "versions"
    (versions / "0040_base.py").write_text(revision_source("0040", None))
    (versions / "0041_users.py").write_text(revision_source("0041_users", "0040"))
    (versions / "0041_orders.py").write_text(revision_source("0041_orders", "0040"))
    commit_all(project, "a numbered fork")
    done = hookman(project, "check")
    assert done.returncode == 1
    assert ("warning [numbered-id-collision]: both lines numbered a revision 0041 "
            "(0041_orders, 0041_users)") in done.stdout
    assert "error [multiple-heads]" in done.stdout
