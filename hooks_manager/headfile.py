"""The tracked head file: `<script_location>/alembic_heads.txt`, the head revision id(s) of one
alembic project, one per line, under a comment header.

Why a file at all: a fork is two branches that each add a migration on the same parent. Each
branch then rewrites the same line of this file (old head -> its own new head), and git's
three-way merge reports two different replacements of one line as a textual conflict. That
conflict is the one signal every place where branches meet computes by itself: `git merge`,
`git rebase`, `git cherry-pick`, `git merge-tree` (what a server's merge button runs). Two
branches where only one adds a migration change the file on one side only: a clean merge.

Why there: one file per project (not per version folder: several version_locations make one
history), beside env.py and script.py.mako, outside every version folder so alembic never reads
it as a revision. Intentional heads (one per branch label, or `allowed_heads`) are separated
by a blank line: git merges changes to lines with an unchanged line between them cleanly, so
two branches that each advance a *different* version line do not conflict; two that advance
the same line do.

Stdlib only and tiny: the pre-commit hook reads it on every commit.
"""

from __future__ import annotations

import os

from hooks_manager.graph import Problem, Verdict
from hooks_manager.sources import Index

# `collections.abc`-free typing: the names are for type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from hooks_manager.check import ProjectReport
    from hooks_manager.config import Project
    from hooks_manager.sources import Source

FILE_NAME = "alembic_heads.txt"

HEADER = (
    "# The head revision(s) of this alembic history, kept by hookman (hookman heads --write).\n"
    "# A merge conflict here means two branches each added a migration on the same parent:\n"
    "# fix it with `hookman rebase` (re-point the unpublished one) or `hookman merge`.\n"
)

_MARKERS = ("<<<<<<<", "|||||||", "=======", ">>>>>>>")


def path_for(script_location: str) -> str:
    return os.path.join(script_location, FILE_NAME)


def expected_heads(verdict: Verdict) -> list[str]:
    """The heads as the file lists them: grouped by version line (branch labels), so each
    line keeps its place in the file from one write to the next."""
    labels = verdict.labels_of
    return sorted(verdict.head_ids, key=lambda rev: (sorted(labels.get(rev, ())), rev))


def render(heads: list[str]) -> bytes:
    return (HEADER + "\n" + "\n\n".join(heads) + "\n").encode()


class Parsed:
    """What a head file says: its ids, or the two sides of a conflict in it."""

    __slots__ = ("heads", "ours", "theirs")

    def __init__(self, heads: list[str], ours: list[str] | None = None,
                 theirs: list[str] | None = None) -> None:
        self.heads = heads
        self.ours = ours  # None: no conflict markers
        self.theirs = theirs

    @property
    def conflicted(self) -> bool:
        return self.ours is not None


def parse(data: bytes) -> Parsed:
    """Ids are the lines that are neither blank nor comments. Conflict markers (merge, diff3 or
    zdiff3 style) split them into ours (before `=======`) and theirs (after it); the base
    section of diff3 belongs to neither."""
    text = data.decode("utf-8", "replace")
    heads: list[str] = []
    ours: list[str] = []
    theirs: list[str] = []
    conflicted = False
    section = None  # None outside markers, else "ours" / "base" / "theirs"
    for raw in text.splitlines():
        line = raw.strip()
        marker = next((m for m in _MARKERS if line.startswith(m)), None)
        if marker is not None:
            conflicted = True
            section = {"<<<<<<<": "ours", "|||||||": "base", "=======": "theirs",
                       ">>>>>>>": None}[marker]
            continue
        if not line or line.startswith("#"):
            continue
        heads.append(line)
        if section == "ours":
            ours.append(line)
        elif section == "theirs":
            theirs.append(line)
        elif section is None:
            ours.append(line)  # lines outside the conflict belong to both sides
            theirs.append(line)
    if not conflicted:
        return Parsed(heads)
    return Parsed(heads, ours, theirs)


def judge(shown: str, data: bytes | None, verdict: Verdict, staged: bool,
          merging: bool = False) -> Problem | None:
    """The head file's problem, if any: missing, conflicted, or naming other heads than the
    history has. ``shown`` is its path for messages; ``merging``: a git merge is stopped (a
    merge revision then comes after the merge commit, which must record the fork)."""
    what = "the staged history" if staged else "the history"
    add = f" && git add {_quote(shown)}" if staged else ""
    expected = expected_heads(verdict)
    if data is None:
        return Problem("stale-head-file", f"{shown} is missing (head_file = true in "
                       f"[tool.hookman]); write it: hookman heads --write{add}", path=shown)
    parsed = parse(data)
    if parsed.conflicted:
        sides = (f"ours {', '.join(parsed.ours or ['nothing'])}, theirs "
                 f"{', '.join(parsed.theirs or ['nothing'])}")
        merge = (f"finish the merge with both heads and add a merge revision: hookman heads "
                 f"--write && git add {_quote(shown)} && git commit --no-verify --no-edit && "
                 "hookman merge --commit") if merging else "`hookman merge`"
        return Problem("conflicted-head-file", f"{shown} holds git conflict markers ({sides}): "
                       "two branches each added a migration on the same parent; fix it with "
                       f"`hookman rebase` (re-point yours onto theirs), or {merge}",
                       path=shown, revisions=tuple(parsed.heads))
    if sorted(parsed.heads) != sorted(expected):
        said = ", ".join(parsed.heads) or "no head"
        real = ", ".join(expected) or "no head (empty history)"
        return Problem("stale-head-file", f"{shown} says {said}, but {what} has head "
                       f"{real}; fix it: hookman heads --write{add}", path=shown,
                       revisions=tuple(expected))
    return None


def read_worktree(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def read_git(root: str, spec: str) -> bytes | None:
    """``spec`` as `git cat-file` names it (`:path` for the index, `rev:path`); None when
    absent. An unmerged path has no stage 0: its stages 2 and 3 are put back together with
    markers, so the conflict is reported as one."""
    from hooks_manager.sources import read_spec

    found = read_spec(root, spec)
    if found is not None:
        return found
    if spec.startswith(":"):
        ours = read_spec(root, ":2" + spec)
        theirs = read_spec(root, ":3" + spec)
        if ours is not None or theirs is not None:
            return (b"<<<<<<< ours\n" + (ours or b"") + b"=======\n" + (theirs or b"")
                    + b">>>>>>> theirs\n")
    return None


def blob_id(data: bytes, width: int) -> str:
    """The id git gives ``data`` as a blob (sha256 when ``width`` is 64), so a staged file
    can be compared with the wanted bytes without reading it."""
    from hooks_manager.digest import hexdigest

    return hexdigest(b"blob %d\0" % len(data) + data, "sha256" if width == 64 else "sha1")


def write(path: str, heads: list[str]) -> bool:
    """Write the file when its content differs; True when it changed. Atomic (a temporary
    file renamed over it), so a reader never sees half a file."""
    data = render(heads)
    if read_worktree(path) == data:
        return False
    tmp = f"{path}.hookman-tmp"
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
    return True


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def list_alongside(projects: list[Project], source: Source) -> None:
    """Ask an index source to list the head files in the same `git ls-files` as the revision
    files: the commit hook then judges an up-to-date head file without a process of its own
    (a `git cat-file` was a third of the hook's cost)."""
    if isinstance(source, Index):
        source.also = [source.rel(path_for(p.script_location)) for p in projects]


def judge_reports(reports: list[ProjectReport], source: Source) -> None:
    """Add each project's head-file problem to its verdict (head_file = true). A predicted
    merge is not judged: there the two sides' head files conflict exactly when the history
    forks, and the fork is already the reported problem."""
    if source.kind == "merge":
        return
    from hooks_manager.repo import merging as merge_under_way

    merging = merge_under_way(source.root)
    for report in reports:
        full = path_for(report.project.script_location)
        shown = source.rel(full) if source.kind != "worktree" else _shown(source.root, full)
        if source.kind == "worktree":
            data = read_worktree(full)
        elif source.kind == "index":
            stages = source.stages_of(shown) if isinstance(source, Index) else None
            if stages is not None and "0" in stages and stages["0"] == blob_id(
                    render(expected_heads(report.verdict)), len(stages["0"])):
                continue  # the staged file is exactly what hookman would write
            data = read_git(source.root, ":" + shown)
        else:
            data = read_git(source.root, f"{getattr(source, 'rev', 'HEAD')}:{shown}")
        problem = judge(shown, data, report.verdict, staged=source.kind == "index",
                        merging=merging)
        if problem is not None:
            report.verdict.problems.append(problem)


def _shown(root: str, path: str) -> str:
    rel = os.path.relpath(path, root)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def heads_command(
    write_file: bool, revision_file: str | None, config: str | None, section: str | None,
    project_name: str | None, out: Callable[[str], None], say: Callable[[str], None],
) -> int:
    """`hookman heads [--write]`: the heads of each history, one per line (prefixed with the
    project's name when there are several); exit 1 when one forks. --write rewrites each
    project's head file. --revision-file (what alembic's post_write_hooks pass) picks the
    project holding that file, wherever alembic was run from."""
    from hooks_manager.check import check_project
    from hooks_manager.errors import EXIT_OK, EXIT_PROBLEMS
    from hooks_manager.repo import find_root
    from hooks_manager.selection import select_project
    from hooks_manager.sources import WorkTree

    start = os.path.dirname(os.path.abspath(revision_file)) if revision_file else os.getcwd()
    root = find_root(start) or os.getcwd()
    from hooks_manager.workspace import load_workspace

    ws = load_workspace(root, config=config, section=section)
    settings = ws.settings
    projects = select_project(ws.require_projects(), project_name)
    if revision_file:
        real = os.path.realpath(revision_file)
        projects = [p for p in projects if any(
            real.startswith(os.path.realpath(loc) + os.sep) for loc in p.locations)]
        if not projects:
            from hooks_manager.errors import ConfigError
            from hooks_manager.textsafe import shown as safe

            raise ConfigError(f"--revision-file {safe(revision_file)} lies in no project's "
                              "version locations", hint="name a revision file alembic wrote")
    if write_file and not settings.head_file:
        say("hookman: note: head_file is not on in [tool.hookman], so nothing keeps this file "
            "current or checks it; turn it on with head_file = true")
    forked = False
    reports = [check_project(project, WorkTree(root), settings) for project in projects]
    unknowable = [(r, p) for r in reports for p in r.verdict.errors if p.kind != "multiple-heads"]
    if unknowable:
        # A file hookman cannot read, a loop, a missing parent or a duplicate id: the heads
        # printed would not be alembic's, so none are printed (or written).
        from hooks_manager.errors import EXIT_CANNOT_CHECK
        from hooks_manager.textsafe import shown as safe

        for report, problem in unknowable:
            say(f"hookman: not checked: {safe(report.project.name)}: [{problem.kind}] "
                f"{safe(problem.message)}")
        say("hookman: the heads cannot be told until that is fixed (see hookman check)"
            + ("; the head file was not written" if write_file else ""))
        return EXIT_CANNOT_CHECK
    for project, report in zip(projects, reports, strict=True):
        heads = expected_heads(report.verdict)
        forked = forked or any(p.kind == "multiple-heads" for p in report.verdict.problems)
        prefix = f"{project.name}: " if len(projects) > 1 else ""
        if write_file:
            path = path_for(project.script_location)
            changed = write(path, heads)
            shown = _shown(root, path)
            say(f"hookman: {'wrote' if changed else 'up to date:'} {shown} "
                f"({', '.join(heads) or 'no head'})")
        else:
            for head in heads:
                out(prefix + head)
    return EXIT_PROBLEMS if forked and not write_file else EXIT_OK


def refresh(
    root: str, projects: list[Project]
) -> tuple[list[str], Callable[[list[str]], None]]:
    """After hookman wrote a merge revision: rewrite each project's head file that exists, so
    the commit holding the merge holds the file that names it. Returns the rewritten paths
    (relative to ``root``) and an undo that puts their bytes and index entries back, and
    unstages the other ``paths`` it is given (the merge files, removed by the caller)."""
    from hooks_manager.check import check_project
    from hooks_manager.config import Settings
    from hooks_manager.sources import WorkTree

    old: dict[str, bytes] = {}
    for project in projects:
        path = path_for(project.script_location)
        before = read_worktree(path)
        if before is None:
            continue
        report = check_project(project, WorkTree(root), Settings({}, None))
        if write(path, expected_heads(report.verdict)):
            old[path] = before
    shown = [_shown(root, p) for p in old]

    def undo(paths: list[str]) -> None:
        from hooks_manager.repo import unstage

        for path, data in old.items():
            with open(path, "wb") as handle:
                handle.write(data)
        if shown:
            unstage(root, [*shown, *paths])

    return shown, undo
