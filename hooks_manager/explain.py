"""Explaining a fork to the person it stopped: the picture of the history around it and what
each line changes, read from the same source the check read (index, commit, predicted merge or
work tree). Loaded only once a problem is found: never on a healthy run.
"""

from __future__ import annotations

import os
import sys

from hooks_manager.check import ProjectReport
from hooks_manager.graph import fork_facts as graph_fork_facts
from hooks_manager.overlaps import Overlap

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

    from hooks_manager.config import Project, Settings


_READ: dict[int, tuple[ProjectReport, dict[str, bytes | None]]] = {}


def read_files(report: ProjectReport, paths: list[str]) -> dict[str, bytes]:
    """The bytes of ``paths`` (as records name them) from the report's own source. Remembered
    per report: the picture and the overlap read ask for the same files, and each git read is
    a process to start."""
    hit = _READ.get(id(report))
    known = hit[1] if hit is not None and hit[0] is report else {}
    missing = [p for p in dict.fromkeys(p for p in paths if p) if p not in known]
    if missing:
        found = _read(report, missing)
        known.update({p: found.get(p) for p in missing})
        _READ[id(report)] = (report, known)
    return {p: data for p in paths if (data := known.get(p)) is not None}


def _read(report: ProjectReport, wanted: list[str]) -> dict[str, bytes]:
    from hooks_manager.sources import GitSource, read_blobs

    source = report.source
    out: dict[str, bytes] = {}
    if isinstance(source, GitSource):
        rels = [source.rel(loc) for loc in report.project.locations]
        entries = source.entries(rels)
        oids = {p: entries[p] for p in wanted if p in entries}
        blobs = read_blobs(source.root, list(oids.values()))
        return {p: blobs[oid] for p, oid in oids.items()}
    for path in wanted:
        try:
            with open(os.path.join(source.root, path), "rb") as handle:
                out[path] = handle.read()
        except OSError:
            continue  # said as "not read" by whoever needed it
    return out


def message_of(data: bytes) -> str:
    """The first line of the module docstring (alembic writes the revision message there), read
    from the bytes without parsing or running the file; "" when there is none."""
    text = data.decode("utf-8", "replace")
    pos = 0
    while True:  # skip blank lines, comments, a shebang or coding line
        while pos < len(text) and text[pos] in " \t\r\n\f":
            pos += 1
        if text.startswith("#", pos):
            nl = text.find("\n", pos)
            if nl == -1:
                return ""
            pos = nl + 1
            continue
        break
    while pos < len(text) and text[pos] in "rRuU":
        pos += 1
    for quote in ('"""', "'''", '"', "'"):
        if text.startswith(quote, pos):
            end = text.find(quote, pos + len(quote))
            body = text[pos + len(quote): end if end != -1 else len(text)]
            if len(quote) == 1:
                body = body.split("\n", 1)[0]
            for line in body.splitlines():
                if line.strip():
                    return line.strip()
            return ""
    return ""


def messages(report: ProjectReport, revisions: set[str] | None = None) -> dict[str, str]:
    records = [r for r in report.records if revisions is None or r.revision in revisions]
    data = read_files(report, [r.path for r in records])
    return {r.revision: message_of(data[r.path]) for r in records if r.path in data}


def forked_heads(report: ProjectReport) -> list[str]:
    for problem in report.verdict.problems:
        if problem.kind == "multiple-heads":
            return sorted(problem.revisions)
    return []


def fork_facts(report: ProjectReport) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """(forked heads, fork points, each head's line since the fork): the picture, the
    overlap read and the JSON all need them (graph.fork_facts works them out once)."""
    heads = forked_heads(report)
    forks, lines = graph_fork_facts(report.records, heads) if len(heads) > 1 else ([], {})
    return heads, forks, lines


def style(stream: TextIO) -> tuple[int | None, bool, bool]:
    """(width, unicode, colour) for ``stream``: COLUMNS or the terminal's width (None when not
    a terminal: nothing to fit), box characters when its encoding has them, colour only at a
    terminal without NO_COLOR."""
    from hooks_manager.drawing import can_draw_boxes, use_color

    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    width: int | None = None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 20:
        width = int(columns)
    elif tty:
        try:
            width = os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError):
            width = None
    encoding = getattr(stream, "encoding", None)
    return width, can_draw_boxes(encoding), use_color(tty, os.environ)


def fork_picture(report: ProjectReport, indent: str = "    ",
                 stream: TextIO | None = None) -> list[str]:
    """The drawing of the fork's neighbourhood: fork point(s), each line since, the heads."""
    from hooks_manager import drawing

    heads, forks, lines = fork_facts(report)
    if len(heads) < 2:
        return []
    shown = drawing.neighbourhood(report.records, heads, forks=forks, lines=lines)
    if stream is not None:
        width, unicode, color = style(stream)
    else:
        # The same text goes to stdout (`hookman check`) or stderr (the hooks): only what
        # both can take, so a piped `hookman check` never carries colour codes.
        out, err = style(sys.stdout), style(sys.stderr)
        widths = [w for w in (out[0], err[0]) if w]
        width, unicode, color = (min(widths) if widths else None, out[1] and err[1],
                                 out[2] and err[2])
    header = (f"  the history since the fork{' at ' + ', '.join(forks) if forks else ''} "
              "(newest first):")
    return [header, *drawing.text(report.records, report.verdict.head_ids, messages(report, shown),
                        only=shown, fork_points=forks, width=width, unicode=unicode,
                        color=color, keep=2, indent=indent)]


def overlap_of(report: ProjectReport) -> Overlap | None:
    from hooks_manager.overlaps import find_overlaps

    heads, forks, lines = fork_facts(report)
    if len(heads) < 2:
        return None
    wanted = {r for line in lines.values() for r in line}
    paths = [r.path for r in report.records if r.revision in wanted]
    data = read_files(report, paths)
    return find_overlaps(report.records, heads, data.get, forks, lines)


def overlap_text(overlap: Overlap | None, indent: str = "  ") -> list[str]:
    """Per table, what each line does; then each collision as a warning."""
    from hooks_manager.drawing import clean

    if overlap is None:
        return []
    tables = overlap.tables()
    out = []
    if tables:
        out.append(f"{indent}what each line changes since the fork"
                   f"{' at ' + ', '.join(overlap.fork_points) if overlap.fork_points else ''}:")
        for table, by_head in tables.items():
            parts = []
            for head, changes in by_head.items():
                did = ", ".join(dict.fromkeys(c.describe() for c in changes
                                              if c.kind != "column"))
                parts.append(f"line {head}: {did or 'creates it'}")
            out.append(f"{indent}  {clean(table)}: " + "; ".join(clean(p) for p in parts))
    elif any(overlap.lines.values()):
        out.append(f"{indent}what each line changes since the fork: no table changes read")
    else:
        out.append(f"{indent}what each line changes since the fork: nothing read")
    unread = overlap.unread()
    if unread:
        shown = sorted({f"{c.target} ({c.revision})" for c in unread})
        out.append(f"{indent}  not read: {clean('; '.join(shown[:4]))}"
                   f"{f' and {len(shown) - 4} more' if len(shown) > 4 else ''}")
    for collision in overlap.collisions:
        label = "warning [overlap]" if collision.fails else "note [overlap]"
        out.append(f"{indent}{label}: {clean(collision.message)}")
    if any(c.fails for c in overlap.collisions):
        out.append(f"{indent}  a merge revision alone will not make `upgrade head` work: "
                   "change one line (drop the duplicate operation) before or with the merge")
    return out


def block_lines(report: ProjectReport) -> list[str]:
    """What a blocked commit or push adds below the heads: the picture, then the overlaps.
    Advisory: a failure to explain never stops the message it belongs to."""
    from hooks_manager.errors import HookmanError

    try:
        return [*fork_picture(report), *overlap_text(overlap_of(report))]
    except (HookmanError, OSError) as exc:
        return [f"  (the picture of the fork could not be drawn: {exc})"]


# --- `hookman graph` ---------------------------------------------------------------------------

FORMATS = ("text", "mermaid", "dot")


def graph_command(options: dict[str, str | bool], say: Callable[[str], None]) -> int:
    """`hookman graph`: each project's history drawn; by default the neighbourhood of each
    fork (or, with no fork, the newest revisions), with --all the whole of it."""
    from hooks_manager import drawing
    from hooks_manager.check import check_projects
    from hooks_manager.errors import EXIT_OK, HookmanError
    from hooks_manager.graph import fork_points
    from hooks_manager.selection import make_source, opt, root_for, select_project

    fmt = str(options.get("format") or "text")
    if fmt not in FORMATS:
        raise HookmanError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}",
                           hint="hookman graph --format text|mermaid|dot")
    root = root_for(options)
    from hooks_manager.workspace import load_workspace

    source = make_source(root, options)
    ws = load_workspace(root, source, config=opt(options, "config"),
                        section=opt(options, "name"))
    projects = select_project(ws.require_projects(), opt(options, "project"))
    reports = check_projects(projects, source, ws.settings)
    width, unicode, color = style(sys.stdout)
    for report in reports:
        broken = [p for p in report.verdict.errors if p.kind != "multiple-heads"]
        if broken:
            # The drawing shows what could be read; say what could not, so a picture of a
            # broken history is never taken for the whole of it.
            from hooks_manager.output import say as warn
            from hooks_manager.textsafe import shown as safe

            drawn = len(report.records)
            warn(f"hookman: warning: {safe(report.project.name)}: {len(broken)} problem(s) "
                 f"make this drawing incomplete ({drawn} of {report.verdict.revision_count} "
                 "files drawn); hookman check names them:")
            for problem in broken:
                warn(f"  [{problem.kind}] {safe(problem.message)}")
        heads = forked_heads(report)
        everything = bool(options.get("all"))
        shown = None if everything else drawing.neighbourhood(report.records, heads)
        forks = fork_points(report.records, heads)
        notes = messages(report, shown)
        head_ids = report.verdict.head_ids
        if fmt == "mermaid":
            say(drawing.mermaid(report.records, head_ids, notes, only=shown,
                                fork_points=forks).rstrip("\n"))
            continue
        if fmt == "dot":
            say(drawing.dot(report.records, head_ids, notes, only=shown,
                            fork_points=forks).rstrip("\n"))
            continue
        what = (f"fork at {', '.join(forks) or '(no common revision)'}" if heads
                else f"head {', '.join(head_ids) or 'none'}")
        say(f"hookman: {drawing.clean(report.project.name)}: "
            f"{report.verdict.revision_count} revisions, {what}")
        say("\n".join(drawing.text(report.records, head_ids, notes, only=shown,
                                   fork_points=forks, width=width, unicode=unicode,
                                   color=color, keep=3 if heads and not everything else 10**9)))
    return EXIT_OK


def before_merge(root: str, project: Project, settings: Settings) -> list[str]:
    """What `hookman merge` says before it writes (and before it asks): what both lines change
    and where they collide, read from the work tree it merges."""
    from hooks_manager.check import check_project
    from hooks_manager.sources import WorkTree

    report = check_project(project, WorkTree(root), settings)
    return overlap_text(overlap_of(report))


def markdown(report: ProjectReport, everything: bool = False) -> str:
    """The fork (or the whole history) as a fenced mermaid block for GitHub Markdown: a job's
    step summary or a PR comment. Messages are read from the report's own source."""
    from hooks_manager import drawing
    from hooks_manager.graph import fork_points

    heads = forked_heads(report)
    shown = None if everything else drawing.neighbourhood(report.records, heads)
    body = drawing.mermaid(report.records, report.verdict.head_ids, messages(report, shown),
                           only=shown, fork_points=fork_points(report.records, heads))
    return f"```mermaid\n{body}```\n"
