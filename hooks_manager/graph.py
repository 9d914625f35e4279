"""Pure revision-graph logic: records in, heads, bases and named problems out. No I/O.

The rules follow alembic's ``RevisionMap._revision_map`` step by step (see the comments), so the
verdict is the one ``alembic upgrade head`` would reach, but every defect alembic raises or only
warns about becomes a named problem instead of a bare exception.
"""

from __future__ import annotations

ERROR = "error"
WARNING = "warning"

# alembic's Revision.verify_rev_id refuses these characters in an id.
ILLEGAL_ID_CHARS = frozenset("@-+:")


class Record:
    """One revision file, as read from its bytes."""

    __slots__ = ("branch_labels", "depends_on", "down_revisions", "line", "path", "revision")

    # Plain slotted classes, not dataclasses: `import dataclasses` pulls in `inspect` (~10 ms),
    # which is a third of the hook's whole budget.
    def __init__(
        self,
        revision: str,
        down_revisions: tuple[str, ...],
        depends_on: tuple[str, ...] = (),
        branch_labels: tuple[str, ...] = (),
        path: str = "",
        line: int = 0,
    ) -> None:
        self.revision = revision
        self.down_revisions = down_revisions  # () for a base; ("",) stays a broken parent
        self.depends_on = depends_on
        self.branch_labels = branch_labels
        self.path = path
        self.line = line

    def __repr__(self) -> str:
        return f"Record({self.revision!r}, {self.down_revisions!r}, path={self.path!r})"


class Problem:
    """A defect with a stable ``kind`` (part of the JSON contract) and a sentence for people."""

    __slots__ = ("kind", "line", "message", "path", "revisions", "severity")

    def __init__(
        self,
        kind: str,
        message: str,
        severity: str = ERROR,
        path: str = "",
        line: int = 0,
        revisions: tuple[str, ...] = (),
    ) -> None:
        self.kind = kind
        self.message = message
        self.severity = severity
        self.path = path
        self.line = line
        self.revisions = revisions

    def __repr__(self) -> str:
        return f"Problem({self.kind!r}, {self.message!r})"

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "severity": self.severity, "message": self.message,
                "path": self.path or None, "line": self.line or None,
                "revisions": list(self.revisions)}


class Policy:
    """What a project allows beyond a single head."""

    __slots__ = ("allowed_heads", "heads_per_branch_label")

    def __init__(
        self, allowed_heads: frozenset[str] = frozenset(), heads_per_branch_label: bool = False
    ) -> None:
        self.allowed_heads = allowed_heads
        self.heads_per_branch_label = heads_per_branch_label


class Verdict:
    """The state of one history: heads as ``upgrade head`` sees them, and every problem."""

    __slots__ = ("bases", "effective_heads", "heads", "labels_of", "problems", "revision_count")

    def __init__(self, revision_count: int = 0) -> None:
        self.heads: list[Record] = []
        self.effective_heads: list[str] = []  # heads once depends_on counts too
        self.bases: list[str] = []
        self.problems: list[Problem] = []
        self.revision_count = revision_count
        self.labels_of: dict[str, frozenset[str]] = {}

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def head_ids(self) -> list[str]:
        return [r.revision for r in self.heads]

    @property
    def forked(self) -> bool:
        return any(p.kind == "multiple-heads" for p in self.problems)

    @property
    def fork_heads(self) -> list[str]:
        """The heads that make the fork: under a head policy, only those that break it."""
        for problem in self.problems:
            if problem.kind == "multiple-heads":
                return list(problem.revisions)
        return []

    @property
    def heads_meaningful(self) -> bool:
        """False when a problem makes the heads an artefact of the damage (a parent no file
        has, a loop): merging such heads fixes nothing, so no merge may be offered."""
        return not any(p.kind in _HEADS_BREAKERS and p.severity == ERROR
                       for p in self.problems)


# A revision hookman could not place (its parent is missing, it is in a loop, its file or its
# folder could not be read at all) leaves its parent looking like a head.
_HEADS_BREAKERS = frozenset({"missing-parent", "cycle", "dependency-cycle", "unparseable-file",
                             "not-static", "missing-down-revision", "missing-revision",
                             "unreadable-file", "unreadable-folder"})


def analyze(records: list[Record], policy: Policy | None = None) -> Verdict:
    """Build alembic's view of ``records`` (in alembic's load order) and name what is wrong."""
    verdict = Verdict(revision_count=len(records))
    records = _accept_empty_bases(records, verdict.problems)
    records = _drop_invalid(records, verdict.problems)
    by_id = _map_revisions(records, verdict.problems)
    by_name = dict(by_id)
    _map_branch_labels(records, by_name, verdict.problems)
    deps = _resolve_dependencies(records, by_name, verdict.problems)
    head_idx, real_head_ids, children = _link(records, by_id, by_name, deps, verdict.problems)
    verdict.heads = [records[i] for i in head_idx]
    verdict.effective_heads = real_head_ids
    verdict.bases = [r.revision for r in records if not r.down_revisions]
    # A parent no file has stops alembic before its cycle check; a parent named by a branch
    # label does not (the label resolves while linking), so cycles are still looked for.
    if not any(p.kind == "missing-parent" and p.revisions[-1] not in by_name
               for p in verdict.problems):
        _detect_cycles(records, by_id, by_name, head_idx, deps, children, verdict.problems)
    verdict.labels_of = _labels_of(records, by_id, children)
    shadow = {id(records[i]) for i in _shadow_heads(records, by_id, head_idx)}
    _judge_heads(verdict, policy or Policy(), shadow)
    return verdict


def _shadow_heads(records: list[Record], by_id: dict[str, int], head_idx: list[int]
                  ) -> set[int]:
    """Heads that exist only because an id is duplicated: the file alembic drops, and a parent
    only that file named. alembic lists them as heads; hookman names the duplicate instead,
    because merging them would be the wrong fix."""
    if len(by_id) == len(records):
        return set()  # no duplicate: the usual case, in one comparison
    kept = set(by_id.values())
    lost = [i for i in range(len(records)) if i not in kept]
    orphaned = {by_id[d] for i in lost for d in records[i].down_revisions if d in by_id}
    return {i for i in head_idx if i not in kept or i in orphaned}


def _accept_empty_bases(records: list[Record], problems: list[Problem]) -> list[Record]:
    """`down_revision = ""` on a first revision: alembic up to 1.12.0 took it as a base;
    1.12.1 began passing down_revision through to_tuple in Revision.__init__, so "" became a
    parent no file has (KeyError). Real histories carried it for years: a base, and a warning."""
    if not any(r.down_revisions == ("",) for r in records):
        return records
    out = []
    for rec in records:
        if rec.down_revisions == ("",):
            problems.append(Problem(
                "empty-down-revision", f"{rec.path}:{rec.line}: `down_revision = \"\"` is read "
                f"as a base; alembic 1.12.0 and older accept it, 1.12.1 and newer fail with "
                f"KeyError: '' (write `down_revision = None`)", severity=WARNING,
                path=rec.path, line=rec.line, revisions=(rec.revision,)))
            rec = Record(rec.revision, (), rec.depends_on, rec.branch_labels, rec.path, rec.line)
        out.append(rec)
    return out


def _drop_invalid(records: list[Record], problems: list[Problem]) -> list[Record]:
    """Revisions alembic refuses to even construct (Revision.__init__ raises for these). A
    revision that names itself stays in the graph without the self-reference, so its parents
    and children are judged as they are, and the loop is named on its own."""
    joined = "\0".join(r.revision for r in records)
    if not any(c in joined for c in ILLEGAL_ID_CHARS) and not any(
            r.revision in r.down_revisions or r.revision in r.depends_on for r in records):
        return records  # the usual case, in one pass
    kept = []
    for rec in records:
        bad = sorted(ILLEGAL_ID_CHARS.intersection(rec.revision))
        if bad:
            problems.append(_p("illegal-revision-id", rec, f"revision id {rec.revision!r} "
                               f"contains {', '.join(bad)}, which alembic does not allow"))
            continue
        if rec.revision in rec.down_revisions:
            problems.append(_p("cycle", rec, f"revision {rec.revision} names itself as its "
                               "down_revision (alembic: LoopDetected, \"Self-loop is "
                               "detected\"); remove it from down_revision"))
        elif rec.revision in rec.depends_on:
            problems.append(_p("dependency-cycle", rec, f"revision {rec.revision} depends on "
                               "itself (alembic: DependencyLoopDetected); remove it from "
                               "depends_on"))
        if rec.revision in rec.down_revisions or rec.revision in rec.depends_on:
            rec = Record(rec.revision, tuple(d for d in rec.down_revisions if d != rec.revision),
                         tuple(d for d in rec.depends_on if d != rec.revision),
                         rec.branch_labels, rec.path, rec.line)
        kept.append(rec)
    return kept


def _map_revisions(records: list[Record], problems: list[Problem]) -> dict[str, int]:
    """Id -> index of the file alembic keeps: a later duplicate silently replaces the earlier."""
    by_id: dict[str, int] = {}
    for i, rec in enumerate(records):
        if rec.revision in by_id:
            first = records[by_id[rec.revision]]
            problems.append(Problem(
                "duplicate-revision",
                f"revision id {rec.revision} is used by two files: {first.path} and {rec.path}; "
                "alembic only warns and silently keeps the second",
                path=rec.path, line=rec.line, revisions=(rec.revision,)))
        by_id[rec.revision] = i
    return by_id


def _map_branch_labels(
    records: list[Record], by_name: dict[str, int], problems: list[Problem]
) -> None:
    for i, rec in enumerate(records):
        for label in rec.branch_labels:
            if label in by_name:
                other = records[by_name[label]]
                problems.append(_p("duplicate-branch-label", rec,
                                   f"branch label {label!r} of revision {rec.revision} is "
                                   f"already used by revision {other.revision} ({other.path})"))
                continue
            by_name[label] = i


def _resolve_dependencies(
    records: list[Record], by_name: dict[str, int], problems: list[Problem]
) -> list[tuple[str, ...]]:
    """depends_on may name revisions or branch labels; alembic resolves both to revision ids."""
    resolved = []
    for rec in records:
        ids = []
        for dep in rec.depends_on:
            if dep in by_name:
                ids.append(records[by_name[dep]].revision)
            else:
                problems.append(_p("missing-parent", rec, f"revision {rec.revision} depends on "
                                   f"{dep!r}, which is not present", revisions=(rec.revision, dep)))
        resolved.append(tuple(ids))
    return resolved


def _link(
    records: list[Record],
    by_id: dict[str, int],
    by_name: dict[str, int],
    deps: list[tuple[str, ...]],
    problems: list[Problem],
) -> tuple[list[int], list[str], dict[int, set[int]]]:
    """Wire parents to children; heads are what no kept file names as a down_revision."""
    heads = dict.fromkeys(range(len(records)))  # an ordered set of record indexes
    real_heads = dict.fromkeys(range(len(records)))
    children: dict[int, set[int]] = {}
    # Only the kept file of a duplicated id is linked (alembic iterates its map's values).
    for i in by_id.values():
        rec = records[i]
        extra = deps[i]
        downs = rec.down_revisions
        if extra or len(downs) > 1:
            downs = tuple(dict.fromkeys(downs + extra))  # alembic's dedupe_tuple
        for down in downs:
            if down not in by_name:
                problems.append(_p("missing-parent", rec, f"revision {rec.revision} names "
                                   f"{down!r} as its parent, but no file has that revision",
                                   revisions=(rec.revision, down)))
                continue
            if down not in by_id and down in rec.down_revisions:
                # alembic links a branch label here, then walks ids only and fails (KeyError,
                # or "broken map"): down_revision must hold revision ids.
                problems.append(_p("missing-parent", rec, f"revision {rec.revision} names "
                                   f"branch label {down!r} as its down_revision; alembic only "
                                   "accepts revision ids there (depends_on may use labels)",
                                   revisions=(rec.revision, down)))
            parent = by_name[down]
            children.setdefault(parent, set()).add(i)
            if down in rec.down_revisions:
                heads.pop(parent, None)
            real_heads.pop(parent, None)
    real_ids = [records[i].revision for i in real_heads]
    return list(heads), real_ids, children


def _detect_cycles(
    records: list[Record],
    by_id: dict[str, int],
    by_name: dict[str, int],
    head_idx: list[int],
    deps: list[tuple[str, ...]],
    children: dict[int, set[int]],
    problems: list[Problem],
) -> None:
    """alembic's _detect_cycles: every revision must lie between a base and a head, first
    along down_revision alone, then along depends_on too."""
    if not records:
        return
    ups = [[by_name[d] for d in r.down_revisions if d in by_name] for r in records]
    # alembic's nextrev: children that name the parent in down_revision (not depends_on).
    with_deps = any(deps)
    downs = [[c for c in children.get(p, ()) if records[p].revision in records[c].down_revisions]
             if with_deps else list(children.get(p, ())) for p in range(len(records))]
    bases = [i for i, r in enumerate(records) if not r.down_revisions]
    stranded = set(by_id) - _ids(records, _reach(head_idx, ups) & _reach(bases, downs))
    if not head_idx or not bases or stranded:
        problems.append(_cycle("cycle", "down_revision", stranded or set(by_id)))
        return
    if not with_deps:
        return  # no depends_on anywhere: the second pass would walk the same graph
    all_ups = [ups[i] + [by_id[d] for d in deps[i] if d in by_id] for i in range(len(records))]
    all_downs = [list(children.get(i, ())) for i in range(len(records))]
    real_bases = [i for i in bases if not records[i].depends_on]
    real_heads = [i for i in range(len(records)) if not children.get(i)]
    stranded = set(by_id) - _ids(records, _reach(real_heads, all_ups)
                                 & _reach(real_bases, all_downs))
    if not real_heads or not real_bases or stranded:
        problems.append(_cycle("dependency-cycle", "depends_on", stranded or set(by_id)))


def _reach(start: list[int], edges: list[list[int]]) -> set[int]:
    seen: set[int] = set()
    todo = list(start)
    while todo:
        i = todo.pop()
        if i not in seen:
            seen.add(i)
            todo.extend(edges[i])
    return seen


def _ids(records: list[Record], indexes: set[int]) -> set[str]:
    return {records[i].revision for i in indexes}


def _cycle(kind: str, via: str, ids: set[str]) -> Problem:
    names = sorted(ids)
    return Problem(kind, f"revisions {', '.join(names)} form a cycle through {via}; "
                   "alembic refuses to load this history", revisions=tuple(names))


def _labels_of(
    records: list[Record], by_id: dict[str, int], children: dict[int, set[int]]
) -> dict[str, frozenset[str]]:
    """Each revision's branch labels, inherited by its descendants along down_revision only
    (alembic's _map_branch_labels walks _versioned_down_revisions, not depends_on)."""
    labels: dict[int, set[str]] = {}
    down_children = {p: {c for c in kids if records[p].revision in records[c].down_revisions}
                     for p, kids in children.items()}
    for i in by_id.values():
        if records[i].branch_labels:
            for j in _descendants(i, down_children):
                labels.setdefault(j, set()).update(records[i].branch_labels)
    return {records[i].revision: frozenset(v) for i, v in labels.items()}


def _descendants(start: int, children: dict[int, set[int]]) -> set[int]:
    seen: set[int] = set()
    todo = [start]
    while todo:
        i = todo.pop()
        if i not in seen:
            seen.add(i)
            todo.extend(children.get(i, ()))
    return seen


def _judge_heads(verdict: Verdict, policy: Policy,
                 shadow: set[int] | frozenset[int] = frozenset()) -> None:
    heads = [r for r in verdict.heads
             if r.revision not in policy.allowed_heads and id(r) not in shadow]
    if policy.heads_per_branch_label:
        heads = _heads_sharing_a_line(heads, verdict.labels_of)
    if len(heads) < 2:
        return
    ids = tuple(r.revision for r in heads)
    files = ", ".join(f"{r.revision} ({r.path})" for r in heads)
    verdict.problems.insert(0, Problem(
        "multiple-heads",
        f"{len(heads)} heads: {files}; `alembic upgrade head` fails until they are merged",
        revisions=ids))


def _heads_sharing_a_line(
    heads: list[Record], labels_of: dict[str, frozenset[str]]
) -> list[Record]:
    """With one head allowed per branch label, only heads that share a label (or have none)
    still count as a fork."""
    by_label: dict[frozenset[str], list[Record]] = {}
    for rec in heads:
        by_label.setdefault(labels_of.get(rec.revision, frozenset()), []).append(rec)
    return [r for group in by_label.values() if len(group) > 1 for r in group]


def _p(kind: str, rec: Record, message: str, revisions: tuple[str, ...] = ()) -> Problem:
    return Problem(kind, message, path=rec.path, line=rec.line,
                   revisions=revisions or (rec.revision,))


def ancestors(parents: dict[str, tuple[str, ...]], rev: str) -> set[str]:
    """Every revision ``rev`` descends from, following ``parents`` (id -> down_revisions)."""
    seen: set[str] = set()
    todo = list(parents.get(rev, ()))
    while todo:
        cur = todo.pop()
        if cur not in seen:
            seen.add(cur)
            todo.extend(parents.get(cur, ()))
    return seen


def fork_points(records: list[Record], head_ids: list[str]) -> list[str]:
    """The newest revisions every head descends from: where the history forked."""
    if len(head_ids) < 2:
        return []
    parents = {r.revision: r.down_revisions for r in records}
    common = set.intersection(*(ancestors(parents, h) for h in head_ids))
    # Everything older than some common revision, in one walk (not one walk per revision,
    # which made a blocked commit quadratic in the history's length).
    older: set[str] = set()
    todo = [p for c in common for p in parents.get(c, ())]
    while todo:
        cur = todo.pop()
        if cur not in older:
            older.add(cur)
            todo.extend(parents.get(cur, ()))
    return sorted(common - older)


_FORKS: dict[int, tuple[list[Record], tuple[str, ...], list[str], dict[str, list[str]]]] = {}


def fork_facts(records: list[Record], head_ids: list[str]
               ) -> tuple[list[str], dict[str, list[str]]]:
    """(fork_points, since_fork) of ``records`` and ``head_ids``, worked out once per list of
    records: the check (numbered ids taken twice), the report and the picture all ask, and
    each walks the whole history. The lists returned are shared: read them, never change."""
    key = tuple(head_ids)
    hit = _FORKS.get(id(records))
    if hit is not None and hit[0] is records and hit[1] == key:
        return hit[2], hit[3]
    forks = fork_points(records, head_ids)
    lines = since_fork(records, head_ids) if len(head_ids) > 1 else {}
    _FORKS[id(records)] = (records, key, forks, lines)  # holds the list: its id stays its own
    return forks, lines


def since_fork(records: list[Record], head_ids: list[str]) -> dict[str, list[str]]:
    """Each head's own line: the revisions (itself included) that not every head shares,
    oldest first. What each branch added since the history forked."""
    parents = {r.revision: r.down_revisions for r in records}

    def line(head: str) -> list[str]:
        order: list[str] = []  # post-order from the head: parents before children
        seen: set[str] = set()
        todo: list[tuple[str, bool]] = [(head, False)]
        while todo:
            rev, done = todo.pop()
            if done:
                order.append(rev)
            elif rev not in seen:
                seen.add(rev)
                todo.append((rev, True))
                todo.extend((p, False) for p in parents.get(rev, ()) if p in parents)
        return order

    lines = {h: line(h) for h in head_ids}
    shared = set.intersection(*(set(v) for v in lines.values())) if lines else set()
    return {h: [r for r in v if r not in shared] for h, v in lines.items()}


def merge_rev_id(heads: list[str]) -> str:
    """The id of the merge of ``heads``: sha1 of the sorted ids, 12 hex characters. Two people
    who fix the same fork write the same revision (and file name), so their fixes coincide or
    collide visibly in git instead of leaving two merges and a new fork."""
    from hooks_manager.digest import hexdigest

    return hexdigest(" ".join(sorted(heads)).encode())[:12]


def default_message(heads: list[str]) -> str:
    ids = sorted(heads)
    named = ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} and {ids[-1]}"
    return f"merge heads {named}"
