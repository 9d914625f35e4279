"""The scan cache only ever saves work: it never changes a verdict."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

from hooks_manager.cache import Key, ScanCache
from hooks_manager.graph import Record, Verdict
from tests.helpers import add_revision, commit_all, git, hookman

CACHE = Path(".git") / "hookman" / "scan-cache-worktree"  # work-tree checks
BLOBS = Path(".git") / "hookman" / "scan-cache-blobs"  # --staged, --rev, --against
VERDICTS = Path(".git") / "hookman" / "scan-cache-worktree.verdicts"  # healthy verdicts


def test_cache_is_written_and_an_edit_is_seen(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    path = add_revision(project, "bbbb0002", "aaaa0001")
    assert hookman(project, "check").returncode == 0
    assert (project / CACHE).exists()
    # Same size, new content: ctime/mtime change, so the file is read again.
    path.write_text(path.read_text().replace("'aaaa0001'", "'zzzz0001'"))
    done = hookman(project, "check")
    assert done.returncode == 1
    assert "missing-parent" in done.stdout


def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    add_revision(project, "bbbb0002", "aaaa0001")
    commit_all(project, "two")
    (project / BLOBS).parent.mkdir(parents=True, exist_ok=True)
    (project / BLOBS).write_bytes(b"\x00garbage")
    assert hookman(project, "check", "--rev", "HEAD").returncode == 0
    assert marshal.loads((project / BLOBS).read_bytes())[1]  # rebuilt
    # A cache from another format (or version) holding a lie is not believed.
    oid = git(project, "rev-parse", "HEAD:migrations/versions/bbbb0002_rev.py")
    lie = {oid: ("bbbb0002", ("nope",), (), (), 1)}
    (project / BLOBS).write_bytes(marshal.dumps(((1, "0.0.0"), lie, {})))
    done = hookman(project, "check", "--rev", "HEAD")
    assert done.returncode == 0, done.stdout
    assert "head bbbb0002" in done.stdout


def test_a_problem_is_never_cached(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    (project / "migrations" / "versions" / "bad_rev.py").write_text("revision = (\n")
    for _ in range(2):
        done = hookman(project, "check")
        assert done.returncode == 1
        assert "[unparseable-file]" in done.stdout


def test_a_remembered_verdict_never_outlives_its_inputs(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    add_revision(project, "bbbb0002", "aaaa0001")
    assert hookman(project, "check").returncode == 0
    assert hookman(project, "check").returncode == 0  # from the remembered verdict
    assert marshal.loads((project / VERDICTS).read_bytes())[1]  # it was remembered
    add_revision(project, "cccc0003", "aaaa0001")  # a new file: a fork
    assert hookman(project, "check").returncode == 1
    (project / "pyproject.toml").write_text('[tool.hookman]\nallowed_heads = ["cccc0003"]\n')
    assert hookman(project, "check").returncode == 0
    assert hookman(project, "check").returncode == 0  # remembered, with that policy
    (project / "pyproject.toml").write_text("[tool.hookman]\n")
    done = hookman(project, "check")  # the same files, another policy: judged again
    assert done.returncode == 1
    assert "multiple-heads" in done.stdout


def test_hookman_cache_dir_holds_the_cache_and_serves_a_fresh_clone(
    project: Path, tmp_path: Path
) -> None:
    """CI keeps $HOOKMAN_CACHE_DIR between runs, while each run starts from a fresh clone."""
    add_revision(project, "aaaa0001", None)
    add_revision(project, "bbbb0002", "aaaa0001")
    commit_all(project, "two")
    shared = tmp_path / "ci-cache"
    env = {"HOOKMAN_CACHE_DIR": str(shared)}
    assert hookman(project, "check", "--rev", "HEAD", env=env).returncode == 0
    assert (shared / "scan-cache-blobs").is_file()
    assert not (project / BLOBS).exists()  # not in the git folder as well
    # A fresh clone (an empty git folder) reads what the first run wrote: a record planted
    # under a blob id both clones share is the one the clone's check reports.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(project), str(clone))
    oid = git(clone, "rev-parse", "HEAD:migrations/versions/bbbb0002_rev.py")
    saved = marshal.loads((shared / "scan-cache-blobs").read_bytes())
    key = (oid, "bbbb0002_rev.py")  # a blob's record is keyed by its bytes and its file name
    assert key in saved[1]
    planted = ("bbbb0002", ("aaaa0001",), (), ("planted_label",), saved[1][key][4])
    (shared / "scan-cache-blobs").write_bytes(
        marshal.dumps((saved[0], {**saved[1], key: planted}, saved[2])))
    # ...and no remembered verdict, which would stand without reading a record.
    (shared / "scan-cache-blobs.verdicts").unlink()
    done = hookman(clone, "check", "--rev", "HEAD", "--json", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "planted_label" in done.stdout
    assert not (clone / BLOBS).exists()


def test_an_empty_hookman_cache_dir_means_the_git_folder(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    assert hookman(project, "check", env={"HOOKMAN_CACHE_DIR": ""}).returncode == 0
    assert (project / CACHE).is_file()


def test_hookman_cache_dir_may_start_with_a_tilde(project: Path) -> None:
    add_revision(project, "aaaa0001", None)
    assert hookman(project, "check", env={"HOOKMAN_CACHE_DIR": "~/.cache/hookman"}
                   ).returncode == 0
    assert (Path(os.environ["HOME"]) / ".cache" / "hookman" / "scan-cache-worktree").is_file()


def test_records_behind_a_recalled_verdict_survive_a_prune(tmp_path: Path) -> None:
    # A big project recalled (no record asked for) beside a small one that wrote a record:
    # the prune that drops dead records must keep the big project's, or its next change
    # would parse every file again.
    path = str(tmp_path / "scan-cache-worktree")
    big: list[tuple[str, Key]] = [(f"v/{n:04}_r.py", (f"v/{n:04}_r.py", 10, n, n))
                                  for n in range(1200)]
    first = ScanCache(path)
    for n, (shown, key) in enumerate(big):
        first.put(key, Record(f"{n:012x}", (f"{n - 1:012x}",) if n else (), path=shown))
    verdict = Verdict(1200)
    first.remember("big", b"fingerprint", verdict)
    first.save()
    warm = ScanCache(path)
    assert warm.recall("big", b"fingerprint", big) is not None
    small = Record("5f2c9e0b7d41", (), path="other/v/5f2c9e0b7d41_r.py")
    warm.put(("other/v/5f2c9e0b7d41_r.py", 10, 1, 1), small)
    warm.save()
    later = ScanCache(path)
    assert all(later.get(key, shown) is not None for shown, key in big)
    # Records nothing used or recalled are still forgotten once they outnumber the live ones.
    stale = ScanCache(path)
    stale.put(("other/v/5f2c9e0b7d41_r.py", 10, 1, 1), small)
    stale.save()
    assert ScanCache(path).get(big[0][1], big[0][0]) is None
