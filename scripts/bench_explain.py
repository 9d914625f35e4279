"""What explaining a fork costs: a blocked commit (heads, the picture of the fork and the
overlap read included) against a healthy commit, at 1,000 revisions, side by side in one run.

    .venv/bin/python scripts/bench_explain.py             # 1,000 revisions, 21 runs each
    .venv/bin/python scripts/bench_explain.py --quick     # a smoke test

The two commands alternate run after run and the medians are compared, so a machine that
slows down mid-run slows both. Whole-process wall time of the pre-commit hook as git runs it
(`python -m hooks_manager hook pre-commit`), warm caches on both sides. Also: the drawing alone
on a generated 10,000-revision history, in-process.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INI = ("[alembic]\nscript_location = %(here)s/migrations\n"
       "sqlalchemy.url = sqlite:///%(here)s/app.db\n")


def revision_text(rev: str, down: str | None, upgrade: str, message: str) -> str:
    return (f'"""{message}\n\nRevision ID: {rev}\nRevises: {down}\n"""\n'
            "from alembic import op\nimport sqlalchemy as sa\n\n\n"
            f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\n"
            f"depends_on = None\n\n\ndef upgrade() -> None:\n{upgrade}\n\n\n"
            "def downgrade() -> None:\n    pass\n")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_repo(root: Path, count: int) -> tuple[Path, Path]:
    """A clone with ``count`` committed revisions (a straight line), and two files that fork
    its head: the healthy one alone, or both (the blocked commit)."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Bench")
    git(root, "config", "user.email", "bench@example.com")
    (root / "alembic.ini").write_text(INI)
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    down = None
    rng = random.Random(count)
    for n in range(count):
        rev = f"{rng.getrandbits(48):012x}"  # as alembic makes them (uuid4().hex[-12:])
        body = (f"    op.create_table('t{n}', sa.Column('id', sa.Integer(), primary_key=True))"
                if n % 2 else f"    op.add_column('t{n - 1 if n else 0}', "
                              f"sa.Column('c{n}', sa.String()))")
        (versions / f"{rev}_r{n}.py").write_text(revision_text(rev, down, body, f"revision {n}"))
        down = rev
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "history")
    same = "    op.add_column('t1', sa.Column('email', sa.String()))"
    mine = versions / "f00dfeed0001_mine.py"
    theirs = versions / "be5e1ec70002_theirs.py"
    mine.write_text(revision_text("f00dfeed0001", down, same, "add email"))
    theirs.write_text(revision_text("be5e1ec70002", down, same, "add email too"))
    return mine, theirs


def hook(root: Path) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "hooks_manager", "hook", "pre-commit"],
                          cwd=root, capture_output=True, stdin=subprocess.DEVNULL, check=False,
                          env={**os.environ, "NO_COLOR": "1"})
    return time.perf_counter() - started, done.returncode


def draw_10k() -> float:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from hooks_manager import drawing
    from hooks_manager.graph import Record

    records = [Record("r0", ())]
    for i in range(1, 10_000):
        down = (f"r{i - 1}", f"r{i - 3}") if i % 25 == 0 and i > 3 else (f"r{i - 1}",)
        records.append(Record(f"r{i}", down))
    started = time.perf_counter()
    drawing.text(records, [f"r{9_999}"], keep=10**9)
    return time.perf_counter() - started


def explain_cost(root: Path, runs: int) -> float:
    """In-process: what the picture and the overlap read add to a blocked commit's check."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from hooks_manager import explain
    from hooks_manager.check import check_projects
    from hooks_manager.sources import Index
    from hooks_manager.workspace import load_workspace

    ws = load_workspace(str(root))
    settings, projects = ws.settings, ws.require_projects()
    times = []
    for _ in range(runs):
        reports = check_projects(projects, Index(str(root)), settings)
        explain._FACTS.clear()
        explain._READ.clear()
        started = time.perf_counter()
        explain.block_lines(reports[0])
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--count", type=int, default=1_000)
    args = parser.parse_args()
    runs = 5 if args.quick else 21
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        mine, theirs = make_repo(root, args.count)
        rel_theirs = str(theirs.relative_to(root))
        git(root, "add", str(mine.relative_to(root)))
        healthy_times: list[float] = []
        blocked_times: list[float] = []
        for i in range(runs + 1):
            git(root, "reset", "-q", "--", rel_theirs)
            took, code = hook(root)
            assert code == 0, "the healthy commit must pass"
            git(root, "add", rel_theirs)
            took_blocked, code = hook(root)
            assert code == 1, "the forked commit must be blocked"
            if i:  # the first pair warms the caches
                healthy_times.append(took)
                blocked_times.append(took_blocked)
        healthy = statistics.median(healthy_times)
        blocked = statistics.median(blocked_times)
        explaining = explain_cost(root, runs)
    drawn = draw_10k()
    print(f"{args.count} revisions, {runs} runs each, alternated, medians:")
    print(f"  healthy commit (hook passes)           {healthy * 1000:7.1f} ms")
    print(f"  blocked commit (picture + overlaps)    {blocked * 1000:7.1f} ms")
    print(f"  ratio blocked / healthy                {blocked / healthy:7.2f}x  (budget 3x)")
    print(f"  of which the picture + overlap read    {explaining * 1000:7.1f} ms  (in-process)")
    print(f"drawing 10,000 revisions (lanes, in-process): {drawn * 1000:.0f} ms")
    return 0 if blocked <= 3 * healthy else 1


if __name__ == "__main__":
    sys.exit(main())
