"""`hookman merge`: alembic's own merge, committed alone; refusals and failures change nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hooks_manager.graph import merge_rev_id
from tests.helpers import add_revision, commit_all, git, hookman
from tests.pushkit import repo_state

A, B, C = "aaaa00000001", "bbbb00000002", "cccc00000003"
CI = {"CI": "1"}


def forked(project: Path) -> Path:
    """A, then B and C both on A: two heads, committed."""
    add_revision(project, A, None)
    add_revision(project, B, A)
    add_revision(project, C, A)
    (project / "notes.txt").write_text("one\n")
    commit_all(project, "forked history")
    return project


def merge_file(project: Path) -> Path:
    return project / "migrations" / "versions" / f"{merge_rev_id([B, C])}_merge_heads_{B}_and_.py"


def test_commit_holds_only_the_merge_and_other_changes_stay_put(project: Path) -> None:
    forked(project)
    (project / "staged.txt").write_text("staged\n")
    git(project, "add", "staged.txt")
    (project / "notes.txt").write_text("one\nunstaged edit\n")
    done = hookman(project, "merge", "--commit", env=CI)
    assert done.returncode == 0, done.stderr
    rel = merge_file(project).relative_to(project).as_posix()
    assert git(project, "show", "--name-only", "--format=%s", "HEAD").split() == [
        "Merge", "heads", B, "and", C, rel]
    assert git(project, "diff", "--cached", "--name-only") == "staged.txt"
    assert git(project, "diff", "--name-only") == "notes.txt"
    assert (project / "notes.txt").read_text() == "one\nunstaged edit\n"
    text = merge_file(project).read_text()
    assert f"down_revision: Union[str, Sequence[str], None] = ('{B}', '{C}')" in text  # mako
    assert hookman(project, "check").returncode == 0


def test_same_fork_gives_the_same_revision_in_two_clones(project: Path, tmp_path: Path) -> None:
    forked(project)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(project), str(other))
    for repo in (project, other):
        assert hookman(repo, "merge", env=CI).returncode == 0
    assert merge_file(project).exists()
    assert merge_file(other).relative_to(other) == merge_file(project).relative_to(project)


def test_without_commit_writes_but_stages_nothing(project: Path) -> None:
    forked(project)
    done = hookman(project, "merge", "-m", "join the lines", env=CI)
    assert done.returncode == 0, done.stderr
    written = project / "migrations" / "versions" / f"{merge_rev_id([B, C])}_join_the_lines.py"
    assert written.exists()
    assert git(project, "diff", "--cached", "--name-only") == ""
    assert f"next: git add -- migrations/versions/{written.name} && git commit" in done.stderr


def test_commit_refuses_when_a_head_is_not_committed_yet(project: Path) -> None:
    add_revision(project, A, None)
    add_revision(project, B, A)
    commit_all(project, "one head")
    add_revision(project, C, A)
    git(project, "add", "-A")  # a second head, staged only
    before = repo_state(project)
    done = hookman(project, "merge", "--commit", env=CI)
    assert done.returncode == 2
    assert f"migrations/versions/{C}_rev.py" in done.stderr
    assert "commit the merge revision together with them" in done.stderr
    assert repo_state(project) == before
    assert not merge_file(project).exists()


def test_one_head_is_refused(project: Path) -> None:
    add_revision(project, A, None)
    commit_all(project, "one head")
    before = repo_state(project)
    done = hookman(project, "merge", "--commit", env=CI)
    assert done.returncode == 2
    assert "nothing to merge: alembic has at most one head" in done.stderr
    assert repo_state(project) == before


def _conflict(project: Path, kind: str) -> None:
    """A real conflict in a plain file, left unresolved by `kind` (merge/rebase/cherry-pick)."""
    git(project, "checkout", "-q", "-b", "side")
    (project / "notes.txt").write_text("side\n")
    commit_all(project, "side edit")
    git(project, "checkout", "-q", "main")
    (project / "notes.txt").write_text("main\n")
    commit_all(project, "main edit")
    args = {"merge": ["merge", "side"], "rebase": ["rebase", "side"],
            "cherry-pick": ["cherry-pick", "side"]}[kind]
    git(project, *args, check=False)  # stops on the conflict, as a user would see it
    assert git(project, "status", "--porcelain", "notes.txt").startswith(("UU", "AA"))


@pytest.mark.parametrize(("kind", "said"), [("merge", "a merge is in progress"),
                                            ("rebase", "a rebase is in progress"),
                                            ("cherry-pick", "a cherry-pick is in progress")])
def test_refused_while_git_is_busy(project: Path, kind: str, said: str) -> None:
    forked(project)
    _conflict(project, kind)
    before = repo_state(project)
    done = hookman(project, "merge", "--commit", env=CI)
    assert done.returncode == 2
    assert said in done.stderr
    assert "hookman writes nothing now" in done.stderr
    assert repo_state(project) == before


def test_refused_while_the_index_is_locked(project: Path) -> None:
    forked(project)
    lock = project / ".git" / "index.lock"
    lock.write_text("")  # what a running git command holds
    done = hookman(project, "merge", "--commit", env=CI)
    assert done.returncode == 2
    assert "the index is locked" in done.stderr
    lock.unlink()
    assert not merge_file(project).exists()


def test_taken_revision_id_is_refused(project: Path) -> None:
    taken = merge_rev_id([B, C])
    add_revision(project, A, None)
    add_revision(project, taken, A)  # an older revision already holds the merge's id
    add_revision(project, B, taken)
    add_revision(project, C, A)
    commit_all(project, "heads B and C; the merge id is taken")
    before = repo_state(project)
    done = hookman(project, "merge", "--commit", env=CI)
    assert done.returncode == 2
    assert f"revision id {taken} (the merge of {B}, {C}) is already used" in done.stderr
    assert repo_state(project) == before


def test_broken_template_leaves_nothing_behind(project: Path) -> None:
    forked(project)
    mako = project / "migrations" / "script.py.mako"
    mako.write_text(mako.read_text() + "\n${no_such_name.attribute}\n")
    commit_all(project, "break the template")
    before = repo_state(project)
    done = hookman(project, "merge", "--commit", env=CI)
    assert done.returncode == 2, done.stderr
    assert "alembic could not write the merge" in done.stderr
    assert "Traceback" not in done.stderr
    assert repo_state(project) == before


def test_failing_post_write_hook_removes_the_written_file(project: Path) -> None:
    forked(project)
    ini = project / "alembic.ini"
    ini.write_text(ini.read_text() + "\n[post_write_hooks]\nhooks = broken\n"
                   "broken.type = console_scripts\nbroken.entrypoint = no-such-formatter\n")
    commit_all(project, "a post-write hook whose formatter is not installed")
    before = repo_state(project)
    done = hookman(project, "merge", "--commit", env=CI)
    assert done.returncode == 2, done.stderr
    assert "no-such-formatter" in done.stderr
    assert repo_state(project) == before
    assert not (project / "migrations" / "versions" / "__pycache__").exists()


def test_post_write_hook_runs_on_the_file(project: Path) -> None:
    forked(project)
    ini = project / "alembic.ini"
    stamp = project / "stamp.py"
    stamp.write_text("import sys\nopen(sys.argv[1], 'a').write('# stamped\\n')\n")
    ini.write_text(ini.read_text() + "\n[post_write_hooks]\nhooks = stamp\nstamp.type = exec\n"
                   f"stamp.executable = {sys.executable}\n"
                   f"stamp.options = {stamp} REVISION_SCRIPT_FILENAME\n")
    commit_all(project, "a post-write hook")
    done = hookman(project, "merge", "--commit", env=CI)
    assert done.returncode == 0, done.stderr
    assert git(project, "show", f"HEAD:{merge_file(project).relative_to(project).as_posix()}"
               ).endswith("# stamped")


def test_failing_commit_unstages_and_removes_the_file(project: Path) -> None:
    forked(project)
    git(project, "config", "commit.gpgsign", "true")
    git(project, "config", "gpg.program", "false")  # signing fails, so the commit does
    (project / "staged.txt").write_text("staged\n")
    git(project, "add", "staged.txt")
    before = repo_state(project)
    # Bytecode on: alembic imports every revision, and what that caches is undone too.
    done = hookman(project, "merge", "--commit", env={**CI, "PYTHONDONTWRITEBYTECODE": ""})
    assert done.returncode == 2, done.stderr
    assert "git could not commit" in done.stderr
    assert repo_state(project) == before
    assert not (project / "migrations" / "versions" / "__pycache__").exists()


def test_revision_environment_is_warned_about(project: Path) -> None:
    forked(project)
    ini = project / "alembic.ini"
    ini.write_text(ini.read_text().replace("[alembic]\n",
                                           "[alembic]\nrevision_environment = true\n"))
    commit_all(project, "revision_environment")
    done = hookman(project, "merge", env=CI)
    assert done.returncode == 0, done.stderr
    assert "sets revision_environment = true, so alembic runs env.py" in done.stderr


def test_merged_history_upgrades_on_sqlite(project: Path) -> None:
    forked(project)
    assert hookman(project, "merge", "--commit", env=CI).returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    upgrade = subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=project,
                             capture_output=True, text=True, env=env, check=False)
    assert upgrade.returncode == 0, upgrade.stderr
    heads = subprocess.run([sys.executable, "-m", "alembic", "heads"], cwd=project,
                           capture_output=True, text=True, env=env, check=False)
    assert heads.stdout.split() == [merge_rev_id([B, C]), "(head)"]


def test_config_and_section_options_pick_the_project(project: Path) -> None:
    forked(project)
    ini = project / "alembic.ini"
    ini.rename(project / "db.ini")
    (project / "db.ini").write_text(INI_SECTION)
    commit_all(project, "a named section in another file")
    missing = hookman(project, "merge", "-c", "db.ini", env=CI)
    assert missing.returncode != 0
    assert "no [alembic] section" in missing.stderr
    done = hookman(project, "merge", "-c", "db.ini", "-n", "main_db", "--commit", "--yes")
    assert done.returncode == 0, done.stderr
    assert merge_file(project).exists()


INI_SECTION = """\
[main_db]
script_location = %(here)s/migrations
sqlalchemy.url = sqlite:///%(here)s/app.db
"""
