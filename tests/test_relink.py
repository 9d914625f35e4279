"""`hookman rebase`: real git stopped on the head file, finished with hookman + --continue;
the splice byte for byte over every syntax form the scanner reads; refusals and rollback."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from hooks_manager.errors import MergeError
from hooks_manager.relink import apply, plan_relink, splice
from hooks_manager.workspace import load_workspace
from tests.headkit import (
    HEAD_FILE,
    add_on,
    alembic_heads,
    based,
    conflicted,
    forked,
    run,
    upgrade_sqlite,
)
from tests.helpers import NO_COVERAGE, add_revision, commit_all, git, hookman
from tests.test_scan import FORMS, python_says, source

OLD, NEW = "1975ea83b712", "ffff00001111"
B_FILE = "migrations/versions/bbbb0002_rev.py"


def down_of(path: Path) -> object:
    module: dict[str, object] = {}
    exec(compile(path.read_bytes(), str(path), "exec"), module)
    return module["down_revision"]


def assert_single_and_alembic_agrees(repo: Path, head: str) -> None:
    """hookman's heads equal alembic's, there is one, and the history upgrades on SQLite."""
    done = hookman(repo, "heads")
    assert (done.returncode, done.stdout.split()) == (0, [head])
    assert alembic_heads(repo) == [head]
    assert hookman(repo, "check").returncode == 0
    upgrade_sqlite(repo)


# --- the splice, byte for byte ------------------------------------------------------------------


SPLICED = {  # forms whose literal cannot keep its token: the one string that replaces it
    "implicit concatenation": (b"'1975ea' '83b712'", b"'ffff00001111'"),
    "escapes": (b'"1975ea83b7\\u0031\\x32"', b'"ffff00001111"'),
}


@pytest.mark.parametrize("name", FORMS.keys())
def test_splice_changes_the_parent_literal_and_nothing_else(name: str) -> None:
    data = source(FORMS[name], stale=OLD)
    before = python_says(data)
    new = splice(data, {"down_revision": {OLD: NEW}})
    if OLD not in before[1]:
        assert new == data  # nothing names the old parent: not a byte changes
        return
    if name in SPLICED:
        old_token, new_token = SPLICED[name]
        expected = data.replace(old_token, new_token).replace(
            f"Revises: {OLD}".encode(), f"Revises: {NEW}".encode())
    else:
        expected = data.replace(OLD.encode(), NEW.encode())  # the literal and `Revises:`
    assert new == expected
    after = python_says(new)
    assert after[1] == tuple(NEW if d == OLD else d for d in before[1])
    assert (after[0], after[2], after[3]) == (before[0], before[2], before[3])


def test_splice_keeps_crlf_bom_annotation_and_comment() -> None:
    header = ('revision: str = "ae1027a6acf"\n'
              "down_revision: Union[str, None] = '1975ea83b712'  # was main's head\n")
    data = b"\xef\xbb\xbf" + source(header, stale=OLD).replace(b"\n", b"\r\n")
    new = splice(data, {"down_revision": {OLD: NEW}})
    assert new == data.replace(OLD.encode(), NEW.encode())
    assert new.startswith(b"\xef\xbb\xbf")
    assert new.count(b"\r\n") == data.count(b"\r\n")


def test_splice_leaves_a_stale_revises_line_alone() -> None:
    data = source(FORMS["plain"], stale="0000stale000")
    new = splice(data, {"down_revision": {OLD: NEW}})
    assert b"Revises: 0000stale000" in new
    assert new == data.replace(OLD.encode(), NEW.encode())


def test_splice_refuses_a_value_that_is_code() -> None:
    data = source("revision = 'ae1027a6acf'\ndown_revision = get_parent()")
    with pytest.raises(Exception, match="get_parent"):
        splice(data, {"down_revision": {OLD: NEW}})
    ast.parse(data)  # the file itself is fine Python


# --- real git stopped on the head file -----------------------------------------------------------


def test_rebase_stopped_on_the_head_file_is_finished_by_hookman(project: Path) -> None:
    forked(project)
    git(project, "checkout", "-q", "feature")
    original = (project / B_FILE).read_bytes()
    assert run(project, "git", "rebase", "main").returncode != 0
    assert conflicted(project) == [HEAD_FILE]
    done = hookman(project, "rebase", "--yes")
    assert done.returncode == 0, done.stderr
    assert "sides from a rebase stopped" in done.stderr
    assert "git rebase --continue" in done.stderr
    assert "alembic -c alembic.ini downgrade aaaa0001" in done.stderr
    assert (project / B_FILE).read_bytes() == original.replace(b"aaaa0001", b"cccc0003")
    assert conflicted(project) == []
    cont = run(project, "git", "rebase", "--continue")
    assert cont.returncode == 0, cont.stderr
    assert down_of(project / B_FILE) == "cccc0003"
    assert (project / HEAD_FILE).read_text().splitlines()[-1] == "bbbb0002"
    assert git(project, "status", "--porcelain") == ""
    assert_single_and_alembic_agrees(project, "bbbb0002")


def test_a_two_commit_chain_moves_by_its_bottom_and_the_rest_follows(project: Path) -> None:
    forked(project)
    git(project, "checkout", "-q", "feature")
    add_on(project, "dddd0004", "bbbb0002", "feature: add d")
    assert run(project, "git", "rebase", "main").returncode != 0
    done = hookman(project, "rebase", "--yes")
    assert done.returncode == 0, done.stderr
    cont = run(project, "git", "rebase", "--continue")
    assert cont.returncode == 0, cont.stdout + cont.stderr  # the second commit replays cleanly
    assert down_of(project / B_FILE) == "cccc0003"
    assert down_of(project / "migrations/versions/dddd0004_rev.py") == "bbbb0002"
    assert_single_and_alembic_agrees(project, "dddd0004")


def test_merge_stopped_on_the_head_file_moves_this_branch_not_theirs(project: Path) -> None:
    forked(project)
    git(project, "checkout", "-q", "feature")
    assert run(project, "git", "merge", "--no-verify", "main").returncode == 1
    done = hookman(project, "rebase", "--yes")
    assert done.returncode == 0, done.stderr
    assert "re-point bbbb0002" in done.stderr  # ours in a merge: the feature's migration
    assert run(project, "git", "commit", "--no-edit", "--no-verify").returncode == 0
    assert down_of(project / B_FILE) == "cccc0003"
    assert down_of(project / "migrations/versions/cccc0003_rev.py") == "aaaa0001"
    assert_single_and_alembic_agrees(project, "bbbb0002")


def test_merge_run_on_main_moves_mains_own_unpublished_migration(project: Path) -> None:
    # On main, `git merge feature`: in a merge HEAD is "this branch", so main's own migration
    # (unpublished here: there is no remote) is the one that moves onto the feature's.
    forked(project)
    done = run(project, "git", "merge", "--no-verify", "feature")
    assert done.returncode == 1
    done = hookman(project, "rebase", "--yes")
    assert done.returncode == 0, done.stderr
    assert "re-point cccc0003" in done.stderr
    assert down_of(project / "migrations/versions/cccc0003_rev.py") == "bbbb0002"


def test_cherry_pick_stopped_on_the_head_file(project: Path) -> None:
    forked(project)
    assert run(project, "git", "cherry-pick", "feature").returncode != 0
    done = hookman(project, "rebase", "--yes")
    assert done.returncode == 0, done.stderr
    assert "re-point bbbb0002" in done.stderr
    assert run(project, "git", "cherry-pick", "--continue").returncode == 0
    assert_single_and_alembic_agrees(project, "bbbb0002")


def test_fork_in_the_work_tree_with_onto_and_commit(project: Path) -> None:
    based(project)
    add_on(project, "cccc0003", "aaaa0001", "main: add c")
    add_revision(project, "bbbb0002", "aaaa0001")  # written before pulling c, say
    (project / "notes.txt").write_text("unrelated, staged\n")
    git(project, "add", "notes.txt")
    done = hookman(project, "rebase", "--onto", "cccc0003", "--commit", "--yes")
    assert done.returncode == 0, done.stderr
    assert [line for line in git(project, "show", "--name-only", "--format=%s", "HEAD")
            .splitlines() if line] == [
        "Relink bbbb0002 onto cccc0003", HEAD_FILE, B_FILE]
    assert git(project, "status", "--porcelain") == "A  notes.txt"  # still staged, not taken
    assert_single_and_alembic_agrees(project, "bbbb0002")


def test_fork_against_the_upstream_needs_no_onto(project: Path, tmp_path: Path) -> None:
    forked(project)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "-q", "origin", "main")
    git(project, "checkout", "-q", "feature")
    git(project, "branch", "-q", "--set-upstream-to", "origin/main")
    git(project, "checkout", "-q", "origin/main", "--", "migrations/versions/cccc0003_rev.py")
    done = hookman(project, "rebase", "--yes")
    assert done.returncode == 0, done.stderr
    assert "the upstream origin/main" in done.stderr
    assert down_of(project / B_FILE) == "cccc0003"


def test_published_revision_is_refused_with_the_merge_as_alternative(project: Path,
                                                                      tmp_path: Path) -> None:
    forked(project)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "-q", "origin", "feature:release")  # someone else's branch has it
    git(project, "fetch", "-q", "origin")
    git(project, "checkout", "-q", "feature")
    assert run(project, "git", "rebase", "main").returncode != 0
    before = (project / B_FILE).read_bytes()
    done = hookman(project, "rebase", "--yes")
    assert done.returncode == 2
    assert "is published (in origin/release)" in done.stderr
    assert "hookman merge" in done.stderr
    assert "Traceback" not in done.stderr
    assert (project / B_FILE).read_bytes() == before
    assert conflicted(project) == [HEAD_FILE]  # git's state untouched


def test_own_pushed_branch_and_tags(project: Path, tmp_path: Path) -> None:
    forked(project)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "-q", "origin", "feature")  # pushed for review: still yours
    git(project, "checkout", "-q", "feature")
    assert run(project, "git", "rebase", "main").returncode != 0
    assert hookman(project, "rebase", "--yes").returncode == 0
    git(project, "rebase", "--abort")
    git(project, "tag", "v1", "feature")
    assert run(project, "git", "rebase", "main").returncode != 0
    done = hookman(project, "rebase", "--yes")
    assert done.returncode == 2
    assert "published (in v1)" in done.stderr


def test_a_branch_label_start_and_a_non_literal_are_refused(project: Path) -> None:
    based(project)
    add_on(project, "cccc0003", "aaaa0001", "main: c")
    add_revision(project, "bbbb0002", "aaaa0001", labels="feature_line")
    done = hookman(project, "rebase", "--onto", "cccc0003", "--yes")
    assert done.returncode == 2
    assert "starts branch feature_line" in done.stderr
    path = project / B_FILE
    text = path.read_text().replace("branch_labels = 'feature_line'", "branch_labels = None")
    path.write_text(text.replace("down_revision = 'aaaa0001'",
                                 "PARENT = 'aaaa0001'\ndown_revision = PARENT"))
    (project / "pyproject.toml").write_text("[tool.hookman]\nstatic_fallback = true\n")
    before = path.read_bytes()
    # static_fallback from a committed file needs this clone's opt-in (it runs the file)
    done = hookman(project, "rebase", "--onto", "cccc0003", "--yes",
                   env={"HOOKMAN_TRUST_REPO_CODE": "1"})
    assert done.returncode == 2, done.stderr
    assert "down_revision is not a literal" in done.stderr
    assert "hookman merge" in done.stderr
    assert path.read_bytes() == before


def test_rollback_puts_every_byte_back(project: Path) -> None:
    forked(project)
    git(project, "checkout", "-q", "feature")
    git(project, "checkout", "-q", "main", "--", "migrations/versions/cccc0003_rev.py")
    root = str(project)
    ws = load_workspace(root)
    settings = ws.settings
    [proj] = ws.require_projects()
    plan = plan_relink(root, proj, settings, onto="cccc0003")
    before = (project / B_FILE).read_bytes()
    head_before = (project / HEAD_FILE).read_bytes()
    # A fault the plan cannot meet in a healthy tree: its new parent vanishes meanwhile.
    plan.files = {k: v.replace(b"cccc0003", b"gone0000") for k, v in plan.files.items()}
    with pytest.raises(MergeError, match="every file was put back"):
        apply(root, plan, settings, lambda _: None)
    assert (project / B_FILE).read_bytes() == before
    assert (project / HEAD_FILE).read_bytes() == head_before


def test_sequential_ids_are_renumbered(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.hookman]\nhead_file = true\n")
    versions = project / "migrations" / "versions"
    add_revision(project, "0001_init", None)
    (versions / "0001_init_rev.py").rename(versions / "0001_init.py")
    commit_all(project, "base")
    add_revision(project, "0002_add_c", "0001_init")
    (versions / "0002_add_c_rev.py").rename(versions / "0002_add_c.py")
    commit_all(project, "main: c")
    add_revision(project, "0002_add_b", "0001_init")
    (versions / "0002_add_b_rev.py").rename(versions / "0002_add_b.py")
    add_revision(project, "0003_more_b", "0002_add_b", depends="0002_add_b")
    (versions / "0003_more_b_rev.py").rename(versions / "0003_more_b.py")
    done = hookman(project, "rebase", "--onto", "0002_add_c", "--yes")
    assert done.returncode == 0, done.stderr
    assert "renumber 0002_add_b → 0003_add_b" in done.stderr
    assert not (versions / "0002_add_b.py").exists()
    moved = (versions / "0003_add_b.py").read_text()
    assert "revision = '0003_add_b'" in moved
    assert "Revision ID: 0003_add_b" in moved
    assert "down_revision = '0002_add_c'" in moved
    top = (versions / "0004_more_b.py").read_text()
    assert "down_revision = '0003_add_b'" in top
    assert "depends_on = '0003_add_b'" in top
    assert "Revises: 0003_add_b" in top
    assert_single_and_alembic_agrees(project, "0004_more_b")


def test_rebase_planning_and_staging_import_no_heavy_library(project: Path) -> None:
    import json
    import subprocess
    import sys

    from tests.test_imports import HEAVY

    forked(project)
    git(project, "checkout", "-q", "feature")
    assert run(project, "git", "rebase", "main").returncode != 0
    probe = ("import json, sys\nfrom hooks_manager.relink import rebase_command\n"
             "code = rebase_command(None, False, True, None, None, None, lambda t: None)\n"
             "print(json.dumps([code, sorted(sys.modules)]))\n")
    # Unmeasured: coverage loads dataclasses (and more) in a measured child.
    done = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL,
                          env={**os.environ, **NO_COVERAGE})
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0, done.stderr
    assert conflicted(project) == []  # it did write and stage
    assert not HEAVY & {m.split(".")[0] for m in modules}


DATED = "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s"


def test_dated_file_names_are_kept_or_renamed_with_rename(project: Path) -> None:
    ini = project / "alembic.ini"
    ini.write_text(ini.read_text() + f"file_template = {DATED}\n")
    for args in (("-m", "base", "--rev-id", "aaaa0001"),
                 ("-m", "theirs", "--rev-id", "cccc0003"),
                 ("-m", "ours", "--rev-id", "bbbb0002", "--head", "aaaa0001", "--splice")):
        done = run(project, "alembic", "revision", *args)
        assert done.returncode == 0, done.stderr
    versions = project / "migrations" / "versions"
    [ours] = [p for p in versions.iterdir() if "bbbb0002" in p.name]
    kept = hookman(project, "rebase", "--onto", "cccc0003", "--yes")
    assert kept.returncode == 0, kept.stderr
    assert "pass --rename to rename and redate" in kept.stderr
    assert ours.exists()
    assert "  rename " not in kept.stderr  # no rename line: the name stays
    original = ours.read_bytes()
    ours.write_bytes(original.replace(b"'cccc0003'", b"'aaaa0001'").replace(
        b"Revises: cccc0003", b"Revises: aaaa0001"))
    # Written long ago, by its name: the rename must date it now.
    ours = ours.rename(versions / ("2020_01_01_0000" + ours.name[15:]))
    done = hookman(project, "rebase", "--onto", "cccc0003", "--rename", "--yes")
    assert done.returncode == 0, done.stderr
    assert not ours.exists()
    [renamed] = [p for p in versions.iterdir() if "bbbb0002" in p.name]
    assert renamed.name.endswith("-bbbb0002_ours.py")
    text = renamed.read_text()
    assert "Revises: cccc0003" in text
    date = text.split("Create Date: ")[1].split("\n")[0]
    assert date != original.decode().split("Create Date: ")[1].split("\n")[0]
    # the name and the date agree: YYYY_MM_DD_HHMM from "YYYY-MM-DD HH:MM:SS.ffffff"
    assert renamed.name[:15] == date[:10].replace("-", "_") + "_" + date[11:16].replace(":", "")
    assert_single_and_alembic_agrees(project, "bbbb0002")


def test_relink_says_what_both_lines_change_and_warns_where_they_collide(project: Path) -> None:
    forked(project)
    git(project, "checkout", "-q", "feature")
    # Both lines create the same table: re-pointing orders them, it cannot make both succeed.
    path = project / B_FILE
    path.write_text(path.read_text().replace("'t_bbbb0002'", "'t_cccc0003'"))
    git(project, "commit", "-q", "-a", "--amend", "--no-edit", "--no-verify")
    assert run(project, "git", "rebase", "main").returncode != 0
    done = hookman(project, "rebase", "--yes")
    assert done.returncode == 0, done.stderr
    assert "what each line changes since the fork at aaaa0001" in done.stderr
    assert "t_cccc0003" in done.stderr
    assert "the two lines collide" in done.stderr


def test_the_downgrade_line_printed_in_a_sub_folder_works_pasted_there(project: Path) -> None:
    forked(project)
    git(project, "checkout", "-q", "feature")
    assert run(project, "alembic", "upgrade", "aaaa0001").returncode == 0
    assert run(project, "git", "rebase", "main").returncode != 0
    here = project / "migrations" / "versions"
    done = hookman(here, "rebase", "--yes")
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if "downgraded first" in x)
    command = line.split("before the relink: ", 1)[1].strip()
    assert command == "(cd ../.. && alembic -c alembic.ini downgrade aaaa0001)", line
    pasted = run(here, "bash", "-c", command)  # a database at the fork point: already there
    assert pasted.returncode == 0, pasted.stdout + pasted.stderr
    assert run(here, "bash", "-c", command.removeprefix("(cd ../.. && ").removesuffix(")")
               ).returncode != 0  # the unwrapped line fails there: the wrapping matters


def test_unstaged_changes_in_a_file_to_edit_are_refused_before_anything_is_written(
        project: Path) -> None:
    based(project)
    add_on(project, "cccc0003", "aaaa0001", "main: add c")
    add_revision(project, "bbbb0002", "aaaa0001")
    git(project, "add", B_FILE)
    path = project / B_FILE
    path.write_bytes(path.read_bytes() + b"# a hunk kept out of the index on purpose\n")
    before, index_before = path.read_bytes(), git(project, "diff", "--cached")
    head_before = git(project, "rev-parse", "HEAD")
    for flags in (("--commit",), ()):
        done = hookman(project, "rebase", "--onto", "cccc0003", "--yes", *flags)
        assert done.returncode == 2, done.stderr
        assert f"{B_FILE} has unstaged changes" in done.stderr
        assert "commit or stash those changes first" in done.stderr
        assert "Traceback" not in done.stderr
        assert path.read_bytes() == before
        assert git(project, "diff", "--cached") == index_before  # the index as the user left it
        assert git(project, "rev-parse", "HEAD") == head_before
    git(project, "add", B_FILE)  # once staged, the relink goes ahead and keeps the hunk
    done = hookman(project, "rebase", "--onto", "cccc0003", "--commit", "--yes")
    assert done.returncode == 0, done.stderr
    assert b"kept out of the index on purpose" in path.read_bytes()
    assert_single_and_alembic_agrees(project, "bbbb0002")


def test_a_symlinked_migration_is_refused(project: Path) -> None:
    based(project)
    add_on(project, "cccc0003", "aaaa0001", "main: add c")
    add_revision(project, "bbbb0002", "aaaa0001")
    real = project / "shared_bbbb0002.py"
    (project / B_FILE).rename(real)
    (project / B_FILE).symlink_to(Path("../..") / real.name)
    commit_all(project, "b, through a symlink")
    before = real.read_bytes()
    done = hookman(project, "rebase", "--onto", "cccc0003", "--commit", "--yes")
    assert done.returncode == 2, done.stderr
    assert f"{B_FILE} is a symlink" in done.stderr
    assert "Traceback" not in done.stderr
    assert real.read_bytes() == before
    assert (project / B_FILE).is_symlink()
    assert git(project, "status", "--porcelain") == ""


def test_rebase_names_a_migration_that_does_not_parse(project: Path) -> None:
    based(project)
    add_on(project, "cccc0003", "aaaa0001", "main: add c")
    add_revision(project, "bbbb0002", "aaaa0001")
    path = project / B_FILE
    before = path.read_bytes() + b"def half_written(:\n"
    path.write_bytes(before)
    for flags in ((), ("--onto", "cccc0003")):
        done = hookman(project, "rebase", "--yes", *flags)
        assert done.returncode == 2, done.stderr
        assert f"{B_FILE} does not parse" in done.stderr
        assert "fix it or use the merge revision" in done.stderr
        assert "nothing to re-point" not in done.stderr
        assert "Traceback" not in done.stderr
        assert path.read_bytes() == before


def test_rebase_help_says_it_never_asks_under_ci(project: Path) -> None:
    done = hookman(project, "rebase", "--help", env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    words = " ".join(done.stdout.replace("│", " ").split())
    assert "never asks under CI=1 or without a terminal" in words
