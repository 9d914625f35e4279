"""hookman's benchmark, in repositories like a user's, every comparison side by side in one run.

    .venv/bin/python scripts/bench.py                 # 100, 1,000 and 10,000 revisions
    .venv/bin/python scripts/bench.py --quick         # fewer runs, 1,000 revisions only
    .venv/bin/python scripts/bench.py --sizes 1000,10000

Every repository has what a real project has: a pyproject.toml whose [project] dependencies
name alembic and SQLAlchemy and whose [tool.hookman] sets a test command (so the hook must
parse TOML), an alembic.ini as `alembic init` writes it, env.py, and a packed git history.

Warm: the same repository again (hookman's cache filled, alembic's .pyc files written).
Cold: a fresh clone for every timed run, nothing cached: what CI sees on every run.

Each figure alternates the commands it compares, run after run, and reports medians, so a
machine that slows down mid-run slows both sides. Whole-process wall time, including
interpreter start-up. Commands run the way a user runs them: PYTHONDONTWRITEBYTECODE is
removed from their environment (alembic writes its .pyc files as it does for a developer), and
hookman's own package is byte-compiled first, as `pip install` does.
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
HOOKMAN = str(BIN / "hookman")
ALEMBIC = str(BIN / "alembic")

# The goals, each checked on the figures of this run.
GOAL_HOOK_MS = 30.0  # the installed pre-commit hook's added cost to `git commit`, 1,000 revisions
GOAL_WARM = 25.0  # warm `hookman check` vs `alembic heads`
GOAL_COLD_AGAINST = 10.0  # cold `hookman check --against BASE` vs cold `alembic heads`
GOAL_COLD = 5.0  # cold `hookman check` vs cold `alembic heads`
GOAL_LINEAR = 12.0  # cold cost at 10,000 revisions / at 1,000

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "shop"
version = "2.3.0"
description = "An online shop with its database migrations"
requires-python = ">=3.11"
dependencies = [
    "alembic>=1.13",
    "sqlalchemy>=2.0",
    "psycopg[binary]>=3.1",
    "fastapi>=0.110",
    "pydantic-settings>=2.2",
]

[project.optional-dependencies]
test = ["pytest>=8", "pytest-cov>=5", "httpx>=0.27"]

[tool.hookman]
test_command = "python -m pytest -q"

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-ra"

[tool.ruff]
line-length = 100
target-version = "py311"

[tool.ruff.lint]
select = ["E", "F", "I", "B", "UP"]

[tool.coverage.run]
branch = true
source = ["shop"]
"""

# The sections `alembic init` writes (generic template), comments trimmed.
ALEMBIC_INI = """\
# A generic, single database configuration.

[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
path_separator = os
sqlalchemy.url = postgresql+psycopg://shop:shop@localhost/shop

[post_write_hooks]

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %%(levelname)-5.5s [%%(name)s] %%(message)s
datefmt = %%H:%%M:%%S
"""

ENV_PY = """\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run_migrations_online() -> None:
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"""


# --- a repository of our own making --------------------------------------------------------------


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


def make_history(versions: Path, count: int, seed: int = 1) -> list[str]:
    """``count`` revisions: a main line with a two-sided fork merged back every 10 revisions,
    half the files in the annotated style. Returns the ids in creation order."""
    rng = random.Random(seed)
    versions.mkdir(parents=True)
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
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env=user_env())
    return done.stdout.strip()


def make_repo(root: Path, count: int) -> None:
    """A project with ``count`` revisions on main, and a branch `feature` adding one more (what
    a pull request checks against main). Packed, as after a clone."""
    ids = make_history(root / "migrations" / "versions", count)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "alembic.ini").write_text(ALEMBIC_INI)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    (root / ".gitignore").write_text("__pycache__/\n*.db\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "bench")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "gc.auto", "0")  # no background gc racing the explicit one below
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{count} revisions")
    git(root, "checkout", "-q", "-b", "feature")
    rev = "feedfacecafe"
    (root / "migrations" / "versions" / f"{rev}_feature.py").write_text(
        revision_text(rev, ids[-1], count, False))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "feature: one more revision")
    git(root, "checkout", "-q", "main")
    git(root, "gc", "-q")


def clone(origin: Path, dest: Path, branch: str = "feature") -> Path:
    """A fresh clone: an empty git folder (so no hookman cache) and no .pyc files."""
    git(origin.parent, "clone", "-q", "-b", branch, str(origin), str(dest))
    git(dest, "config", "user.name", "bench")
    git(dest, "config", "user.email", "bench@example.com")
    return dest


# --- timing --------------------------------------------------------------------------------------


def user_env(**extra: str) -> dict[str, str]:
    """The environment a developer's shell has: no CI flag, no hookman switch, .pyc written."""
    drop = ("CI", "HOOKMAN", "SKIP", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items()
           if k not in drop and not k.startswith(("HOOKMAN_", "COVERAGE_"))}
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: bytes = b"") -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env or user_env(), input=stdin,
                          capture_output=True, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:  # every history here is healthy: anything else is a broken bench
        raise SystemExit(f"bench: {' '.join(cmd)} failed in {cwd} ({done.returncode}):\n"
                         f"{done.stdout.decode(errors='replace')}"
                         f"{done.stderr.decode(errors='replace')}")
    return elapsed


Probe = Callable[[], float]


def side_by_side(runs: int, probes: dict[str, Probe], warm_up: bool = True) -> dict[str, float]:
    """Median ms of each probe, alternating them run after run (after one untimed warm-up)."""
    times: dict[str, list[float]] = {name: [] for name in probes}
    if warm_up:
        for probe in probes.values():
            probe()
    for _ in range(runs):
        for name, probe in probes.items():
            times[name].append(probe())
    return {name: statistics.median(values) for name, values in times.items()}


def paired(runs: int, with_: Probe, without: Probe) -> float:
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


class Scratch:
    """Fresh clones made (untimed) right before the timed command, deleted right after."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def cold(self, origin: Path, cmd: list[str]) -> Probe:
        def probe() -> float:
            self.count += 1
            where = clone(origin, self.folder / f"clone-{self.count}")
            try:
                return run(cmd, where)
            finally:
                shutil.rmtree(where)
        return probe


# --- the rows ------------------------------------------------------------------------------------


def floor() -> Probe:
    return lambda: run([PY, "-c", "pass"], Path.cwd())


def bench_size(repo: Path, scratch: Scratch, runs: int) -> dict[str, float]:
    warm = side_by_side(runs, {
        "pass": floor(),
        "check": lambda: run([HOOKMAN, "check"], repo),
        "alembic": lambda: run([ALEMBIC, "heads"], repo),
    })
    cold = side_by_side(runs, {
        "pass": floor(),
        "check": scratch.cold(repo, [HOOKMAN, "check"]),
        "against": scratch.cold(repo, [HOOKMAN, "check", "--against", "origin/main"]),
        "alembic": scratch.cold(repo, [ALEMBIC, "heads"]),
    }, warm_up=False)  # each cold run is a first run already
    return {**{f"warm {k}": v for k, v in warm.items()},
            **{f"cold {k}": v for k, v in cold.items()}}


def bench_commit_hook(repo: Path, runs: int) -> float:
    """`git commit` with hookman's installed hooks vs `git commit --no-verify`, paired."""
    run([HOOKMAN, "install", "--yes"], repo, user_env(CI="1"))

    def commit(*extra: str) -> Probe:
        return lambda: run(["git", "commit", "-q", "--allow-empty", *extra, "-m", "x"], repo)

    return paired(runs, commit(), commit("--no-verify"))


def bench_hook_settings(repo: Path, runs: int) -> dict[str, float]:
    """The pre-commit hook's process alone (as the shim starts it), with the parsed settings
    cached, and with them parsed every run (the settings cache emptied before each)."""
    hooks = git(repo, "rev-parse", "--path-format=absolute", "--git-path", "hooks")
    store = Path(git(repo, "rev-parse", "--path-format=absolute", "--git-dir")) / "hookman"
    cmd = [PY, "-P", "-c", "from hooks_manager.main import main; raise SystemExit(main())",
           "hook", "pre-commit"]
    env = user_env(HOOKMAN_HOOKS_DIR=hooks)

    def parsed() -> float:
        (store / "settings-cache").unlink(missing_ok=True)
        return run(cmd, repo, env)

    return side_by_side(runs, {"pass": floor(), "cached": lambda: run(cmd, repo, env),
                               "parsed": parsed})


def bench_pre_push(repo: Path, runs: int) -> dict[str, float]:
    """pre-push of the branch `feature` (one new revision), predicted against origin/main."""
    sha = git(repo, "rev-parse", "HEAD")
    line = f"refs/heads/feature {sha} refs/heads/feature {'0' * 40}\n".encode()
    url = git(repo, "remote", "get-url", "origin")
    hook = [PY, "-m", "hooks_manager", "hook", "pre-push", "origin", url]
    env = user_env(SKIP="tests", CI="1")
    return side_by_side(runs, {"pass": floor(),
                               "push": lambda: run(hook, repo, env, line)})


def linearity(origins: dict[int, Path], scratch: Scratch, runs: int) -> dict[str, float]:
    """Cold `hookman check` at 10,000 and 1,000 revisions, alternated."""
    return side_by_side(runs, {
        "pass": floor(),
        "1000": scratch.cold(origins[1000], [HOOKMAN, "check"]),
        "10000": scratch.cold(origins[10000], [HOOKMAN, "check"]),
    }, warm_up=False)


# --- the report ----------------------------------------------------------------------------------


class Goals:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def at_most(self, what: str, value: float | None, goal: float, unit: str) -> None:
        self._add(what, value, goal, unit, value is not None and value <= goal, "≤")

    def at_least(self, what: str, value: float | None, goal: float, unit: str) -> None:
        self._add(what, value, goal, unit, value is not None and value >= goal, "≥")

    def _add(self, what: str, value: float | None, goal: float, unit: str, met: bool,
             sign: str) -> None:
        if value is None:
            self.lines.append(f"| {what} | {sign} {goal:g}{unit} | not measured (needs the "
                              "sizes it names in --sizes) | not checked |")
            return
        self.lines.append(f"| {what} | {sign} {goal:g}{unit} | {value:.1f}{unit} | "
                          f"{'met' if met else 'NOT MET'} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="5 runs per figure, and 1,000 revisions unless --sizes says")
    parser.add_argument("--sizes", help="comma-separated revision counts "
                        "(default 100,1000,10000; the goals need 1000, the ratio 10000 too)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 21, --quick 5)")
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 21)
    sizes = [int(s) for s in (args.sizes or ("1000" if args.quick else "100,1000,10000"))
             .split(",")]
    import hooks_manager

    subprocess.run([PY, "-m", "compileall", "-q", str(Path(hooks_manager.__file__).parent)],
                   check=True, capture_output=True)
    print(f"hookman bench: {runs} runs per figure ({max(3, runs // 3)} at 10,000 revisions), "
          "medians, commands alternated; whole-process wall ms\n")
    with tempfile.TemporaryDirectory(prefix="hookman-bench-") as tmp:
        return report(Path(tmp), sizes, runs)


def report(tmp: Path, sizes: list[int], runs: int) -> int:
    scratch = Scratch(tmp)
    origins: dict[int, Path] = {}
    rows: dict[int, dict[str, float]] = {}
    print("| revisions | python -c pass | warm: hookman check | alembic heads | alembic / "
          "hookman | cold: hookman check | check --against | alembic heads | alembic / check "
          "| alembic / --against |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        origins[size] = tmp / f"h{size}"
        make_repo(origins[size], size)
        r = rows[size] = bench_size(origins[size], scratch, runs_for(size, runs))
        print(f"| {size:,} | {r['warm pass']:.1f} | {r['warm check']:.1f} | "
              f"{r['warm alembic']:.1f} | {r['warm alembic'] / r['warm check']:.1f}x | "
              f"{r['cold check']:.1f} | {r['cold against']:.1f} | {r['cold alembic']:.1f} | "
              f"{r['cold alembic'] / r['cold check']:.1f}x | "
              f"{r['cold alembic'] / r['cold against']:.1f}x |", flush=True)
    print()
    added = ratio = None
    if 1000 in sizes:
        work = clone(origins[1000], tmp / "h1000-work", branch="main")
        added = bench_commit_hook(work, runs)
        print(f"- pre-commit, 1,000 revisions: `git commit` with hookman's hook installed takes "
              f"{added:+.1f} ms over `git commit --no-verify` (paired, median of differences)")
        hook = bench_hook_settings(work, runs)
        print(f"- the pre-commit hook's process alone: {hook['cached']:.1f} ms with the parsed "
              f"settings cached, {hook['parsed']:.1f} ms parsing pyproject.toml every run "
              f"(`python -c pass`: {hook['pass']:.1f} ms)")
        git(work, "checkout", "-q", "feature")
        push = bench_pre_push(work, runs)
        print(f"- pre-push of a branch adding one revision, predicted against origin/main "
              f"(tests skipped): {push['push']:.1f} ms ({push['push'] - push['pass']:+.1f} ms "
              "over `python -c pass`)", flush=True)
    if 1000 in sizes and 10000 in sizes:
        lin = linearity(origins, scratch, runs_for(10000, runs))
        small, large = lin["1000"] - lin["pass"], lin["10000"] - lin["pass"]
        ratio = large / small
        print(f"- cold `hookman check` beyond `python -c pass`, 10,000 vs 1,000 revisions "
              f"(fresh clones, alternated): {large:.1f} / {small:.1f} ms = {ratio:.1f}x")
    at = rows.get(1000)
    goals = Goals()
    goals.at_most("pre-commit hook's added cost to `git commit`, 1,000 revisions", added,
                  GOAL_HOOK_MS, " ms")
    goals.at_least("warm: `alembic heads` / `hookman check`, 1,000",
                   quotient(at, "warm alembic", "warm check"), GOAL_WARM, "x")
    goals.at_least("cold: `alembic heads` / `hookman check --against origin/main`, 1,000",
                   quotient(at, "cold alembic", "cold against"), GOAL_COLD_AGAINST, "x")
    goals.at_least("cold: `alembic heads` / `hookman check`, 1,000",
                   quotient(at, "cold alembic", "cold check"), GOAL_COLD, "x")
    goals.at_most("cold cost 10,000 / 1,000 revisions", ratio, GOAL_LINEAR, "x")
    print("\n| goal | target | this run | |\n|---|---|---:|---|")
    print("\n".join(goals.lines))
    return 0


def quotient(row: dict[str, float] | None, top: str, bottom: str) -> float | None:
    return None if row is None else row[top] / row[bottom]


def runs_for(size: int, runs: int) -> int:
    return max(3, runs // 3) if size >= 10000 else runs


if __name__ == "__main__":
    raise SystemExit(main())
