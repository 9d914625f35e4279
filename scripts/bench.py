"""hookman's benchmark, in repositories like a user's, every comparison side by side in one run.

    python3 -m venv --upgrade-deps ../bench-venv      # a current pip, as pipx and uv have
    ../bench-venv/bin/pip install .                   # not editable: installed as a user's is
    ../bench-venv/bin/python scripts/bench.py         # every section; 100, 1,000, 10,000 revisions
    ../bench-venv/bin/python scripts/bench.py --quick # fewer runs, 1,000 revisions only
    ../bench-venv/bin/python scripts/bench.py --sizes 1000,10000
    ../bench-venv/bin/python scripts/bench.py --only commit,explain

Sections (each prints one Markdown table: what, hookman, comparison, ratio, goal, met):
  check     warm and cold `hookman check` vs `alembic heads` at each size; 10,000 vs 1,000
  commit    the pre-commit hook's added cost to `git commit`, head_file = true and off; the
            hook's process alone; pre-push of a branch
  explain   a blocked commit (heads, the picture of the fork, the overlap read) vs a healthy one
  ci        `hookman ci` on a fresh depth-1 clone vs `alembic heads` on the same tree
  server    a 1,000-revision push received with the pre-receive guard vs with no hook
  siblings  `hookman siblings` over 500 remote branches, cold vs warm
Every section but check works at 1,000 revisions, whatever --sizes says.

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
GOAL_HOOK_MS = 30.0  # the pre-commit hook's added cost to `git commit`, 1,000 revisions,
#                     head_file off and on
GOAL_WARM = 25.0  # warm `hookman check` vs `alembic heads`
GOAL_COLD_AGAINST = 10.0  # cold `hookman check --against BASE` vs cold `alembic heads`
GOAL_COLD = 5.0  # cold `hookman check` vs cold `alembic heads`
GOAL_LINEAR = 12.0  # cold cost at 10,000 revisions / at 1,000
GOAL_EXPLAIN = 3.0  # a blocked commit's hook (with the picture and overlaps) / a healthy one's

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


def revision_text(rev: str, down: str | tuple[str, ...] | None, n: int, annotated: bool,
                  upgrade: str | None = None) -> str:
    """A revision file as `alembic revision` writes it; ``upgrade`` replaces the body of
    upgrade() (the default creates table ``t<n>``)."""
    ann = ": Union[str, Sequence[str], None]" if annotated else ""
    body = upgrade or (f"    op.create_table('t{n}', sa.Column('id', sa.Integer(), "
                       "primary_key=True),\n"
                       "                    sa.Column('name', sa.String(64), nullable=False))")
    return (
        f'"""add table {n}\n\nRevision ID: {rev}\nRevises: {down}\nCreate Date: 2026-01-01\n\n"""\n'
        + ("from typing import Sequence, Union\n\n" if annotated else "")
        + "from alembic import op\nimport sqlalchemy as sa\n\n\n"
        "# revision identifiers, used by Alembic.\n"
        f"revision{': str' if annotated else ''} = {rev!r}\n"
        f"down_revision{ann} = {down!r}\nbranch_labels{ann} = None\ndepends_on{ann} = None\n\n\n"
        f"def upgrade() -> None:\n{body}\n\n\n"
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


def make_repo(root: Path, count: int) -> str:
    """A project with ``count`` revisions on main, and a branch `feature` adding one more (what
    a pull request checks against main). Packed, as after a clone. Returns main's head."""
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
    return ids[-1]


def clone(origin: Path, dest: Path, branch: str = "feature", depth: int = 0) -> Path:
    """A fresh clone: an empty git folder (so no hookman cache) and no .pyc files. With
    ``depth``, a shallow clone over file:// (git ignores --depth for a plain local path)."""
    where = [f"--depth={depth}", origin.as_uri()] if depth else [str(origin)]
    git(origin.parent, "clone", "-q", "-b", branch, *where, str(dest))
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


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: bytes = b"",
        expect: int = 0) -> float:
    """Wall ms of one command, which must exit ``expect`` (0 unless a run is meant to block)."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env or user_env(), input=stdin,
                          capture_output=True, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != expect:  # a command that does not do what it is timed for is a bug
        raise SystemExit(f"bench: {' '.join(cmd)} failed in {cwd} ({done.returncode}):\n"
                         f"{done.stdout.decode(errors='replace')}"
                         f"{done.stderr.decode(errors='replace')}")
    return elapsed


Probe = Callable[[], float]


def alternate(runs: int, probes: dict[str, Probe], warm_up: bool = True) -> dict[str, list[float]]:
    """Every probe once per run, in reversed order every other run (so none always runs right
    after the same neighbour), after one untimed warm-up of each. The ms of each, run by run."""
    times: dict[str, list[float]] = {name: [] for name in probes}
    if warm_up:
        for probe in probes.values():
            probe()
    order = list(probes.items())
    for i in range(runs):
        for name, probe in order if i % 2 == 0 else order[::-1]:
            times[name].append(probe())
    return times


def side_by_side(runs: int, probes: dict[str, Probe], warm_up: bool = True) -> dict[str, float]:
    """Median ms of each probe, alternated run after run."""
    times = alternate(runs, probes, warm_up)
    return {name: statistics.median(values) for name, values in times.items()}


def added(times: dict[str, list[float]], with_: str, without: str) -> float:
    """Median of the per-run differences: what ``with_`` adds over ``without`` run by run, which
    a slow patch of the machine shifts on both sides alike."""
    return statistics.median(a - b for a, b in zip(times[with_], times[without], strict=True))


class Scratch:
    """Fresh clones made (untimed) right before the timed command, deleted right after."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def cold(self, origin: Path, cmd: list[str], depth: int = 0,
             env: dict[str, str] | None = None) -> Probe:
        def probe() -> float:
            where = clone(origin, self.place("clone"), depth=depth)
            try:
                return run(cmd, where, env)
            finally:
                shutil.rmtree(where)
        return probe

    def place(self, kind: str) -> Path:
        self.count += 1
        return self.folder / f"{kind}-{self.count}"


# --- the report ----------------------------------------------------------------------------------


class Table:
    """One section's Markdown table; every row names what it compares, and its goal if any."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[str] = []
        self.missed = 0

    def row(self, what: str, hookman: str, comparison: str = "—", ratio: str = "—",
            goal: str = "—", met: bool | str | None = None) -> None:
        """``met``: the goal's verdict, None where there is no goal, or words saying why it
        could not be checked."""
        verdict = ("no goal" if met is None else met if isinstance(met, str)
                   else "met" if met else "NOT MET")
        self.missed += met is False
        self.rows.append(f"| {what} | {hookman} | {comparison} | {ratio} | {goal} | {verdict} |")

    def print(self) -> None:
        print(f"\n### {self.title}\n\n| what | hookman | comparison | ratio | goal | |\n"
              "|---|---:|---:|---:|---|---|")
        print("\n".join(self.rows), flush=True)


def ms(value: float) -> str:
    return f"{value:,.1f} ms"


def at_least(table: Table, what: str, hookman: str, comparison: str, value: float,
             goal: float | None) -> None:
    """A speed-up row: ``value`` = comparison / hookman, which the goal wants at least."""
    table.row(what, hookman, comparison, f"{value:.1f}x", "—" if goal is None else f"≥ {goal:g}x",
              None if goal is None else value >= goal)


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Probe:
    return lambda: run(cmd, cwd, env)


# What pip < 25.2's console-script wrapper runs before the entry point (distlib 0.3.x).
OLD_WRAPPER = "import re, sys; sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])"


def floor() -> Probe:
    return timed([PY, "-c", "pass"], Path.cwd())


def launcher_note() -> str:
    """What starts the installed `hookman` before hookman's own code runs. pip before 25.2
    (distlib before 0.4.0) writes a console-script wrapper that imports `re` and compiles a
    pattern with it (~7 ms on this kind of machine, every command); pip 25.2 and later, pipx
    (which keeps its shared pip current) and uv (which writes its own wrapper) do not. The
    figures are what users have only with a current installer."""
    try:
        with open(HOOKMAN, encoding="utf-8", errors="replace") as handle:
            head = handle.read(2000)
    except OSError as exc:
        raise SystemExit(f"bench: cannot read {HOOKMAN} ({exc.strerror}): install hookman into "
                         "this virtualenv first (pip install .)") from exc
    if "\nimport re\n" in head:
        return ("WARNING: the installed `hookman` was written by pip < 25.2, whose wrapper "
                "imports `re` before hookman starts; users of pipx, uv or a current pip do not "
                "pay that. Make the venv with `python -m venv --upgrade-deps` and reinstall.")
    return "the installed `hookman` launcher has no `import re` line"


class Bench:
    """The repositories the sections share, made once and only when a section needs them."""

    def __init__(self, tmp: Path, runs: int) -> None:
        self.tmp = tmp
        self.runs = runs
        self.scratch = Scratch(tmp)
        self.origins: dict[int, Path] = {}
        self.heads: dict[int, str] = {}

    def origin(self, size: int) -> Path:
        if size not in self.origins:
            self.origins[size] = self.tmp / f"h{size}"
            self.heads[size] = make_repo(self.origins[size], size)
        return self.origins[size]

    def work(self, name: str, branch: str = "main") -> Path:
        """A clone of the 1,000-revision project to commit in, hooks installed."""
        where = clone(self.origin(1000), self.tmp / name, branch=branch)
        run([HOOKMAN, "install", "--yes"], where, user_env(CI="1"))
        return where


# --- check: warm and cold, at each size -----------------------------------------------------------


def section_check(bench: Bench, sizes: list[int]) -> Table:
    table = Table("check: `hookman check` vs `alembic heads` (warm: same clone again; cold: a "
                  "fresh clone every run)")
    goal = {1000: (GOAL_WARM, GOAL_COLD, GOAL_COLD_AGAINST)}
    for size in sizes:
        repo = bench.origin(size)
        runs = runs_for(size, bench.runs)
        # The old wrapper's own lines, measured once (at the first size): not hookman's cost.
        old_wrapper = {"re": timed([PY, "-c", OLD_WRAPPER], repo)} if size == sizes[0] else {}
        warm = side_by_side(runs, {
            "pass": floor(),
            **old_wrapper,
            "check": timed([HOOKMAN, "check"], repo),
            "alembic": timed([ALEMBIC, "heads"], repo),
        })
        cold = side_by_side(runs, {
            "pass": floor(),
            "check": bench.scratch.cold(repo, [HOOKMAN, "check"]),
            "against": bench.scratch.cold(repo, [HOOKMAN, "check", "--against", "origin/main"]),
            "alembic": bench.scratch.cold(repo, [ALEMBIC, "heads"]),
        }, warm_up=False)  # each cold run is a first run already
        # The goals are set at 1,000 revisions; other sizes show how the figures move.
        g_warm, g_cold, g_against = goal.get(size, (None, None, None))
        n = f"{size:,} revisions"
        table.row(f"`python -c pass` (the floor), {n}", ms(warm["pass"]))
        if "re" in warm:  # what an old pip's wrapper would add to every figure below
            table.row("what pip < 25.2's console-script wrapper adds to every `hookman` "
                      "command (its `import re` and `re.sub`, vs the floor)",
                      ms(warm["re"] - warm["pass"]))
        at_least(table, f"warm `hookman check` vs `alembic heads`, {n}", ms(warm["check"]),
                 ms(warm["alembic"]), warm["alembic"] / warm["check"], g_warm)
        at_least(table, f"cold `hookman check` vs `alembic heads`, {n}", ms(cold["check"]),
                 ms(cold["alembic"]), cold["alembic"] / cold["check"], g_cold)
        at_least(table, f"cold `hookman check --against origin/main` vs `alembic heads`, {n}",
                 ms(cold["against"]), ms(cold["alembic"]), cold["alembic"] / cold["against"],
                 g_against)
        print(f"  check: {n} done", file=sys.stderr, flush=True)
    if 1000 in sizes and 10000 in sizes:
        lin = side_by_side(runs_for(10000, bench.runs), {
            "pass": floor(),
            "1000": bench.scratch.cold(bench.origin(1000), [HOOKMAN, "check"]),
            "10000": bench.scratch.cold(bench.origin(10000), [HOOKMAN, "check"]),
        }, warm_up=False)
        small, large = lin["1000"] - lin["pass"], lin["10000"] - lin["pass"]
        table.row("cold `hookman check` beyond `python -c pass`: 10,000 vs 1,000 revisions",
                  ms(large), ms(small), f"{large / small:.1f}x", f"≤ {GOAL_LINEAR:g}x",
                  large / small <= GOAL_LINEAR)
    else:
        table.row("cold `hookman check`: 10,000 vs 1,000 revisions", "not measured",
                  goal=f"≤ {GOAL_LINEAR:g}x", met="not checked (--sizes lacks 1000 or 10000)")
    return table


# --- commit: the hooks a developer meets ----------------------------------------------------------


# The pre-commit hook's process as the installed shim starts it.
PRE_COMMIT = [PY, "-P", "-c", "from hooks_manager.main import main; raise SystemExit(main())",
              "hook", "pre-commit"]


def hook_env(repo: Path, **extra: str) -> dict[str, str]:
    """What the shim hands its process: the hooks folder (for a chained previous hook)."""
    hooks = git(repo, "rev-parse", "--path-format=absolute", "--git-path", "hooks")
    return user_env(HOOKMAN_HOOKS_DIR=hooks, **extra)


def enable_head_file(repo: Path) -> None:
    """head_file = true, the head file written by hookman itself, committed: a clone of a
    project that has turned the head file on."""
    text = (repo / "pyproject.toml").read_text()
    (repo / "pyproject.toml").write_text(
        text.replace("[tool.hookman]\n", "[tool.hookman]\nhead_file = true\n", 1))
    run([HOOKMAN, "heads", "--write"], repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "turn the head file on")


def section_commit(bench: Bench) -> Table:
    table = Table("commit: the hooks at 1,000 revisions (installed by `hookman install`)")
    off = bench.work("commit-off")
    on = bench.work("commit-on")
    enable_head_file(on)

    def commit(repo: Path, *extra: str) -> Probe:
        return lambda: run(["git", "commit", "-q", "--allow-empty", *extra, "-m", "x"], repo)

    # Four commits a run, alternated: the hook's cost is each commit minus --no-verify on the
    # same clone in the same run, and head_file on and off share the machine's moods.
    times = alternate(bench.runs, {"off": commit(off), "off bare": commit(off, "--no-verify"),
                                   "on": commit(on), "on bare": commit(on, "--no-verify")})
    for key, label in (("off", "off"), ("on", "= true")):
        cost = added(times, key, f"{key} bare")
        table.row(f"pre-commit hook's added cost to `git commit`, head_file {label} (median of "
                  "per-run differences)", ms(statistics.median(times[key])),
                  f"{ms(statistics.median(times[f'{key} bare']))} (`--no-verify`)",
                  f"{cost:+.1f} ms", f"≤ {GOAL_HOOK_MS:g} ms added", cost <= GOAL_HOOK_MS)
    extra = statistics.median((a - b) - (c - d) for a, b, c, d in zip(
        times["on"], times["on bare"], times["off"], times["off bare"], strict=True))
    table.row("what head_file = true adds to the hook (reading and judging alembic_heads.txt)",
              f"{extra:+.1f} ms")

    store = Path(git(off, "rev-parse", "--path-format=absolute", "--git-dir")) / "hookman"
    env = hook_env(off)

    def parsed() -> float:
        (store / "settings").unlink(missing_ok=True)  # the settings memo (workspace.py)
        return run(cmd, off, env)

    cmd = PRE_COMMIT
    hook = side_by_side(bench.runs, {"pass": floor(), "cached": timed(cmd, off, env),
                                     "parsed": parsed})
    table.row("the pre-commit hook's process alone, settings memo kept vs pyproject.toml "
              "parsed every run", ms(hook["cached"]), ms(hook["parsed"]),
              f"{hook['parsed'] - hook['cached']:+.1f} ms")
    table.row("the same, kept memo, vs `python -c pass`", ms(hook["cached"]), ms(hook["pass"]),
              f"{hook['cached'] - hook['pass']:+.1f} ms")

    feature = bench.work("push", branch="feature")
    sha = git(feature, "rev-parse", "HEAD")
    line = f"refs/heads/feature {sha} refs/heads/feature {'0' * 40}\n".encode()
    url = git(feature, "remote", "get-url", "origin")
    pre_push = [PY, "-m", "hooks_manager", "hook", "pre-push", "origin", url]
    push_env = user_env(SKIP="tests", CI="1")
    push = side_by_side(bench.runs, {"pass": floor(),
                                     "push": lambda: run(pre_push, feature, push_env, line)})
    table.row("pre-push of a branch adding one revision, predicted against origin/main "
              "(tests skipped), vs `python -c pass`", ms(push["push"]), ms(push["pass"]),
              f"{push['push'] - push['pass']:+.1f} ms")
    return table


# --- explain: what a blocked commit costs ---------------------------------------------------------


def section_explain(bench: Bench) -> Table:
    """Two files on main's head that both add a column to the same table: with one staged
    the commit passes, with both it is blocked (heads, the picture, the overlap read)."""
    table = Table("explain: a blocked commit vs a healthy one, 1,000 revisions")
    repo = bench.work("explain")
    head = bench.heads[1000]
    same = "    op.add_column('t1', sa.Column('email', sa.String()))"
    versions = repo / "migrations" / "versions"
    mine, theirs = versions / "f00dfeed0001_mine.py", versions / "be5e1ec70002_theirs.py"
    mine.write_text(revision_text("f00dfeed0001", head, 1000, False, same))
    theirs.write_text(revision_text("be5e1ec70002", head, 1001, True, same))
    git(repo, "add", str(mine))
    cmd = PRE_COMMIT
    env = hook_env(repo, NO_COLOR="1")

    def healthy() -> float:
        git(repo, "reset", "-q", "--", str(theirs))
        return run(cmd, repo, env)

    def blocked() -> float:
        git(repo, "add", str(theirs))
        return run(cmd, repo, env, expect=1)

    hook = side_by_side(bench.runs, {"healthy": healthy, "blocked": blocked})
    ratio = hook["blocked"] / hook["healthy"]
    table.row("pre-commit hook: blocked commit (heads, picture, overlap read) vs healthy commit",
              ms(hook["blocked"]), ms(hook["healthy"]), f"{ratio:.2f}x",
              f"≤ {GOAL_EXPLAIN:g}x", ratio <= GOAL_EXPLAIN)
    git(repo, "add", str(theirs))  # the fork staged, whichever probe ran last
    table.row("of which the picture and the overlap read, in-process",
              ms(explain_in_process(repo, bench.runs)))
    table.row("drawing 10,000 revisions as lanes, in-process", ms(draw_10k()))
    return table


def explain_in_process(repo: Path, runs: int) -> float:
    from hooks_manager import explain, graph
    from hooks_manager.check import check_projects
    from hooks_manager.sources import Index
    from hooks_manager.workspace import load_workspace

    ws = load_workspace(str(repo))
    settings, projects = ws.settings, ws.require_projects()
    times = []
    for _ in range(runs):
        reports = check_projects(projects, Index(str(repo)), settings)
        graph._FORKS.clear()  # what one hook process meets: nothing explained yet
        explain._READ.clear()
        start = time.perf_counter()
        explain.block_lines(reports[0])
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def draw_10k() -> float:
    from hooks_manager import drawing
    from hooks_manager.graph import Record

    records = [Record("r0", ())]
    for i in range(1, 10_000):
        down = (f"r{i - 1}", f"r{i - 3}") if i % 25 == 0 and i > 3 else (f"r{i - 1}",)
        records.append(Record(f"r{i}", down))
    start = time.perf_counter()
    drawing.text(records, ["r9999"], keep=10**9)
    return (time.perf_counter() - start) * 1000


# --- ci, server, siblings: the guards off the developer's machine ---------------------------------


def section_ci(bench: Bench) -> Table:
    table = Table("ci: a fresh depth-1 clone of a pull request, 1,000 revisions")
    origin = bench.origin(1000)
    # No cache: a CI job starts from nothing; hookman fetches the base and deepens by itself.
    times = side_by_side(bench.runs, {
        "ci": bench.scratch.cold(origin, [HOOKMAN, "ci", "--against", "origin/main"], depth=1,
                                 env=user_env(HOOKMAN_NO_CACHE="1")),
        "alembic": bench.scratch.cold(origin, [ALEMBIC, "heads"], depth=1),
    }, warm_up=False)
    at_least(table, "`hookman ci --against origin/main` (fetch + deepen + check) vs "
             "`alembic heads`, each on its own fresh depth-1 clone", ms(times["ci"]),
             ms(times["alembic"]), times["alembic"] / times["ci"], None)
    return table


def section_server(bench: Bench) -> Table:
    table = Table("server: a 1,000-revision push received by a bare repository")
    source = bench.work("server")

    def push(guarded: bool) -> Probe:
        def probe() -> float:
            bare = bench.scratch.place("bare")
            git(bench.tmp, "init", "-q", "--bare", "-b", "main", str(bare))
            if guarded:
                run([HOOKMAN, "install", "--server"], bare)
            try:
                return run(["git", "push", "-q", "--no-verify", str(bare), "main"], source)
            finally:
                shutil.rmtree(bare)
        return probe

    times = alternate(bench.runs, {"guarded": push(True), "plain": push(False)}, warm_up=False)
    guarded, plain = statistics.median(times["guarded"]), statistics.median(times["plain"])
    table.row("push into a new bare repository: pre-receive guard (`hookman install --server`) "
              "vs no hook", ms(guarded), ms(plain), f"{guarded / plain:.2f}x, "
              f"{added(times, 'guarded', 'plain'):+.1f} ms")
    return table


def section_siblings(bench: Bench) -> Table:
    table = Table("siblings: `hookman siblings` over 500 remote branches, 1,000 revisions")
    repo = bench.work("siblings", branch="feature")
    head = bench.heads[1000]
    tip = git(repo, "rev-parse", "origin/main")
    shas = []
    for k in range(10):  # ten teammates' branches, each adding a revision on main's head
        git(repo, "checkout", "-q", "-B", f"mate{k}", tip)
        rev = f"abcabc{k:06d}"
        (repo / "migrations" / "versions" / f"{rev}_mate.py").write_text(
            revision_text(rev, head, 5000 + k, False))
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--no-verify", "-m", f"mate {k}")
        shas.append(git(repo, "rev-parse", "HEAD"))
    git(repo, "checkout", "-q", "feature")
    # Every fifth branch carries a teammate's revision; the rest sit at main's tip.
    refs = "".join(f"create refs/remotes/origin/team/b{i:03} "
                   f"{shas[i % 10] if i % 5 == 0 else tip}\n" for i in range(500))
    subprocess.run(["git", "update-ref", "--stdin"], cwd=repo, input=refs.encode(), check=True)
    cmd = [HOOKMAN, "siblings"]
    times = side_by_side(bench.runs, {
        "cold": lambda: run(cmd, repo, user_env(HOOKMAN_NO_CACHE="1")),
        "warm": lambda: run(cmd, repo),
    })
    table.row("`hookman siblings`: warm (cache kept) vs cold (HOOKMAN_NO_CACHE=1)",
              ms(times["warm"]), ms(times["cold"]), f"{times['cold'] / times['warm']:.1f}x")
    return table


# --- the run -------------------------------------------------------------------------------------

SECTIONS = ("check", "commit", "explain", "ci", "server", "siblings")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="5 runs per figure, and 1,000 revisions unless --sizes says")
    parser.add_argument("--sizes", help="comma-separated revision counts for `check` "
                        "(default 100,1000,10000; the goals need 1000, the ratio 10000 too)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 21, --quick 5)")
    parser.add_argument("--only", help=f"comma-separated sections (default all: "
                        f"{','.join(SECTIONS)})")
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 21)
    try:
        sizes = [int(s) for s in (args.sizes or ("1000" if args.quick else "100,1000,10000"))
                 .split(",")]
    except ValueError:
        parser.error(f"--sizes {args.sizes!r}: give revision counts separated by commas")
    only = [s.strip() for s in (args.only or ",".join(SECTIONS)).split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown or not only:
        parser.error(f"--only {args.only!r}: sections are {', '.join(SECTIONS)}")
    import hooks_manager

    subprocess.run([PY, "-m", "compileall", "-q", str(Path(hooks_manager.__file__).parent)],
                   check=True, capture_output=True)
    print(f"hookman bench: {runs} runs per figure ({runs_for(10000, runs)} at 10,000 revisions), "
          "medians, commands alternated; whole-process wall ms unless a row says in-process; "
          f"{os.cpu_count()} cores; {launcher_note()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="hookman-bench-") as tmp:
        bench = Bench(Path(tmp), runs)
        missed = 0
        for name in only:
            started = time.perf_counter()
            table = section_check(bench, sizes) if name == "check" else {
                "commit": section_commit, "explain": section_explain, "ci": section_ci,
                "server": section_server, "siblings": section_siblings}[name](bench)
            table.print()
            print(f"\n({name}: {time.perf_counter() - started:.0f} s)", file=sys.stderr,
                  flush=True)
            missed += table.missed
    print(f"\n{'every goal met' if not missed else f'{missed} goal(s) NOT MET'}")
    return 0


def runs_for(size: int, runs: int) -> int:
    return max(3, runs // 3) if size >= 10000 else runs


if __name__ == "__main__":
    raise SystemExit(main())
