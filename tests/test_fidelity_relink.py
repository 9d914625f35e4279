"""Relinks on generated histories: two revisions fork off the head in every syntax form the
generator writes (quotes, prefixes, concatenation, escapes, annotations, comments, CRLF, BOM,
latin-1); after `hookman rebase --onto` hookman's heads equal alembic's, and there is one."""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hooks_manager.config import Settings
from hooks_manager.relink import apply, plan_relink
from hooks_manager.workspace import load_workspace
from tests.fidelity_gen import HEX, History, Rev, file_bytes, histories
from tests.test_fidelity import (
    PROPERTY,
    ask_alembic,
    ask_hookman,
    script_directory_view,
    write_project,
)


def changed_lines(before: bytes, after: bytes) -> set[int]:
    old, new = before.split(b"\n"), after.split(b"\n")
    assert len(old) == len(new)  # no line is added, removed or split
    return {i + 1 for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b}


def allowed_lines(data: bytes) -> set[int]:
    """The lines of the down_revision assignment, and a docstring `Revises:` line."""
    tree = ast.parse(data)
    lines: set[int] = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == "down_revision" for t in targets):
            assert node.end_lineno is not None
            lines |= set(range(node.lineno, node.end_lineno + 1))
    for i, line in enumerate(data.split(b"\n"), 1):
        if line.startswith(b"Revises:"):
            lines.add(i)
    return lines


@settings(PROPERTY, max_examples=120)
@given(histories(defects=False, single_head=True), st.data())
def test_after_a_relink_hookman_and_alembic_agree_on_one_head(history: History,
                                                              data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ini = write_project(root, history)
        heads = ask_hookman(root).head_ids
        assume(len(heads) == 1)
        taken = {r.rev for r in history.model}
        ours, theirs = data.draw(st.lists(st.text(HEX, min_size=12, max_size=12).filter(
            lambda i: i not in taken), min_size=2, max_size=2, unique=True))
        others = sorted(taken)
        versions = root / "migrations" / "versions"
        for i, rev_id in enumerate((theirs, ours)):
            rev = Rev(1000 + i, rev_id, (heads[0],))
            (versions / f"{rev_id}_fork.py").write_bytes(data.draw(file_bytes(rev, others)))
        assert sorted(ask_hookman(root).head_ids) == sorted([ours, theirs])
        hookman_settings = Settings({}, None)
        [project] = load_workspace(str(root)).require_projects()
        before = (versions / f"{ours}_fork.py").read_bytes()
        plan = plan_relink(str(root), project, hookman_settings, onto=theirs)
        apply(str(root), plan, hookman_settings, lambda _: None)
        # All-numeric ids are renumbered (and the file renamed); any other id stays.
        final = plan.renumbered.get(ours, ours)
        path = Path(plan.renames.get(str(versions / f"{ours}_fork.py"),
                                     versions / f"{ours}_fork.py"))
        after = path.read_bytes()
        assert after != before
        if not plan.renumbered:
            assert changed_lines(before, after) <= allowed_lines(before)
        verdict = ask_hookman(root)
        alembic = ask_alembic(lambda: script_directory_view(ini))
        assert alembic.error is None, alembic.error
        assert verdict.head_ids == alembic.heads == [final]
        assert verdict.ok, [p.message for p in verdict.problems]
