"""Benchmarks of the off-machine guards, side by side in one run (a function the main bench can
fold in: ``bench_offsite(runs)`` returns the medians in ms).

    .venv/bin/python scripts/bench_offsite.py [--runs N]

Rows: `hookman ci` on a fresh depth-1 clone at 1,000 revisions (cold: no cache, the base
fetched and the clone deepened by hookman itself) vs `alembic heads` on the same tree; a
1,000-revision push received with the pre-receive guard vs without it; `hookman siblings`
over 500 remote-tracking branches, cold and warm.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

BIN = Path(sysconfig.get_path("scripts"))
INI = "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = sqlite:///app.db\n"


def _text(rev: str, down: str | None, n: int) -> str:
    return (f'"""table {n}\n\nRevision ID: {rev}\nRevises: {down}\n"""\n'
            "from alembic import op\nimport sqlalchemy as sa\n\n"
            f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\n"
            "depends_on = None\n\n\ndef upgrade() -> None:\n"
            f"    op.create_table('t{n}', sa.Column('id', sa.Integer()))\n\n\n"
            f"def downgrade() -> None:\n    op.drop_table('t{n}')\n")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "HOOKMAN", "SKIP") and not k.startswith(("GITHUB_", "GITLAB_"))}
    env.update({"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.com",
                "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.com"})
    env.update(extra)
    return env


def _timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env or _env(), capture_output=True, check=False,
                          stdin=subprocess.DEVNULL)
    ms = (time.perf_counter() - start) * 1000
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({done.returncode}):\n"
                         f"{done.stderr.decode(errors='replace')}")
    return ms


def make_source(root: Path, count: int) -> tuple[Path, str]:
    """A repository with ``count`` linear revisions on main, a bare origin of it, and a
    feature branch (pushed) adding one revision on the tip. Returns (origin, last id)."""
    rng = random.Random(7)
    src = root / "src"
    versions = src / "migrations" / "versions"
    versions.mkdir(parents=True)
    (src / "alembic.ini").write_text(INI)
    down: str | None = None
    for n in range(count):
        rev = f"{rng.getrandbits(48):012x}"
        (versions / f"{rev}_t{n}.py").write_text(_text(rev, down, n))
        down = rev
    git(root, "init", "-q", "-b", "main", str(src))
    git(src, "add", "-A")
    subprocess.run(["git", "commit", "-q", "-m", f"{count} revisions"], cwd=src, env=_env(),
                   check=True)
    origin = root / "origin.git"
    git(root, "clone", "-q", "--bare", str(src), str(origin))
    git(src, "remote", "add", "origin", str(origin))
    git(src, "checkout", "-q", "-b", "feature")
    assert down is not None
    (versions / "feedfeed0001_feature.py").write_text(_text("feedfeed0001", down, count))
    git(src, "add", "-A")
    subprocess.run(["git", "commit", "-q", "-m", "feature"], cwd=src, env=_env(), check=True)
    git(src, "push", "-q", "origin", "feature")
    return origin, down


def bench_ci(root: Path, origin: Path, runs: int) -> dict[str, float]:
    ci: list[float] = []
    heads: list[float] = []
    for i in range(runs):
        clone = root / f"ci{i}"
        git(root, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{origin}",
            str(clone))
        ci.append(_timed([str(BIN / "hookman"), "ci", "--against", "origin/main"], clone,
                         _env(HOOKMAN_NO_CACHE="1")))
        heads.append(_timed([str(BIN / "alembic"), "heads"], clone))
        shutil.rmtree(clone)
    return {"hookman ci, fresh depth-1 clone (fetch + deepen + check)": statistics.median(ci),
            "alembic heads, same tree": statistics.median(heads)}


def bench_pre_receive(root: Path, runs: int) -> dict[str, float]:
    src = root / "src"
    guarded: list[float] = []
    plain: list[float] = []
    for i in range(runs):
        for kind, out in (("guarded", guarded), ("plain", plain)):
            bare = root / f"{kind}{i}.git"
            git(root, "init", "-q", "--bare", "-b", "main", str(bare))
            if kind == "guarded":
                subprocess.run([str(BIN / "hookman"), "install", "--server"], cwd=bare,
                               check=True, capture_output=True)
            out.append(_timed(["git", "push", "-q", "--no-verify", str(bare), "main"], src))
            shutil.rmtree(bare)
    return {"push of 1,000 revisions, pre-receive guard": statistics.median(guarded),
            "push of 1,000 revisions, no hook": statistics.median(plain)}


def bench_siblings(root: Path, origin: Path, runs: int) -> dict[str, float]:
    clone = root / "sib"
    git(root, "clone", "-q", "--branch", "feature", f"file://{origin}", str(clone))
    tip = git(clone, "rev-parse", "origin/main")
    shas = []
    for k in range(10):  # ten teammates' branches, each adding a revision on main's tip
        git(clone, "checkout", "-q", "-B", f"mate{k}", tip)
        rev = f"abcabc{k:06d}"
        last = git(clone, "show", "feature:migrations/versions/feedfeed0001_feature.py")
        down_id = last.split("down_revision = '")[1].split("'")[0]
        (clone / "migrations" / "versions" / f"{rev}_mate.py").write_text(
            _text(rev, down_id, 5000 + k))
        git(clone, "add", "-A")
        subprocess.run(["git", "commit", "-q", "-m", f"mate {k}"], cwd=clone, env=_env(),
                       check=True)
        shas.append(git(clone, "rev-parse", "HEAD"))
    git(clone, "checkout", "-q", "feature")
    # Every fifth branch carries a teammate's revision; the rest sit at main's tip.
    refs = "".join(f"create refs/remotes/origin/team/b{i:03} "
                   f"{shas[i % 10] if i % 5 == 0 else tip}\n" for i in range(500))
    subprocess.run(["git", "update-ref", "--stdin"], cwd=clone, input=refs.encode(), check=True)
    cold = [_timed([str(BIN / "hookman"), "siblings"], clone, _env(HOOKMAN_NO_CACHE="1"))
            for _ in range(runs)]
    _timed([str(BIN / "hookman"), "siblings"], clone)
    warm = [_timed([str(BIN / "hookman"), "siblings"], clone) for _ in range(runs)]
    return {"hookman siblings, 500 remote branches, cold": statistics.median(cold),
            "hookman siblings, 500 remote branches, warm": statistics.median(warm)}


def bench_offsite(runs: int = 5) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="hookman-bench-offsite-"))
    try:
        origin, _ = make_source(root, 1000)
        rows: dict[str, float] = {}
        rows.update(bench_ci(root, origin, runs))
        rows.update(bench_pre_receive(root, runs))
        rows.update(bench_siblings(root, origin, runs))
        return rows
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for name, ms in bench_offsite(args.runs).items():
        print(f"{name:<62} {ms:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
