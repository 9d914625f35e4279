"""scripts/demo.sh, run for real: it tells the story of docs/demo.md end to end (real git, a
bare remote, real alembic, pytest, SQLite) and checks every step itself; this test runs it the
way CI does (CI=true, no stdin, no terminal) and reads the story back from its output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import hooks_manager

DEMO = Path(hooks_manager.__file__).parent.parent / "scripts" / "demo.sh"


def test_demo_tells_the_whole_story(tmp_path: Path) -> None:
    env = dict(os.environ, CI="true", TMPDIR=str(tmp_path),
               HOOKMAN_DEMO_PYTHON=sys.executable)  # this venv: the demo builds none
    env.pop("KEEP", None)
    env.pop("PYTHONUNBUFFERED", None)  # buffered, as on most machines: the order users see
    result = subprocess.run(["bash", str(DEMO)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            timeout=600, check=False)
    out = result.stdout.decode(errors="replace")
    assert result.returncode == 0, out
    assert "\x1b[" not in out  # no terminal: plain `==>` headings, no escape codes
    assert "==> 1. " in out
    assert "==> 12. " in out

    # 3: a fork in the index stops the commit, naming both heads and the fix
    staged = re.search(r"\n    (\w+)  \S+_add_payments\.py  \(staged, not committed yet\)", out)
    assert staged, out
    assert "hookman: commit blocked." in out
    assert "fix: hookman merge" in out

    # 4: bob alone has one head; against origin/main it forks, and CI gets the exact commands
    assert ("push blocked: bob forks the alembic history once merged with origin/main "
            "(CI is set)") in out
    assert ("fix this push:  git merge --no-verify origin/main && hookman merge --commit && "
            "git push origin bob") in out

    # 5: auto-merge merges origin/main, writes the merge revision, commits it, stops the push
    assert "hookman: merged origin/main into bob" in out
    committed = re.search(r"hookman: committed ([0-9a-f]{10}) Merge heads (\w+) and (\w+) — "
                          r"run git push again", out)
    assert committed, out
    heads = {committed[2], committed[3]}

    # 6: the next push runs the suite (streamed) and goes through
    again = out.split("$ git push origin bob\n", 1)[1]
    assert "hookman: running the tests: python -m pytest -q" in again
    assert "2 passed" in again
    assert "hookman: tests passed" in again
    assert " * [new branch]      bob -> bob" in again

    # 7: the result is healthy, and alembic upgrades a real database through the merge
    assert '"ok": true' in out
    upgrade = re.search(r"Running upgrade (\w+), (\w+) -> (\w+), merge heads", out)
    assert upgrade, out
    assert {upgrade[1], upgrade[2]} == heads
    assert re.search(rf"^{upgrade[3]} \(head\)$", out, re.MULTILINE), out

    # 8: the head file turned on: install writes it; alembic's post-write hook then keeps it
    assert "hookman: wrote migrations/alembic_heads.txt: commit it" in out
    assert "alembic.ini runs hookman after alembic revision and alembic merge" in out
    refunds = re.search(r"Running post write hook 'hookman' \.\.\.\n"
                        r"hookman: wrote migrations/alembic_heads\.txt \((\w+)\)", out)
    assert refunds, out

    # 10: the fork is a textual conflict git itself reports, and the graph draws the fork
    rebase = out.split("$ git fetch --quiet origin && git rebase origin/main\n", 1)[1]
    assert "CONFLICT (content): Merge conflict in migrations/alembic_heads.txt" in rebase
    assert "\nUU migrations/alembic_heads.txt\n" in rebase  # the migration itself merged cleanly
    # two lanes, heads on top in either order (box characters, or ASCII where the encoding
    # has none), then the fork point: the merge revision of step 5
    fork = re.search(r"hookman: alembic: \d+ revisions, fork at (\w+)\n"
                     r"\S  (\w+)  \(head\)  add (\w+)\n"
                     r"\S \S  (\w+)  \(head\)  add (\w+)\n"
                     r"\S+\n"
                     r"\S  (\w+)  \(fork point\)", rebase)
    assert fork, rebase
    assert fork[1] == fork[6] == upgrade[3]
    drawn = {fork[3]: fork[2], fork[5]: fork[4]}
    assert drawn.keys() == {"coupons", "refunds"}, rebase
    assert drawn["refunds"] == refunds[1]
    coupons = drawn["coupons"]

    # 11: one command relinks the unpublished migration; the rebase then completes
    assert re.search(rf"hookman: alembic: re-point {coupons} \(\S+_add_coupons\.py\) from "
                     rf"{fork[1]} onto {refunds[1]} ", rebase), rebase
    assert f"hookman: alembic: {coupons} now follows {refunds[1]}; one head: {coupons}" in rebase
    assert "next: git rebase --continue" in rebase
    assert "Successfully rebased and updated refs/heads/mine." in rebase
    assert f"$ hookman heads\n{coupons}\n$ " in rebase
    assert " * [new branch]      mine -> mine" in rebase

    # 12: one line of history, upgraded on the same SQLite database, one head
    assert f"Running upgrade {fork[1]} -> {refunds[1]}, add refunds" in rebase
    assert f"Running upgrade {refunds[1]} -> {coupons}, add coupons" in rebase
    assert f"$ alembic heads\n{coupons} (head)\n$ " in rebase
    assert f"hookman: alembic: ok — 6 revisions, head {coupons}" in rebase
    # the way to the interactive menu, printed as text (nothing in it is run by the demo)
    assert "pick the first entry, then `git push origin dave` again" in out
    assert "`alembic heads` shows one head." in out
    assert "demo: all steps behaved as described" in out

    # the scratch folder is gone (no KEEP)
    assert not list(tmp_path.glob("hookman-demo.*"))
