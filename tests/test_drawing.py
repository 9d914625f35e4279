"""The pictures of a history: golden lane drawings, mermaid and DOT parsed back, the work done
on 10,000 revisions counted, and `hookman graph` on a real repository."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

from hooks_manager import drawing, textsafe
from hooks_manager.graph import Record
from tests.helpers import add_revision, commit_all, git, hookman


def rec(rev: str, *down: str, labels: tuple[str, ...] = (), deps: tuple[str, ...] = ()
        ) -> Record:
    return Record(rev, tuple(down), deps, labels, path=f"versions/{rev}.py")


THREE = [rec("base"), rec("a", "base"), rec("b", "base"), rec("c", "base"),
         rec("m", "a", "b", "c")]
SEVERAL = [rec("u1", labels=("users",)), rec("u2", "u1"), rec("o1", labels=("orders",)),
           rec("o2", "o1", deps=("u2",)), rec("x1"), rec("x2", "x1"), rec("x3", "x1")]


def test_golden_merge_of_three_parents() -> None:
    assert drawing.text(THREE, ["m"], {"m": "merge three"}, fork_points={"base"}) == [
        "●  m  (head, merge)  merge three",
        "├─┬─╮",
        "● │ │  a",
        "│ ● │  b",
        "│ │ ●  c",
        "├─┴─╯",
        "●  base  (fork point, base)",
    ]


def test_golden_several_bases_labels_and_depends_on() -> None:
    assert drawing.text(SEVERAL, ["u2", "o2", "x2", "x3"], fork_points={"x1"}) == [
        "●  u2  (head)",
        "│ ●  o2  (head)  ⇢ depends on u2",
        "│ │ ●  x2  (head)",
        "│ │ │ ●  x3  (head)",
        "● │ │ │  u1  [users]  (base)",
        "  ● │ │  o1  [orders]  (base)",
        "    ├─╯",
        "    ●  x1  (fork point, base)",
    ]


def test_golden_ascii_when_boxes_cannot_be_shown() -> None:
    assert drawing.text(THREE, ["m"], unicode=False) == [
        "*  m  (head, merge)",
        "|-.-.",
        "* | |  a",
        "| * |  b",
        "| | *  c",
        "|-'-'",
        "*  base  (base)",
    ]
    assert not drawing.can_draw_boxes("ascii")
    assert not drawing.can_draw_boxes("latin-1")
    assert drawing.can_draw_boxes("utf-8")


def test_long_straight_runs_fold_and_lines_fit_the_width() -> None:
    line = [rec("r0")] + [rec(f"r{i}", f"r{i - 1}") for i in range(1, 30)]
    drawn = drawing.text(line, ["r29"], {"r29": "x" * 200}, keep=2, width=40)
    assert drawn[0].startswith("●  r29  (head)  xxx")
    assert drawn[0].endswith("…")
    assert all(len(row) <= 40 for row in drawn)
    assert "┊  … 24 more revisions …" in drawn
    assert drawn[-1] == "●  r0  (base)"
    assert len(drawn) == 7  # head, 2 kept, the fold, 2 kept, base


def test_only_the_neighbourhood_says_what_it_left_out() -> None:
    history = [rec("a"), rec("b", "a"), rec("c", "b"), rec("d", "c"), rec("e", "c")]
    shown = drawing.neighbourhood(history, ["d", "e"])
    assert shown == {"c", "d", "e"}
    drawn = drawing.text(history, ["d", "e"], only=shown, fork_points={"c"})
    assert drawn[-1] == "┊  2 older revisions not shown (hookman graph --all)"
    assert "●  c  (fork point)" in drawn


def test_repository_bytes_cannot_reach_the_terminal_raw() -> None:
    evil = "\x1b]52;c;aGk=\x07 \u202etxt.exe"
    drawn = drawing.text([rec("a")], ["a"], {"a": evil})
    assert "\x1b" not in drawn[0]
    assert "\u202e" not in drawn[0]
    assert "\\x1b]52;c;aGk=\\x07 \\u202etxt.exe" in drawn[0]


def test_colour_only_at_a_terminal_without_no_color() -> None:
    assert drawing.use_color(True, {})
    assert not drawing.use_color(False, {})
    assert not drawing.use_color(True, {"NO_COLOR": ""})
    assert not drawing.use_color(True, {"TERM": "dumb"})
    painted = drawing.text(THREE, ["m"], color=True)
    # Colour travels as textsafe markers and becomes SGR only at the output sink.
    assert "\x1b[" not in painted[0]
    assert "\x1b[" in textsafe.lines(painted[0])
    assert not any("\x1b[" in textsafe.lines(row) for row in drawing.text(THREE, ["m"]))


def test_repository_text_cannot_forge_colour_markers() -> None:
    planted = "id" + textsafe.sgr("31") + "x\x1b[2J"
    assert "\x1b" not in textsafe.lines(textsafe.shown(planted))


# --- mermaid and DOT, parsed back ---------------------------------------------------------------


def parse_mermaid(text: str) -> tuple[dict[str, str], set[tuple[str, str]], set[tuple[str, str]]]:
    """Nodes (mermaid id -> label), edges and dotted depends_on edges, by revision id."""
    lines = text.splitlines()
    assert lines[0] == "flowchart BT"
    nodes: dict[str, str] = {}
    solid: set[tuple[str, str]] = set()
    dotted: set[tuple[str, str]] = set()
    for line in lines[1:]:
        line = line.strip()
        if m := re.fullmatch(r'(r\d+)\["([^"]*)"\]', line):
            nodes[m[1]] = m[2]
        elif m := re.fullmatch(r"(r\d+) --> (r\d+)", line):
            solid.add((m[1], m[2]))
        elif m := re.fullmatch(r"(r\d+) -\.->\|depends_on\| (r\d+)", line):
            dotted.add((m[1], m[2]))
        else:
            assert re.fullmatch(r"(classDef \w+ .+|class [r\d,]+ \w+|%% .*)", line), line
    rev = {k: v.split(":")[0].split(" [")[0] for k, v in nodes.items()}
    return (nodes, {(rev[a], rev[b]) for a, b in solid}, {(rev[a], rev[b]) for a, b in dotted})


def test_mermaid_parses_back_to_the_records_edges() -> None:
    history = [*THREE, *SEVERAL]
    heads = ["m", "u2", "o2", "x2", "x3"]
    nodes, solid, dotted = parse_mermaid(drawing.mermaid(
        history, heads, {"a": 'say "hi" <b>#1</b>'}))
    assert len(nodes) == len(history)
    assert solid == drawing.edges(history)
    assert dotted == {("u2", "o2")}
    label = next(v for v in nodes.values() if v.startswith("a:"))
    assert label == "a: say #34;hi#34; #60;b#62;#35;1#60;/b#62;"


def parse_dot(text: str) -> tuple[set[str], set[tuple[str, str]], set[tuple[str, str]]]:
    """A grammar check of the DOT subset written (digraph, node and edge statements with
    quoted ids and attribute lists), returning nodes, edges and dashed edges."""
    quoted = r'"(?:[^"\\]|\\.)*"'
    attrs = rf"\[(?:\w+=(?:{quoted}|\w+))(?:, \w+=(?:{quoted}|\w+))*\]"
    lines = text.splitlines()
    assert lines[0] == "digraph alembic {"
    assert lines[-1] == "}"
    assert lines[1] == "  rankdir=BT;"
    nodes: set[str] = set()
    solid: set[tuple[str, str]] = set()
    dashed: set[tuple[str, str]] = set()
    for line in lines[3:-1]:
        if m := re.fullmatch(rf"  ({quoted}) ({attrs});", line):
            nodes.add(m[1][1:-1])
        elif m := re.fullmatch(rf"  ({quoted}) -> ({quoted})(?: ({attrs}))?;", line):
            edge = (m[1][1:-1], m[2][1:-1])
            (dashed if m[3] and "style=dashed" in m[3] else solid).add(edge)
        else:
            raise AssertionError(f"not DOT this writer emits: {line!r}")
    return nodes, solid, dashed


def test_dot_parses_back_to_the_records_edges() -> None:
    history = [*THREE, *SEVERAL, rec('q"uote\\', "m")]
    nodes, solid, dashed = parse_dot(drawing.dot(history, ["q\"uote\\"], {"m": "two\nlines"}))
    assert nodes == {'q\\"uote\\\\'} | {r.revision for r in history if '"' not in r.revision}
    unescape = {'q\\"uote\\\\': 'q"uote\\'}
    assert {(unescape.get(a, a), unescape.get(b, b)) for a, b in solid} == drawing.edges(history)
    assert dashed == {("u2", "o2")}


# --- 10,000 revisions -----------------------------------------------------------------------------


def generated(n: int, seed: int = 7) -> list[Record]:
    """A history of ``n`` revisions shaped like a busy project: a trunk, short branches off it,
    merges of two and three parents, a few labels and dependencies."""
    rnd = random.Random(seed)
    records = [rec("r0")]
    open_lines: list[str] = []
    trunk = "r0"
    for i in range(1, n):
        rev = f"r{i}"
        roll = rnd.random()
        if roll < 0.1 and len(open_lines) < 3:
            open_lines.append(rev)
            records.append(rec(rev, trunk))
        elif roll < 0.2 and open_lines:
            k = rnd.randrange(len(open_lines))
            records.append(rec(rev, open_lines[k]))
            open_lines[k] = rev
        elif roll < 0.25 and open_lines:
            records.append(rec(rev, trunk, *open_lines))
            open_lines = []
            trunk = rev
        else:
            deps = (f"r{rnd.randrange(i)}",) if roll > 0.99 else ()
            records.append(rec(rev, trunk, deps=deps))
            trunk = rev
    return records


def test_ten_thousand_revisions_draw_in_linear_work() -> None:
    small, big = generated(1_000), generated(10_000)
    heads = drawing._heads_of
    work_small = drawing.layout(drawing.picture(small, heads(small))).steps
    started = time.perf_counter()
    pic = drawing.picture(big, heads(big))
    lay = drawing.layout(pic)
    lines = drawing.text(big, heads(big), keep=10**9)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    drawing.mermaid(big, heads(big))
    drawing.dot(big, heads(big))
    other = time.perf_counter() - started
    # Linear: ten times the revisions cost about ten times the cells (lanes stay few).
    assert lay.steps <= 11 * work_small, (lay.steps, work_small)
    assert lay.steps <= 8 * len(big)
    assert len(pic.nodes) == len(big)
    assert len(lines) >= len(big)
    print(f"10,000 revisions: layout + text in {elapsed * 1000:.0f} ms, {lay.steps} cells; "
          f"mermaid + DOT in {other * 1000:.0f} ms")


# --- hookman graph on a real repository ---------------------------------------------------------


def test_hookman_graph_draws_the_fork_in_each_format(project: Path) -> None:
    add_revision(project, "aaaa0001", None, table="users")
    add_revision(project, "bbbb0002", "aaaa0001", table="orders")
    add_revision(project, "cccc0003", "bbbb0002", table="invoices")
    add_revision(project, "dddd0004", "bbbb0002", labels="billing", table="payments")
    commit_all(project, "forked")
    done = hookman(project, "graph", env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "hookman: alembic: 4 revisions, fork at bbbb0002",
        "●  cccc0003  (head)  invoices",
        "│ ●  dddd0004  [billing]  (head)  payments",
        "├─╯",
        "●  bbbb0002  (fork point)  orders",
        "┊  1 older revision not shown (hookman graph --all)",
    ]
    every = hookman(project, "graph", "--all", "--rev", "HEAD", env={"PYTHONIOENCODING": "ascii"})
    assert every.stdout.splitlines()[-1] == "*  aaaa0001  (base)  users"
    _, solid, _ = parse_mermaid(hookman(project, "graph", "--all", "--format", "mermaid").stdout)
    assert solid == {("aaaa0001", "bbbb0002"), ("bbbb0002", "cccc0003"),
                     ("bbbb0002", "dddd0004")}
    _, edges, _ = parse_dot(hookman(project, "graph", "--format", "dot", "--staged").stdout)
    assert edges == {("bbbb0002", "cccc0003"), ("bbbb0002", "dddd0004")}
    bad = hookman(project, "graph", "--format", "png")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[0] == (
        "hookman: error: --format 'png' is not one of text, mermaid, dot")
    assert "Traceback" not in bad.stderr


def test_block_message_picture_fits_columns_and_goes_ascii(project: Path) -> None:
    add_revision(project, "aaaa0001", None, table="users")
    add_revision(project, "bbbb0002", "aaaa0001", table="orders_" + "x" * 80)
    add_revision(project, "cccc0003", "aaaa0001", table="invoices")
    git(project, "add", "-A")
    done = hookman(project, "hook", "pre-commit",
                   env={"COLUMNS": "50", "PYTHONIOENCODING": "ascii"})
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    start = lines.index("  the history since the fork at aaaa0001 (newest first):")
    picture = lines[start + 1:start + 5]
    assert picture == [
        "    *  bbbb0002  (head)  orders_xxxxxxxxxxxxxxx...",
        "    | *  cccc0003  (head)  invoices",
        "    |-'",
        "    *  aaaa0001  (fork point, base)  users",
    ]
    assert "\x1b[" not in done.stderr  # no terminal: no colour


def test_a_missing_parent_is_said_on_its_child() -> None:
    assert drawing.text([rec("a"), rec("b", "a", "gone")], ["b"]) == [
        "●  b  (head, merge)  (parent gone missing)",
        "●  a  (base)",
    ]
