"""The server guard with real bare repositories and real pushes: what the pusher sees is git's
own `remote:` relay of the pre-receive hook."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import add_revision, commit_all, git, hookman, init_repo, make_project
from tests.offsitekit import BASE, FIRST, SECOND

THIRD = "dddd00000004"


class Server:
    def __init__(self, tmp: Path, settings: str = "") -> None:
        self.bare = tmp / "server.git"
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.bare))
        done = hookman(self.bare, "install", "--server")
        assert done.returncode == 0, done.stdout + done.stderr
        self.dev = make_project(init_repo(tmp / "dev"))
        if settings:
            (self.dev / "pyproject.toml").write_text(f"[tool.hookman]\n{settings}")
        add_revision(self.dev, BASE, None)
        self.base = commit_all(self.dev, "base")
        git(self.dev, "remote", "add", "origin", str(self.bare))
        assert push(self.dev, "origin", "main").returncode == 0
        git(self.dev, "checkout", "-q", "-b", "feature")
        add_revision(self.dev, SECOND, BASE)
        self.feature = commit_all(self.dev, "feature: second")
        git(self.dev, "checkout", "-q", "main")
        add_revision(self.dev, FIRST, BASE)
        self.first = commit_all(self.dev, "main: first")
        assert push(self.dev, "origin", "main").returncode == 0

    def tip(self, ref: str = "main") -> str:
        return git(self.bare, "rev-parse", "--verify", "-q", ref, check=False)


def push(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "push", "--no-verify", *args], cwd=repo, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, check=False)


@pytest.fixture
def server(tmp_path: Path) -> Server:
    return Server(tmp_path)


def test_install_writes_pre_receive_and_a_healthy_fast_forward_lands(server: Server) -> None:
    hook = server.bare / "hooks" / "pre-receive"
    assert os.access(hook, os.X_OK)
    assert "# hookman-server-shim v1" in hook.read_text()
    add_revision(server.dev, THIRD, FIRST)
    new = commit_all(server.dev, "main: third")
    done = push(server.dev, "origin", "main")
    assert done.returncode == 0, done.stderr
    assert f"remote: hookman: refs/heads/main {new[:10]}: ok — alembic: head {THIRD}" in \
        done.stderr
    assert server.tip() == new


def test_a_squash_that_forks_is_rejected_with_heads_and_fix(server: Server) -> None:
    git(server.dev, "merge", "-q", "--squash", "feature")
    forked = commit_all(server.dev, "squash feature")
    done = push(server.dev, "origin", "main")
    assert done.returncode != 0
    assert "[remote rejected] main -> main (pre-receive hook declined)" in done.stderr
    assert f"remote: hookman: refs/heads/main {forked[:10]}: rejected" in done.stderr
    assert f"remote:     {FIRST}  migrations/versions/{FIRST}_rev.py" in done.stderr
    assert f"remote:     {SECOND}  migrations/versions/{SECOND}_rev.py" in done.stderr
    assert "remote:   fix: hookman merge --commit" in done.stderr
    assert server.tip() == server.first
    # The pushed objects were only ever in the quarantine, which git dropped: the guard read
    # them from there.
    assert subprocess.run(["git", "cat-file", "-e", forked], cwd=server.bare,
                          check=False).returncode != 0


def test_a_merge_that_forks_is_rejected(server: Server) -> None:
    git(server.dev, "merge", "-q", "--no-edit", "feature")
    done = push(server.dev, "origin", "main")
    assert done.returncode != 0
    assert "error [multiple-heads]: 2 heads" in done.stderr
    assert server.tip() == server.first


def test_a_force_push_is_judged_by_its_new_tip(server: Server) -> None:
    git(server.dev, "reset", "-q", "--hard", server.base)
    add_revision(server.dev, SECOND, BASE)
    add_revision(server.dev, THIRD, BASE)
    commit_all(server.dev, "rewrite with two children of base")
    rejected = push(server.dev, "--force", "origin", "main")
    assert rejected.returncode != 0
    assert server.tip() == server.first
    (server.dev / "migrations" / "versions" / f"{THIRD}_rev.py").unlink()
    healthy = commit_all(server.dev, "one child only")
    accepted = push(server.dev, "--force", "origin", "main")
    assert accepted.returncode == 0, accepted.stderr
    assert server.tip() == healthy


def test_other_branches_tags_and_deletions_pass(server: Server) -> None:
    git(server.dev, "checkout", "-q", "-b", "forked-topic")
    git(server.dev, "merge", "-q", "--no-edit", "feature")
    forked = git(server.dev, "rev-parse", "HEAD")
    git(server.dev, "tag", "v-forked")
    done = push(server.dev, "origin", "forked-topic", "v-forked")
    assert done.returncode == 0, done.stderr
    assert server.tip("forked-topic") == forked
    assert server.tip("v-forked") == forked
    deleted = push(server.dev, "origin", "--delete", "forked-topic")
    assert deleted.returncode == 0, deleted.stderr
    assert server.tip("forked-topic") == ""


def test_protected_branches_setting_and_check_all(tmp_path: Path) -> None:
    server = Server(tmp_path, "protected_branches = ['main', 'release/*']\n")
    git(server.dev, "checkout", "-q", "-b", "release/1")
    git(server.dev, "merge", "-q", "--no-edit", "feature")
    assert push(server.dev, "origin", "release/1").returncode != 0
    git(server.dev, "checkout", "-q", "-b", "topic")
    assert push(server.dev, "origin", "topic").returncode == 0
    # A push cannot lift its own branch's protection: the settings before the push count too.
    (server.dev / "pyproject.toml").write_text("[tool.hookman]\nprotected_branches = []\n")
    git(server.dev, "checkout", "-q", "main")
    git(server.dev, "merge", "-q", "--no-edit", "feature")
    (server.dev / "pyproject.toml").write_text("[tool.hookman]\nprotected_branches = []\n")
    commit_all(server.dev, "unprotect main")
    assert push(server.dev, "origin", "main").returncode != 0
    assert server.tip() == server.first


def test_a_push_of_200_refs(tmp_path: Path) -> None:
    server = Server(tmp_path)
    git(server.dev, "checkout", "-q", "-b", "forky")
    git(server.dev, "merge", "-q", "--no-edit", "feature")
    forked = git(server.dev, "rev-parse", "HEAD")
    git(server.dev, "checkout", "-q", "main")
    for i in range(199):
        git(server.dev, "branch", f"topic/{i:03}", forked if i % 2 else "main")
    add_revision(server.dev, THIRD, FIRST)
    new_main = commit_all(server.dev, "main: third")
    started = time.monotonic()
    done = push(server.dev, "origin", "main", "refs/heads/topic/*:refs/heads/topic/*")
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    assert server.tip() == new_main
    assert server.tip("topic/198") == git(server.dev, "rev-parse", "topic/198")
    assert done.stderr.count("remote: hookman: refs/heads/") == 1  # only main was judged
    assert seconds < 30, seconds
    # With check_all_branches in the pushed commit, a forked topic is judged and rejected.
    git(server.dev, "checkout", "-q", "-b", "checked-topic", forked)
    (server.dev / "pyproject.toml").write_text("[tool.hookman]\ncheck_all_branches = true\n")
    commit_all(server.dev, "check every branch")
    rejected = push(server.dev, "origin", "checked-topic")
    assert rejected.returncode != 0
    assert "remote: hookman: refs/heads/checked-topic" in rejected.stderr
    assert server.tip("checked-topic") == ""


def test_an_existing_pre_receive_is_kept_and_runs_first(tmp_path: Path) -> None:
    bare = tmp_path / "s.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    old = bare / "hooks" / "pre-receive"
    old.write_text("#!/bin/sh\necho 'policy hook ran'\ncat > /dev/null\nexit 0\n")
    old.chmod(0o755)
    done = hookman(bare, "install", "--server")
    assert done.returncode == 0, done.stderr
    assert "kept the hook that was here as pre-receive.hookman-prev" in done.stdout
    assert (bare / "hooks" / "pre-receive.hookman-prev").read_text().startswith("#!/bin/sh")
    dev = make_project(init_repo(tmp_path / "dev"))
    add_revision(dev, BASE, None)
    commit_all(dev, "base")
    pushed = push(dev, str(bare), "main")
    assert pushed.returncode == 0, pushed.stderr
    assert "remote: policy hook ran" in pushed.stderr
    again = hookman(bare, "install", "--server")
    assert "up to date" in again.stdout
    removed = hookman(bare, "uninstall", "--server")
    assert removed.returncode == 0, removed.stderr
    assert "removed; the hook it replaced is back" in removed.stdout
    assert old.read_text() == "#!/bin/sh\necho 'policy hook ran'\ncat > /dev/null\nexit 0\n"
    assert os.access(old, os.X_OK)
    assert not (bare / "hooks" / "pre-receive.hookman-prev").exists()


def test_install_server_refuses_a_clone(project: Path) -> None:
    done = hookman(project, "install", "--server")
    assert done.returncode == 2
    assert "is a clone with a work tree, not a bare repository" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unborn_default_branch_judges_the_pushed_branch(tmp_path: Path) -> None:
    # `init.defaultBranch=master` on the server, `main` pushed: HEAD's master never exists,
    # so "protect the default branch" would protect nothing.
    bare = tmp_path / "s.git"
    git(tmp_path, "-c", "init.defaultBranch=master", "init", "-q", "--bare", str(bare))
    done = hookman(bare, "install", "--server")
    assert done.returncode == 0, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "protects master, the default branch" in said
    assert "warning: the default branch master does not exist yet" in said
    dev = make_project(init_repo(tmp_path / "dev"))
    add_revision(dev, BASE, None)
    commit_all(dev, "base")
    add_revision(dev, FIRST, BASE)
    add_revision(dev, SECOND, BASE)
    forked = commit_all(dev, "two heads")
    git(dev, "remote", "add", "origin", str(bare))
    done = push(dev, "origin", "HEAD:refs/heads/main")
    assert done.returncode != 0, done.stderr
    assert ("remote: hookman: refs/heads/main: judged as protected: the default branch master "
            "does not exist yet") in done.stderr
    assert f"remote: hookman: refs/heads/main {forked[:10]}: rejected" in done.stderr
    assert git(bare, "rev-parse", "--verify", "-q", "main", check=False) == ""
    git(dev, "reset", "-q", "--hard", "HEAD~1")
    add_revision(dev, FIRST, BASE)
    healthy = commit_all(dev, "one head")
    done = push(dev, "origin", "HEAD:refs/heads/main")
    assert done.returncode == 0, done.stderr
    assert f"remote: hookman: refs/heads/main {healthy[:10]}: ok" in done.stderr
    # Still unborn master: a later update of main is judged too, not waved through.
    add_revision(dev, SECOND, BASE)
    commit_all(dev, "fork again")
    done = push(dev, "origin", "HEAD:refs/heads/main")
    assert done.returncode != 0, done.stderr
    assert git(bare, "rev-parse", "main") == healthy
