"""Issue 7, items 8, 9 and 15: every fix hookman prints is run here, pasted into bash from
the repository root in the very state it was printed in, and must fix the problem; where no
command can (duplicate ids, a dangling parent) the message says what to edit instead; a fork
inherited from HEAD or from the upstream warns instead of blocking work that does not touch
it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.adversarial.kit import A, B, C, clean_env, printed, run_line
from tests.helpers import (
    add_revision,
    commit_all,
    git,
    hookman,
    init_repo,
    make_project,
    revision_source,
)
from tests.hooktools import commit
from tests.pushkit import forked_setup, install_hooks, own_fork, push, remote_sha

CI = {"CI": "1"}


def _merging_repo(project: Path) -> Path:
    """main: A -> B; side: A -> C; hooks installed; `git merge side` is stopped by the fork."""
    add_revision(project, A, None)
    commit_all(project, "base")
    install_hooks(project)
    git(project, "checkout", "-q", "-b", "side")
    add_revision(project, C, A)
    commit_all(project, "side")
    git(project, "checkout", "-q", "main")
    add_revision(project, B, A)
    commit_all(project, "main")
    return project


@pytest.mark.parametrize(("how", "which"), [("pre-merge-commit", "fix:"),
                                            ("pre-merge-commit", "or:"),
                                            ("conflict resolved, then git commit", "fix:")])
def test_mid_merge_fix_concludes_the_merge(project: Path, how: str, which: str) -> None:
    _merging_repo(project)
    if how.startswith("conflict"):
        (project / "notes.txt").write_text("main\n")
        commit_all(project, "main note")
        git(project, "checkout", "-q", "side")
        (project / "notes.txt").write_text("side\n")
        commit_all(project, "side note")
        git(project, "checkout", "-q", "main")
        assert _git_merge(project).returncode != 0  # the conflict stops it first
        (project / "notes.txt").write_text("both\n")
        git(project, "add", "notes.txt")
        stopped = commit(project, "--no-edit", env=CI)
    else:
        stopped = _git_merge(project)
    assert stopped.returncode != 0, stopped.stderr
    assert (project / ".git" / "MERGE_HEAD").exists()
    line = printed(stopped.stderr, which)
    assert "SKIP=" not in line
    if which == "or:":
        line = line.split("  # ")[0] + " && git add -A migrations && git commit -q --no-edit"
    ran = run_line(line, project, CI="1")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert not (project / ".git" / "MERGE_HEAD").exists()
    assert len(git(project, "rev-parse", "HEAD^@").split()) == 2  # the merge, concluded
    assert hookman(project, "check").returncode == 0
    assert git(project, "status", "--porcelain") == ""


def _path() -> str:
    import os
    import sys

    return os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]


def _git_merge(project: Path) -> subprocess.CompletedProcess[str]:
    import subprocess


    return subprocess.run(["git", "merge", "--no-edit", "side"], cwd=project,
                          capture_output=True, text=True, env=clean_env(CI="1"),
                          stdin=subprocess.DEVNULL, check=False)


@pytest.mark.parametrize("fork", ["own", "against the upstream"])
def test_detached_head_push_fix_pushes_to_the_branch(tmp_path: Path, fork: str) -> None:
    setup = forked_setup(tmp_path)
    if fork == "own":
        own_fork(setup)
    git(setup.clone, "checkout", "-q", "--detach")
    done = push(setup.clone, "origin", "HEAD:refs/heads/feature-b", env=CI)
    assert done.returncode == 1, done.stderr
    fix = printed(done.stderr, "fix this push:")
    assert fix.endswith("git push origin HEAD:refs/heads/feature-b")
    ran = run_line(fix, setup.clone, CI="1")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert remote_sha(setup, "feature-b") == git(setup.clone, "rev-parse", "HEAD")
    assert hookman(setup.clone, "check", "--rev", "origin/feature-b").returncode == 0


@pytest.mark.parametrize("tag", ["lightweight", "annotated"])
def test_tag_push_fix_moves_the_tag_or_says_what_to_do(tmp_path: Path, tag: str) -> None:
    setup = forked_setup(tmp_path)
    own_fork(setup)
    args = ["-a", "-m", "release one"] if tag == "annotated" else []
    git(setup.clone, "tag", *args, "v1")
    done = push(setup.clone, "origin", "v1", env=CI)
    assert done.returncode == 1, done.stderr
    assert "git checkout refs/tags/v1 &&" not in done.stderr
    if tag == "annotated":
        assert "no command fixes this push: v1 is an annotated tag" in done.stderr
        assert "fix this push:" not in done.stderr
        return
    fix = printed(done.stderr, "fix this push:")
    ran = run_line(fix.split("  # ")[0], setup.clone, CI="1")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    pushed = git(setup.remote, "rev-parse", "refs/tags/v1")
    assert pushed == git(setup.clone, "rev-parse", "v1")
    assert hookman(setup.clone, "check", "--rev", pushed).returncode == 0
    assert git(setup.clone, "symbolic-ref", "--short", "HEAD") == "feature-b"  # back home


RELATIVE_INI = "[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///app.db\n"


def _service_with_a_fork_added(tmp_path: Path) -> tuple[Path, Path]:
    """(root, services/auth): a project whose script_location is relative to its ini, A-B
    committed, C on A written and not yet committed."""
    root = init_repo(tmp_path / "repo")
    svc = root / "services" / "auth"
    svc.mkdir(parents=True)
    make_project(svc, ini=RELATIVE_INI)
    (root / "pyproject.toml").write_text(
        '[[tool.hookman.projects]]\nname = "auth"\nconfig = "services/auth/alembic.ini"\n')
    add_revision(svc, A, None)
    add_revision(svc, B, A)
    commit_all(root, "one line")
    add_revision(svc, C, A)
    return root, svc


@pytest.mark.parametrize(("where", "which"), [("check", "fix:"), ("check", "or:"),
                                              ("pre-commit", "fix:"), ("pre-commit", "or:")])
def test_relative_script_location_fix_works_from_the_root(tmp_path: Path, where: str,
                                                         which: str) -> None:
    root, _ = _service_with_a_fork_added(tmp_path)
    if where == "check":
        commit_all(root, "a fork")
        out = hookman(root, "check").stdout
    else:
        install_hooks(root)
        git(root, "add", "-A")
        out = commit(root, "-m", "adds a fork", env=CI).stderr
    line = printed(out, which)
    if which == "or:":
        assert line.startswith("(cd services/auth && alembic -c alembic.ini merge ")
    ran = run_line(line.split("  # ")[0] + " --yes" * (line == "hookman merge"), root, CI="1")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    git(root, "add", "-A", "services")
    assert commit(root, "-m", "with the merge revision", env=CI).returncode == 0
    assert hookman(root, "check").returncode == 0


@pytest.mark.parametrize("hook", ["pre-commit", "pre-push"])
@pytest.mark.parametrize("required", ["true", '["alembic-heads", "alembic-upstream"]'])
def test_required_checks_offer_no_skip(tmp_path: Path, hook: str, required: str) -> None:
    if hook == "pre-commit":
        root = make_project(init_repo(tmp_path / "repo"))
        (root / "pyproject.toml").write_text(f"[tool.hookman]\nrequired = {required}\n")
        add_revision(root, A, None)
        commit_all(root, "base")
        install_hooks(root)
        add_revision(root, B, A)
        add_revision(root, C, A)
        git(root, "add", "-A")
        done = commit(root, "-m", "fork", env=CI)
        again = commit(root, "-m", "fork", env={**CI, "SKIP": "alembic-heads"})
    else:
        setup = forked_setup(tmp_path, settings=f"required = {required}\n")
        own_fork(setup)
        done = push(setup.clone, "origin", "feature-b", env=CI)
        again = push(setup.clone, "origin", "feature-b",
                     env={**CI, "SKIP": "alembic-heads,alembic-upstream"})
    assert done.returncode == 1, done.stderr
    assert "SKIP=" not in done.stderr  # offering it would not work:
    assert again.returncode == 1, again.stderr
    assert "it is required in [tool.hookman]" in again.stderr


def _broken(root: Path, kind: str) -> None:
    add_revision(root, A, None)
    if kind in ("duplicate ids", "duplicate ids and a fork"):
        add_revision(root, B, A)
        (root / "migrations" / "versions" / "copy_of_b.py").write_text(
            revision_source(B, A, table="t_copy"))
    if kind in ("dangling parent", "dangling parent and a fork"):
        add_revision(root, B, "ffff99999999")
    if kind.endswith("and a fork"):
        add_revision(root, C, A)


@pytest.mark.parametrize("kind", ["duplicate ids", "dangling parent",
                                  "duplicate ids and a fork", "dangling parent and a fork"])
def test_no_command_fixes_these_so_none_is_offered(project: Path, kind: str) -> None:
    _broken(project, kind)
    commit_all(project, kind)
    text = hookman(project, "check")
    assert text.returncode == 1
    assert "no command fixes this; edit instead:" in text.stdout
    assert "hookman merge" not in text.stdout
    assert "fix:" not in text.stdout
    assert f"{B} and {B}" not in text.stdout
    assert f"{B} with {B}" not in text.stdout
    report = json.loads(hookman(project, "check", "--json").stdout)["projects"][0]
    assert report["fix"] == []
    assert report["fix_argv"] == []
    assert report["edit_instead"]
    assert "down_revision" in " ".join(report["edit_instead"])
    # and indeed the merge refuses: offering it would have sent the user into a wall
    assert hookman(project, "merge", "--commit", env=CI).returncode == 2


@pytest.mark.parametrize("change", ["a plain file", "nothing but a README line"])
def test_inherited_fork_warns_and_lets_an_unrelated_commit_through(project: Path,
                                                                   change: str) -> None:
    add_revision(project, A, None)
    add_revision(project, B, A)
    add_revision(project, C, A)
    commit_all(project, "a fork pulled from a broken main")
    install_hooks(project)
    name = "app.py" if change == "a plain file" else "README.md"
    (project / name).write_text("print('hello')\n")
    git(project, "add", name)
    done = commit(project, "-m", "unrelated work", env=CI)
    assert done.returncode == 0, done.stderr
    assert "warning: this fork is already in HEAD and this commit changes no revision file" \
        in done.stderr
    assert "fix: hookman merge" in done.stderr  # the fix is still shown


@pytest.mark.parametrize("change", ["adds a revision on one head", "edits a head",
                                    "adds a third head"])
def test_a_commit_that_touches_a_forked_history_still_blocks(project: Path,
                                                             change: str) -> None:
    add_revision(project, A, None)
    add_revision(project, B, A)
    add_revision(project, C, A)
    commit_all(project, "a fork pulled from a broken main")
    install_hooks(project)
    if change == "adds a revision on one head":
        add_revision(project, "dddd00000004", B)
    elif change == "edits a head":
        path = project / "migrations" / "versions" / f"{B}_rev.py"
        path.write_text(path.read_text() + "\n# tweak\n")
    else:
        add_revision(project, "dddd00000004", A)
    git(project, "add", "-A")
    done = commit(project, "-m", change, env=CI)
    assert done.returncode == 1, done.stderr
    assert "commit blocked" in done.stderr


@pytest.mark.parametrize("branch_change", ["no migration", "a migration"])
def test_push_of_a_branch_on_a_forked_upstream(tmp_path: Path, branch_change: str) -> None:
    setup = forked_setup(tmp_path)
    # The upstream itself is forked: FIRST and a second head land on origin/main.
    add_revision(setup.seed, "eeee00000005", "aaaa00000001")
    commit_all(setup.seed, "a second head on main")
    git(setup.seed, "push", "-q", "origin", "main")
    git(setup.clone, "fetch", "-q", "origin")
    git(setup.clone, "checkout", "-q", "-b", "feature-c", "origin/main")
    if branch_change == "a migration":
        add_revision(setup.clone, "ffff00000006", "eeee00000005")
    else:
        (setup.clone / "app.py").write_text("print('c')\n")
    git(setup.clone, "add", "-A")
    # --no-verify: pre-commit would (rightly) stop the migration; the push must stop it too.
    git(setup.clone, "commit", "-q", "--no-verify", "-m", "feature c")
    done = push(setup.clone, "origin", "feature-c", env=CI)
    if branch_change == "no migration":
        assert done.returncode == 0, done.stderr
        assert "changes no revision file of alembic since origin/main" in done.stderr
        assert remote_sha(setup, "feature-c") == git(setup.clone, "rev-parse", "HEAD")
    else:
        assert done.returncode == 1, done.stderr
        assert remote_sha(setup, "feature-c") == ""


@pytest.mark.parametrize("which", ["fix:", "or:"])
def test_fix_lines_printed_in_a_sub_folder_work_pasted_there(tmp_path: Path,
                                                             which: str) -> None:
    # `cd services/auth/migrations/versions && hookman check`: the lines are pasted right there.
    root, svc = _service_with_a_fork_added(tmp_path)
    commit_all(root, "a fork")
    here = svc / "migrations" / "versions"
    out = hookman(here, "check", env=clean_env()).stdout
    line = printed(out, which)
    if which == "or:":
        assert line.startswith("(cd ../.. && alembic -c alembic.ini merge "), line
    else:
        assert line == "(cd ../../../.. && hookman merge)", line
        line = line.replace("hookman merge)", "hookman merge --yes)")  # no prompt in a test
    ran = run_line(line.split("  # ")[0], here, CI="1")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    git(root, "add", "-A", "services")
    git(root, "commit", "-q", "--allow-empty", "-m", "with the merge revision")
    assert hookman(here, "check", env=clean_env()).returncode == 0
