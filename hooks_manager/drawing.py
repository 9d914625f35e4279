"""Pictures of a revision history: terminal lanes like `git log --graph`, mermaid, DOT.

Pure: records (and optionally messages) in, text out. No I/O, no git, nothing imported from a
repository. Everything drawn from repository bytes (ids, labels, messages, paths) goes through
``clean`` first, so a planted escape sequence cannot reach the terminal.

The lane layout is one pass over the revisions in display order (children before parents) with
a fixed column per line of history; each row costs O(lanes), so the whole drawing is linear in
its own size. ``Layout.steps`` counts that work so tests can hold the complexity without timing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from hooks_manager.graph import Record
from hooks_manager.textsafe import sgr

# Box characters and their ASCII stand-ins (used when the terminal's encoding lacks them).
UNICODE = {"node": "●", "vert": "│", "horiz": "─", "gap": "┊", "join_end": "╯",
           "join_mid": "┴", "open_right": "╮", "open_left": "╭", "open_mid": "┬",
           "cross": "┼", "tee_right": "├", "tee_left": "┤", "dep": "⇢", "more": "…"}
ASCII = {"node": "*", "vert": "|", "horiz": "-", "gap": ":", "join_end": "'",
         "join_mid": "'", "open_right": ".", "open_left": ".", "open_mid": ".",
         "cross": "+", "tee_right": "|", "tee_left": "|", "dep": "~>", "more": "..."}

# As textsafe markers, not raw ESC: the message sinks escape every raw control character.
_BOLD, _YELLOW, _GREEN, _RED, _DIM, _RESET = (sgr("1"), sgr("33"), sgr("32"), sgr("31"),
                                               sgr("2"), sgr("0"))


def clean(text: str) -> str:
    """Terminal-safe: control, format (bidi) and separator characters become \\x.. escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256
                   else f"\\u{ord(c):04x}" for c in text)


class Node:
    """One revision as drawn: its shown parents, and what marks it."""

    __slots__ = ("base", "deps", "fork", "head", "labels", "message", "missing", "parents",
                 "path", "rev")

    def __init__(self, rec: Record, message: str) -> None:
        self.rev = rec.revision
        self.parents: list[str] = []  # the down_revisions that are drawn too
        self.missing: list[str] = []  # down_revisions no file has
        self.deps: tuple[str, ...] = rec.depends_on
        self.labels = rec.branch_labels
        self.message = message
        self.path = rec.path
        self.head = False
        self.fork = False
        self.base = not rec.down_revisions

    @property
    def merge(self) -> bool:
        return len(self.parents) + len(self.missing) > 1


class Picture:
    """The revisions to draw, in display order, and how many were left out."""

    __slots__ = ("hidden", "nodes")

    def __init__(self, nodes: list[Node], hidden: int) -> None:
        self.nodes = nodes
        self.hidden = hidden


def neighbourhood(records: Sequence[Record], forked_heads: Sequence[str],
                  tail: int = 15, forks: Sequence[str] | None = None,
                  lines: Mapping[str, Sequence[str]] | None = None) -> set[str]:
    """What the default picture shows: with a fork, the fork point(s), every revision on each
    line since, and the heads; without one, the newest ``tail`` revisions. ``forks`` and
    ``lines`` (graph.fork_points / since_fork) may be passed when already known."""
    from hooks_manager.graph import fork_points, since_fork

    if len(forked_heads) >= 2:
        if forks is None:
            forks = fork_points(list(records), list(forked_heads))
        if lines is None:
            lines = since_fork(list(records), list(forked_heads))
        shown = set(forks)
        for line in lines.values():
            shown.update(line)
        return shown
    order = display_order(records, _heads_of(records))
    return set(order[:tail])


def _heads_of(records: Sequence[Record]) -> list[str]:
    named = {d for r in records for d in r.down_revisions}
    return list(dict.fromkeys(r.revision for r in records if r.revision not in named))


def display_order(records: Sequence[Record], heads: Sequence[str]) -> list[str]:
    """Children before parents, each line kept together (reverse post-order of a depth-first
    walk from the heads, first parent walked last so it sits right under its child)."""
    parents = _kept(records)
    seen: set[str] = set()
    post: list[str] = []
    roots = [h for h in heads if h in parents]
    roots += [r for r in parents if r not in set(roots)]  # unreachable ones (cycles) too
    for root in reversed(roots):
        if root in seen:
            continue
        seen.add(root)
        stack: list[tuple[str, list[str]]] = [(root, _walk_parents(parents, root))]
        while stack:
            rev, todo = stack[-1]
            while todo and todo[-1] in seen:
                todo.pop()
            if todo:
                nxt = todo.pop()
                seen.add(nxt)
                stack.append((nxt, _walk_parents(parents, nxt)))
            else:
                stack.pop()
                post.append(rev)
    post.reverse()
    return post


def _walk_parents(parents: Mapping[str, tuple[str, ...]], rev: str) -> list[str]:
    # popped from the end: the first parent is taken last, so it is drawn right below.
    return [p for p in parents[rev] if p in parents]


def _kept(records: Sequence[Record]) -> dict[str, tuple[str, ...]]:
    # A duplicated id: alembic keeps the later file, so the picture does too.
    return {r.revision: r.down_revisions for r in records}


def picture(
    records: Sequence[Record],
    heads: Sequence[str],
    messages: Mapping[str, str] | None = None,
    only: Collection[str] | None = None,
    fork_points: Collection[str] = (),
) -> Picture:
    """The nodes to draw: every record, or those in ``only``, in display order."""
    messages = messages or {}
    by_id = {r.revision: r for r in records}
    order = display_order(records, heads)
    if only is not None:
        order = [r for r in order if r in only]
    shown = set(order)
    head_set = set(heads)
    nodes = []
    for rev in order:
        rec = by_id[rev]
        node = Node(rec, messages.get(rev, ""))
        node.parents = [p for p in dict.fromkeys(rec.down_revisions) if p in shown]
        node.missing = [p for p in rec.down_revisions if p not in by_id]
        node.head = rev in head_set
        node.fork = rev in fork_points
        nodes.append(node)
    return Picture(nodes, len(by_id) - len(nodes))


# --- terminal lanes -----------------------------------------------------------------------------


class Layout:
    """Rows of (graph cells, node or None, note); ``steps`` counts the cells worked on."""

    __slots__ = ("rows", "steps")

    def __init__(self) -> None:
        self.rows: list[tuple[str, Node | None, str]] = []
        self.steps = 0


def layout(pic: Picture, chars: Mapping[str, str] = UNICODE) -> Layout:
    out = Layout()
    lanes: list[str | None] = []
    where: dict[str, list[int]] = {}  # revision -> the columns waiting for it
    for node in pic.nodes:
        cols = where.pop(node.rev, [])
        if cols:
            cols.sort()
            col = cols[0]
            if len(cols) > 1:  # several children's lines meet here: the fork point
                out.rows.append((_span(lanes, col, cols[1:], "join", chars, out), None, ""))
                for c in cols[1:]:
                    lanes[c] = None
        else:
            col = _free(lanes)
            lanes[col] = node.rev
        out.rows.append((_cells(lanes, {col: chars["node"]}, chars, out), node, ""))
        out.steps += 1
        first, extra = (node.parents[0], node.parents[1:]) if node.parents else (None, [])
        lanes[col] = first
        if first is not None:
            where.setdefault(first, []).append(col)
        if extra:  # a merge revision: one more line per further parent
            targets = []
            for parent in extra:
                t = _free(lanes)
                lanes[t] = parent
                where.setdefault(parent, []).append(t)
                targets.append(t)
            out.rows.append((_span(lanes, col, targets, "open", chars, out), None, ""))
        while lanes and lanes[-1] is None:
            lanes.pop()
    return out


def _free(lanes: list[str | None]) -> int:
    for i, lane in enumerate(lanes):
        if lane is None:
            return i
    lanes.append(None)
    return len(lanes) - 1


def _cells(lanes: list[str | None], marks: Mapping[int, str], chars: Mapping[str, str],
           out: Layout) -> str:
    out.steps += len(lanes)
    return "".join((marks.get(i) or (chars["vert"] if lane is not None else " ")) + " "
                   for i, lane in enumerate(lanes)).rstrip()


def _span(lanes: list[str | None], col: int, targets: list[int], how: str,
          chars: Mapping[str, str], out: Layout) -> str:
    """A connector row between ``col`` and ``targets``: lines joining into col (``join``, at
    a fork point) or leaving it (``open``, after a merge revision)."""
    lo, hi = min(col, *targets), max(col, *targets)
    ends = {lo, hi} - {col}
    right = any(t > col for t in targets)
    left = any(t < col for t in targets)
    cells = []
    for i, lane in enumerate(lanes):
        out.steps += 1
        if i == col:
            ch = chars["cross"] if left and right else chars["tee_right"] if right \
                else chars["tee_left"]
        elif i in targets:
            if how == "join":
                ch = chars["join_end"] if i in ends else chars["join_mid"]
            elif i in ends:
                ch = chars["open_right"] if i > col else chars["open_left"]
            else:
                ch = chars["open_mid"]
        elif lo < i < hi:
            ch = chars["cross"] if lane is not None else chars["horiz"]
        else:
            ch = chars["vert"] if lane is not None else " "
        cells.append(ch + (chars["horiz"] if lo <= i < hi else " "))
    return "".join(cells).rstrip()


def text(
    records: Sequence[Record],
    heads: Sequence[str],
    messages: Mapping[str, str] | None = None,
    *,
    only: Collection[str] | None = None,
    fork_points: Collection[str] = (),
    width: int | None = None,
    unicode: bool = True,
    color: bool = False,
    keep: int = 3,
    indent: str = "",
) -> list[str]:
    """The history as lanes, newest first; long straight runs fold to ``keep`` at each end."""
    chars = UNICODE if unicode else ASCII
    pic = picture(records, heads, messages, only, fork_points)
    lay = layout(pic, chars)
    rows = _fold(lay.rows, keep, chars)
    lines = []
    for cells, node, note in rows:
        body = note if node is None else _describe(node, chars)
        plain = f"{indent}{cells}  {body}" if body else f"{indent}{cells}"
        line = _fit(plain, width, chars)
        if color and node is not None:
            line = _paint(line, node, len(indent) + len(cells))
        lines.append(line)
    if pic.hidden:
        lines.append(f"{indent}{chars['gap']}  {pic.hidden} older revision"
                     f"{'s' if pic.hidden != 1 else ''} not shown (hookman graph --all)")
    return lines


def _describe(node: Node, chars: Mapping[str, str]) -> str:
    marks = []
    if node.head:
        marks.append("head")
    if node.merge:
        marks.append("merge")
    if node.fork:
        marks.append("fork point")
    if node.base:
        marks.append("base")
    parts = [clean(node.rev)]
    if node.labels:
        parts.append("[" + ", ".join(clean(x) for x in node.labels) + "]")
    if marks:
        parts.append("(" + ", ".join(marks) + ")")
    if node.message:
        parts.append(clean(node.message))
    if node.deps:
        parts.append(f"{chars['dep']} depends on {', '.join(clean(d) for d in node.deps)}")
    if node.missing:
        parts.append(f"(parent {', '.join(clean(m) for m in node.missing)} missing)")
    return "  ".join(parts)


def _fold(rows: list[tuple[str, Node | None, str]], keep: int, chars: Mapping[str, str]
          ) -> list[tuple[str, Node | None, str]]:
    """Fold a long run of plain revisions (one parent, one child, nothing to mark) that sit in
    the same column with nothing else happening: the picture stays readable at any size."""
    out: list[tuple[str, Node | None, str]] = []
    run: list[tuple[str, Node | None, str]] = []

    def flush() -> None:
        if len(run) > 2 * keep + 1:
            cells = run[0][0].replace(chars["node"], chars["gap"])
            out.extend(run[:keep])
            out.append((cells, None, f"{chars['more']} {len(run) - 2 * keep} more revisions "
                        f"{chars['more']}"))
            out.extend(run[-keep:])
        else:
            out.extend(run)
        run.clear()

    for row in rows:
        cells, node, _ = row
        plain = (node is not None and not node.head and not node.fork and not node.labels
                 and not node.deps and not node.missing and len(node.parents) == 1)
        if plain and run and run[0][0] != cells:
            flush()
        if plain:
            run.append(row)
        else:
            flush()
            out.append(row)
    flush()
    return out


def _fit(line: str, width: int | None, chars: Mapping[str, str]) -> str:
    if width is None or len(line) <= width:
        return line
    more = chars["more"]
    return line[: max(width - len(more), 0)] + more


def _paint(line: str, node: Node, graph_end: int) -> str:
    colour = _RED if node.fork else _GREEN if node.head else _YELLOW if node.merge else ""
    graph, rest = line[:graph_end], line[graph_end:]
    graph = graph.replace("●", f"{colour or _BOLD}●{_RESET}").replace(
        "*", f"{colour or _BOLD}*{_RESET}")
    rev = clean(node.rev)
    rest = rest.replace(rev, f"{_BOLD}{rev}{_RESET}", 1)
    return graph + rest


# --- mermaid and DOT ----------------------------------------------------------------------------


def mermaid(
    records: Sequence[Record],
    heads: Sequence[str],
    messages: Mapping[str, str] | None = None,
    *,
    only: Collection[str] | None = None,
    fork_points: Collection[str] = (),
) -> str:
    """A mermaid flowchart (bottom to top: bases below, heads on top, as `git log` reads).

    Edges run parent --> child; depends_on is a dotted edge ``dep -.->|depends_on| rev``.
    Heads get class ``head``, fork points class ``fork``. Wrap it in a ```mermaid fence for
    GitHub Markdown (a PR comment or a job's step summary)."""
    pic = picture(records, heads, messages, only, fork_points)
    ids = {n.rev: f"r{i}" for i, n in enumerate(pic.nodes)}
    lines = ["flowchart BT"]
    for node in pic.nodes:
        label = clean(node.rev) + (f" [{', '.join(clean(x) for x in node.labels)}]"
                                   if node.labels else "")
        if node.message:
            label += f": {clean(node.message)}"
        lines.append(f'  {ids[node.rev]}["{_mermaid_escape(label)}"]')
    for node in pic.nodes:
        for parent in node.parents:
            lines.append(f"  {ids[parent]} --> {ids[node.rev]}")
        for dep in node.deps:
            if dep in ids:
                lines.append(f"  {ids[dep]} -.->|depends_on| {ids[node.rev]}")
    heads_shown = [ids[n.rev] for n in pic.nodes if n.head]
    forks_shown = [ids[n.rev] for n in pic.nodes if n.fork]
    if heads_shown:
        lines.append("  classDef head stroke:#2da44e,stroke-width:3px")
        lines.append(f"  class {','.join(heads_shown)} head")
    if forks_shown:
        lines.append("  classDef fork stroke:#cf222e,stroke-width:3px")
        lines.append(f"  class {','.join(forks_shown)} fork")
    if pic.hidden:
        lines.append(f"  %% {pic.hidden} older revisions not shown")
    return "\n".join(lines) + "\n"


def _mermaid_escape(label: str) -> str:
    # Inside ["..."] mermaid reads entity codes; quote, angle brackets and # itself must be
    # written as #code; so that a message cannot end the label or inject markup.
    return "".join(f"#{ord(c)};" if c in '"#<>&`' else c for c in label)


def dot(
    records: Sequence[Record],
    heads: Sequence[str],
    messages: Mapping[str, str] | None = None,
    *,
    only: Collection[str] | None = None,
    fork_points: Collection[str] = (),
) -> str:
    """Graphviz DOT (`dot -Tsvg`): parent -> child, depends_on dashed, heads bold."""
    pic = picture(records, heads, messages, only, fork_points)
    lines = ["digraph alembic {", "  rankdir=BT;", '  node [shape=box, fontname="monospace"];']
    for node in pic.nodes:
        label = clean(node.rev) + (f" [{', '.join(clean(x) for x in node.labels)}]"
                                   if node.labels else "")
        if node.message:
            label += "\n" + clean(node.message)
        attrs = [f"label={_dot_quote(label)}"]
        if node.head:
            attrs.append("penwidth=3")
        if node.fork:
            attrs.append("color=red")
        lines.append(f"  {_dot_quote(node.rev)} [{', '.join(attrs)}];")
    shown = {n.rev for n in pic.nodes}
    for node in pic.nodes:
        for parent in node.parents:
            lines.append(f"  {_dot_quote(parent)} -> {_dot_quote(node.rev)};")
        for dep in node.deps:
            if dep in shown:
                lines.append(f"  {_dot_quote(dep)} -> {_dot_quote(node.rev)} "
                             '[style=dashed, label="depends_on"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# --- what the terminal can show -----------------------------------------------------------------


def can_draw_boxes(encoding: str | None) -> bool:
    try:
        "".join(UNICODE.values()).encode(encoding or "ascii")
    except (LookupError, UnicodeEncodeError):
        return False
    return True


def use_color(isatty: bool, environ: Mapping[str, str]) -> bool:
    """Colour only at a terminal, and never with NO_COLOR set (no-color.org) or TERM=dumb."""
    return isatty and "NO_COLOR" not in environ and environ.get("TERM") != "dumb"


def edges(records: Iterable[Record]) -> set[tuple[str, str]]:
    """(parent, child) pairs of down_revision: what every format draws (tests compare)."""
    ids = {r.revision for r in records}
    return {(p, r.revision) for r in records for p in r.down_revisions if p in ids}
