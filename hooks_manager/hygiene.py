"""Revision-id hygiene: hand-typed or pattern ids (`a1b2c3d4e5f6`), duplicated ids explained
(numbered ids that two branches both took; the same id on both sides of a predicted merge).

Hand- and tool-typed ids collide across branches (cognee#4658, mcp-context-forge#3831, the
seed incident's own `a1b2c3d4e5f6`); alembic's own ids are `uuid4().hex[-12:]`, which never do
in practice. The pattern rules below are tuned so that no random 12-hex id trips them (a test
draws 20,000).
"""

from __future__ import annotations

from hooks_manager.graph import ERROR, WARNING, Problem, Record, fork_facts

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from hooks_manager.cache import ScanCache, Weak
    from hooks_manager.config import Project
    from hooks_manager.graph import Verdict
    from hooks_manager.sources import PredictedMerge, Source

# What makes a proper id: exactly alembic's own rev_id() (uuid4().hex[-12:]). Written out
# quoted as shlex.join quotes it (a test holds that): shlex imports `re`, ~5 ms of every check.
PROPER_ID_COMMAND = "python -c 'import uuid; print(uuid.uuid4().hex[-12:])'"
_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "0987654321", "poiuytrewq",
             "lkjhgfdsa", "mnbvcxz")
_KEYBOARD_4 = frozenset(row[i:i + 4] for row in _KEYBOARD for i in range(len(row) - 3))
# Every ASCII run of three: "abc", "cba", "aaa"...
_RUNS_3 = frozenset(chr(c) + chr(c + step) + chr(c + 2 * step) for c in range(128)
                    for step in (-1, 0, 1) if 0 <= c + 2 * step < 128)
_WORDS = ("deadbeef", "cafebabe", "feedface", "baadf00d", "c0ffee", "abcdef", "fedcba",
          "123456", "654321")


def _safe(text: str) -> str:
    # Ids and paths come from repository bytes: never let a control character reach a terminal
    # (drawing.clean does the same; not imported here, to keep `hookman check` light).
    return text if text.isprintable() else "".join(
        c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def is_numbered(rev: str) -> bool:
    """`0041`, `016`, `20260720_01`, `0041_add_users`: ids numbered by convention (a short
    counter or a date), as opposed to `111111111111`, a typed pattern of digits."""
    head = rev.split("_", 1)[0]
    if not head.isdigit():
        return False
    return len(head) <= 5 or head[:2] in ("19", "20") or "_" in rev


def weak_reason(rev: str) -> str | None:
    """Why ``rev`` looks typed by hand or by pattern, or None. Numbered ids are a convention
    (reported only when two branches take the same number). Asked of every id of a cold
    check (a fresh clone, every CI run): a random id costs each rule a few string
    operations."""
    low = rev.lower()
    if len(low) < 6 or is_numbered(low):
        return None
    distinct = len(set(low)) if low.isalnum() else len({c for c in low if c.isalnum()})
    if distinct <= 3:
        return f"only {distinct} distinct characters"
    # The smallest rotation that gives the id back is its shortest repeating unit (a whole
    # divisor of its length); none shorter than the id: it does not repeat.
    period = (low + low).find(low, 1)
    if period < len(low):
        return f"{low[:period]!r} repeated"
    if _progression(low[0::2]) and _progression(low[1::2]):
        return f"a typed pattern ({low[:6]}…)"
    for word in _WORDS:
        if word in low:
            return f"contains {word!r}"
    covered = _run_coverage(low)
    if covered * 3 >= len(low) * 2:
        return "mostly sequential, repeated or keyboard runs"
    return None


def _progression(text: str) -> bool:
    """Each character one step (-1, 0 or +1) from the one before, e.g. 'abcdef', '123456'."""
    if len(text) < 3:
        return False
    step = ord(text[1]) - ord(text[0])
    return step in (-1, 0, 1) and all(
        ord(text[i + 1]) - ord(text[i]) == step for i in range(len(text) - 1))


def _run_coverage(text: str) -> int:
    """How many characters sit in runs of three or more with a constant step of -1, 0 or +1,
    or in a stretch of four or more keys along a keyboard row. Linear in the id's length."""
    marked: set[int] = set()
    for i in _run_starts(text):
        marked.update((i, i + 1, i + 2))
    for i in range(len(text) - 3):
        if text[i:i + 4] in _KEYBOARD_4:
            marked.update((i, i + 1, i + 2, i + 3))
    return len(marked)


def _run_starts(text: str) -> list[int]:
    """Where each three-character run (constant step -1, 0 or +1) starts."""
    if text.isascii():  # one set lookup a window: a random id has none
        return [i for i in range(len(text) - 2) if text[i:i + 3] in _RUNS_3]
    codes = [ord(c) for c in text]
    return [i for i in range(len(codes) - 2)
            if codes[i + 1] - codes[i] == codes[i + 2] - codes[i + 1]
            and -1 <= codes[i + 1] - codes[i] <= 1]


def weak_ids(records: Sequence[Record], cache: ScanCache | None = None) -> list[Weak]:
    """(revision, path, line, why) of each id that looks typed by hand, in record order.
    ``cache`` remembers each id's answer (a pure function of the id) for the next check."""
    found = []
    for rec in records:
        known = cache.judged(rec.revision) if cache is not None else None
        if known is None:
            reason = weak_reason(rec.revision)
            if cache is not None:
                cache.judge(rec.revision, reason or "")
        else:
            reason = known or None
        if reason is not None:
            found.append((rec.revision, rec.path, rec.line, reason))
    return found


def weak_id_problems(found: Sequence[Weak], limit: int = 5) -> list[Problem]:
    """A warning per pattern id of ``found`` (at most ``limit``, then one line for the
    rest)."""
    out = []
    for revision, path, line, reason in found[:limit]:
        out.append(Problem(
            "weak-revision-id",
            f"revision id {_safe(revision)} ({_safe(path)}) looks typed by hand: "
            f"{_safe(reason)}. Ids like "
            "this collide across branches; unless it is already applied somewhere, give it a "
            f"real one: {PROPER_ID_COMMAND} (or let `alembic revision` pick it: no --rev-id)",
            severity=WARNING, path=path, line=line, revisions=(revision,)))
    if len(found) > limit:
        rest = ", ".join(_safe(weak[0]) for weak in found[limit:limit + 10])
        out.append(Problem("weak-revision-id", f"{len(found) - limit} more ids look typed by "
                           f"hand: {rest}{' …' if len(found) > limit + 10 else ''}",
                           severity=WARNING, revisions=tuple(weak[0] for weak in found)))
    return out


# --- duplicates explained ----------------------------------------------------------------------


def explain_duplicates(records: Sequence[Record], problems: list[Problem],
                       sides: dict[str, str] | None = None) -> None:
    """Sharpen each duplicate-revision problem in place: numbered ids taken twice are named
    as such (with the next free number), and with ``sides`` (path -> "yours"/"theirs", from a
    predicted merge) an id both sides added with different content is its own error."""
    by_id: dict[str, list[Record]] = {}
    for rec in records:
        by_id.setdefault(rec.revision, []).append(rec)
    numbers = [int(r.revision.split("_", 1)[0]) for r in records if is_numbered(r.revision)]
    for i, problem in enumerate(problems):
        if problem.kind != "duplicate-revision" or not problem.revisions:
            continue
        rev = problem.revisions[0]
        files = by_id.get(rev, [])
        paths = [r.path for r in files]
        extra = ""
        if is_numbered(rev) and numbers:
            width = len(rev.split("_", 1)[0])
            extra = (f"; numbered ids collide when two branches take the next number at once: "
                     f"renumber the one not yet applied anywhere to {max(numbers) + 1:0{width}d} "
                     "and point its down_revision at the current head")
        if sides and len({sides.get(p) for p in paths} - {None}) == 2:
            where = ", ".join(f"{_safe(p)} ({_safe(sides.get(p) or '')})" for p in paths)
            problems[i] = Problem(
                "revision-id-collision",
                f"revision id {_safe(rev)} is added on both sides of the merge with different "
                f"content: {where}; alembic would keep only one. Give yours a new id "
                f"({PROPER_ID_COMMAND}) and fix anything that names it{extra}",
                severity=ERROR, path=problem.path, line=problem.line, revisions=(rev,))
            continue
        note = ("; alembic also counts the dropped file's line as extra heads: rename the "
                "duplicate, do not merge it")
        problems[i] = Problem(problem.kind, problem.message + note + extra, problem.severity,
                              problem.path, problem.line, problem.revisions)


def numbered_collisions(records: list[Record], forked_heads: Sequence[str]
                        ) -> list[Problem]:
    """Two lines of a fork that each numbered a revision the same (`0041_users`,
    `0041_orders`): the sequential-id race, named as one."""
    if len(forked_heads) < 2:
        return []
    taken: dict[str, list[tuple[str, str]]] = {}
    for head, line in fork_facts(records, list(forked_heads))[1].items():
        for rev in line:
            if is_numbered(rev):
                taken.setdefault(rev.split("_", 1)[0], []).append((head, rev))
    out = []
    for number, claims in taken.items():
        if len({h for h, _ in claims}) > 1:
            revs = tuple(sorted({r for _, r in claims}))
            out.append(Problem(
                "numbered-id-collision",
                f"both lines numbered a revision {number} ({_safe(', '.join(revs))}): "
                "sequential ids "
                "race across branches; renumber the line that has not landed",
                severity=WARNING, revisions=revs))
    return out


def explain_problems(project: Project, source: Source, records: list[Record],
                     verdict: Verdict) -> None:
    """check.py's one call, made only when the verdict has a duplicate, a conflict or a fork."""
    from hooks_manager.sources import PredictedMerge

    sides: dict[str, str] | None = None
    if isinstance(source, PredictedMerge):
        rels = [source.rel(loc) for loc in project.locations]
        ours, theirs = source.sides(rels)
        sides = {p: "yours" for p in ours if p not in theirs}
        sides.update({p: f"from {source.theirs}" for p in theirs if p not in ours})
        _same_path_collisions(source, ours, theirs, verdict.problems)
    explain_duplicates(records, verdict.problems, sides)
    verdict.problems.extend(numbered_collisions(records, [
        r for p in verdict.problems if p.kind == "multiple-heads" for r in p.revisions]))


def _same_path_collisions(source: PredictedMerge, ours: dict[str, str],
                          theirs: dict[str, str], problems: list[Problem]) -> None:
    """One path changed on both sides (the prediction reads ours): when both versions carry
    the same revision id, that id means two different revisions."""
    from hooks_manager.scan import scan
    from hooks_manager.sources import read_blobs

    conflicts = [(i, p) for i, p in enumerate(problems)
                 if p.kind == "merge-conflict" and p.path in ours and p.path in theirs]
    if not conflicts:
        return
    blobs = read_blobs(source.root, [oid for _, p in conflicts
                                     for oid in (ours[p.path], theirs[p.path])])
    for i, problem in conflicts:
        name = problem.path.rpartition("/")[2]
        mine = scan(blobs[ours[problem.path]], problem.path, name)
        other = scan(blobs[theirs[problem.path]], problem.path, name)
        if isinstance(mine, Record) and isinstance(other, Record) \
                and mine.revision == other.revision:
            problems[i] = Problem(
                "revision-id-collision",
                f"revision id {_safe(mine.revision)} ({_safe(problem.path)}) has different "
                "content on the "
                f"two sides of the merge with {source.theirs}: one id, two revisions. Give "
                f"yours a new id ({PROPER_ID_COMMAND}) in a new file",
                severity=ERROR, path=problem.path, line=mine.line, revisions=(mine.revision,))
