"""hookman's benchmark: every figure is a ratio or a difference measured side by side in one run.

    .venv/bin/python scripts/bench.py            # 100, 1,000 and 10,000 revisions
    .venv/bin/python scripts/bench.py --quick    # fewer runs, for a smoke test

Each row alternates the commands being compared, run after run, and reports medians, so a
machine that slows down mid-run slows both sides. Whole-process wall time, the way a user runs
the commands (including interpreter start-up). hookman's own package is byte-compiled first,
as `pip install` does; the environment (e.g. PYTHONDONTWRITEBYTECODE) is left as it is.
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
from collections.abc import Callable
from pathlib import Path

BIN = Path(sysconfig.get_path("scripts"))
PY = sys.executable

INI = "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = sqlite:///%(here)s/app.db\n"


# --- a history generator of our own -------------------------------------------------------------


def revision_text(rev: str, down: str | tuple[str, ...] | None, n: int, annotated: bool) -> str:
    ann = ": Union[str, Sequence[str], None]" if annotated else ""
    return (
        f'"""add table {n}\n\nRevision ID: {rev}\nRevises: {down}\nCreate Date: 2026-01-01\n\n"""\n'
        + ("from typing import Sequence, Union\n\n" if annotated else "")
        + "from alembic import op\nimport sqlalchemy as sa\n\n\n"
        "# revision identifiers, used by Alembic.\n"
        f"revision{': str' if annotated else ''} = {rev!r}\n"
        f"down_revision{ann} = {down!r}\nbranch_labels{ann} = None\ndepends_on{ann} = None\n\n\n"
        "def upgrade() -> None:\n"
        f"    op.create_table('t{n}', sa.Column('id', sa.Integer(), primary_key=True),\n"
        f"                    sa.Column('name', sa.String(64), nullable=False))\n\n\n"
        f"def downgrade() -> None:\n    op.drop_table('t{n}')\n"
    )


def make_history(root: Path, count: int, seed: int = 1) -> list[str]:
    """``count`` revisions: a main line with a two-sided fork merged back every 10 revisions,
    half the files in the annotated style. Returns the ids in creation order."""
    rng = random.Random(seed)
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text(INI)
    ids: list[str] = []
    head: str | None = None
    n = 0
    while n < count:
        if n and n % 10 == 0 and count - n >= 3:
            sides = []
            for _ in range(2):
                sides.append(_write(versions, rng, head, n, ids))
                n += 1
            head = _write(versions, rng, tuple(sides), n, ids)
        else:
            head = _write(versions, rng, head, n, ids)
        n += 1
    return ids


def _write(
    versions: Path, rng: random.Random, down: str | tuple[str, ...] | None, n: int, ids: list[str]
) -> str:
    rev = f"{rng.getrandbits(48):012x}"
    (versions / f"{rev}_add_table_{n}.py").write_text(revision_text(rev, down, n, n % 2 == 1))
    ids.append(rev)
    return rev


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def make_repo(root: Path, count: int) -> list[str]:
    ids = make_history(root, count)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "bench")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "gc.auto", "0")  # no background gc racing the explicit one below
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{count} revisions")
    git(root, "gc", "-q")  # a packed repository, as after a clone
    return ids


# --- timing -------------------------------------------------------------------------------------


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: bytes = b"") -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, input=stdin, capture_output=True, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({done.returncode}):\n"
                         f"{done.stderr.decode(errors='replace')}")
    return elapsed


def side_by_side(runs: int, **probes: Callable[[], float]) -> dict[str, float]:
    """Median ms of each probe, alternating them run after run after one untimed warm-up."""
    times: dict[str, list[float]] = {name: [] for name in probes}
    for probe in probes.values():
        probe()
    for _ in range(runs):
        for name, probe in probes.items():
            times[name].append(probe())
    return {name: statistics.median(values) for name, values in times.items()}


def paired(runs: int, with_: Callable[[], float], without: Callable[[], float]) -> float:
    """Median of per-run differences (with - without), alternating the order each run."""
    with_()
    without()
    diffs = []
    for i in range(runs):
        if i % 2:
            a = with_()
            b = without()
        else:
            b = without()
            a = with_()
        diffs.append(a - b)
    return statistics.median(diffs)


# --- the rows -----------------------------------------------------------------------------------


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HOOKMAN", "SKIP")}
    env.update(extra)
    return env


def bench_check(repo: Path, runs: int, with_alembic: bool) -> dict[str, float]:
    cold = env_with(HOOKMAN_NO_CACHE="1")
    probes: dict[str, Callable[[], float]] = {
        "python -c pass": lambda: run([PY, "-c", "pass"], repo),
        "hookman check": lambda: run([str(BIN / "hookman"), "check"], repo),
        "hookman check (no cache)": lambda: run([str(BIN / "hookman"), "check"], repo, cold),
        "hookman check --rev HEAD": lambda: run([str(BIN / "hookman"), "check", "--rev", "HEAD"],
                                                repo),
        "hookman check --rev HEAD (no cache)": lambda: run(
            [str(BIN / "hookman"), "check", "--rev", "HEAD"], repo, cold),
    }
    if with_alembic:
        probes["alembic heads"] = lambda: run([str(BIN / "alembic"), "heads"], repo)
    return side_by_side(runs, **probes)


def bench_commit_hook(repo: Path, runs: int) -> float:
    subprocess.run([str(BIN / "hookman"), "install", "--yes"], cwd=repo, check=True,
                   capture_output=True, env=env_with(CI="1"))
    empty = tempfile.mkdtemp(prefix="hookman-nohooks-")

    def commit(*extra: str) -> Callable[[], float]:
        return lambda: run(["git", *extra, "commit", "-q", "--allow-empty", "-m", "x"], repo,
                           env_with())

    try:
        return paired(runs, commit(), commit("-c", f"core.hooksPath={empty}"))
    finally:
        shutil.rmtree(empty)


def bench_pre_push(repo: Path, runs: int, ids: list[str]) -> dict[str, float]:
    """One pushed ref (a branch adding one revision) plus the prediction against origin/main."""
    remote = repo.parent / f"{repo.name}-remote.git"
    git(repo.parent, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "fetch", "-q", "origin")
    git(repo, "remote", "set-head", "origin", "main")
    git(repo, "checkout", "-q", "-b", "feature")
    versions = repo / "migrations" / "versions"
    (versions / "feedfacecafe_feature.py").write_text(
        revision_text("feedfacecafe", ids[-1], len(ids), False))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "feature")
    sha = git(repo, "rev-parse", "HEAD")
    line = f"refs/heads/feature {sha} refs/heads/feature {'0' * 40}\n".encode()
    env = env_with(SKIP="tests", CI="1")
    hook = [PY, "-m", "hooks_manager", "hook", "pre-push", "origin", str(remote)]
    return side_by_side(runs,
                        **{"python -c pass": lambda: run([PY, "-c", "pass"], repo),
                           "pre-push check": lambda: run(hook, repo, env, line)})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    parser.add_argument("--sizes", default="100,1000,10000")
    args = parser.parse_args()
    runs = 5 if args.quick else 21
    import hooks_manager

    subprocess.run([PY, "-m", "compileall", "-q", str(Path(hooks_manager.__file__).parent)],
                   check=True, capture_output=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"hookman bench ({runs} runs per figure, medians; "
          f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r})\n")
    print("| revisions | python -c pass | hookman check | no cache | --rev HEAD | --rev, no cache "
          "| alembic heads | alembic / hookman |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="hookman-bench-") as scratch:
        for size in sizes:
            repo = Path(scratch) / f"h{size}"
            make_repo(repo, size)
            rows = bench_check(repo, max(5, runs // 3) if size >= 10000 else runs,
                               with_alembic=True)
            base = rows["python -c pass"]
            ratio = rows["alembic heads"] / rows["hookman check"]
            print(f"| {size:,} | {base:.1f} | {rows['hookman check']:.1f} | "
                  f"{rows['hookman check (no cache)']:.1f} | "
                  f"{rows['hookman check --rev HEAD']:.1f} | "
                  f"{rows['hookman check --rev HEAD (no cache)']:.1f} | "
                  f"{rows['alembic heads']:.1f} | {ratio:.1f}x |")
        if 1000 in sizes:
            repo = Path(scratch) / "h1000"
            print()
            if 10000 in sizes:
                print(f"- {linearity(Path(scratch), max(5, runs // 3))}")
            added = bench_commit_hook(repo, runs)
            print(f"- pre-commit hook, 1,000 revisions: `git commit --allow-empty` takes "
                  f"{added:+.1f} ms with hookman's hook than without hooks (paired, median)")
            push = bench_pre_push(repo, runs, make_history_ids(repo))
            print(f"- pre-push check (one new branch + prediction against origin/main, tests "
                  f"skipped), 1,000 revisions: {push['pre-push check']:.1f} ms "
                  f"({push['pre-push check'] - push['python -c pass']:+.1f} ms over "
                  "`python -c pass`)")
    return 0


def linearity(scratch: Path, runs: int) -> str:
    """10,000 vs 1,000 revisions, no cache (every file read and compiled), the two alternated
    run after run so a machine that slows down slows both."""
    cold = env_with(HOOKMAN_NO_CACHE="1")
    check = [str(BIN / "hookman"), "check", "-q"]
    rows = side_by_side(runs, **{
        "pass": lambda: run([PY, "-c", "pass"], scratch),
        "1000": lambda: run(check, scratch / "h1000", cold),
        "10000": lambda: run(check, scratch / "h10000", cold),
    })
    small, large = rows["1000"] - rows["pass"], rows["10000"] - rows["pass"]
    return (f"work beyond `python -c pass`, 10,000 vs 1,000 revisions (no cache, alternated): "
            f"{large:.1f} / {small:.1f} ms = {large / small:.1f}x for 10x the files")


def make_history_ids(repo: Path) -> list[str]:
    """The ids in the repo in creation order (the generator's file names carry the order)."""
    files = sorted((repo / "migrations" / "versions").glob("*_add_table_*.py"),
                   key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    return [p.name.split("_", 1)[0] for p in files]


if __name__ == "__main__":
    raise SystemExit(main())
