"""The check: for each project, read its files from a source, scan them, judge the graph."""

from __future__ import annotations

import marshal

from hooks_manager.cache import Fingerprint, Key, ScanCache, Weak
from hooks_manager.config import Project, Settings
from hooks_manager.graph import ERROR, WARNING, Problem, Record, Verdict, analyze
from hooks_manager.sources import File, Source

_EXPLAINED = frozenset({"duplicate-revision", "merge-conflict", "multiple-heads"})
TYPE_CHECKING = False  # `typing` costs ms on the hook path
if TYPE_CHECKING:
    import warnings


class ProjectReport:
    """One project's verdict plus what it was read from. A verdict recalled from the cache
    comes without its records: they are read only if something asks for them (a healthy
    history is printed from its heads alone)."""

    __slots__ = ("_fingerprint", "_listing", "_records", "_weak", "project", "source",
                 "verdict")

    def __init__(
        self,
        project: Project,
        source: Source,
        records: list[Record] | None,
        verdict: Verdict,
        listing: list[tuple[str, Key]] | None = None,
        weak: list[Weak] | None = None,
        fingerprint: Fingerprint | None = None,
    ) -> None:
        self.project = project
        self.source = source
        self._records = records
        self._listing = listing  # what to read the records from, when they are None
        self._weak = weak
        self._fingerprint = fingerprint  # the remembered verdict this one is, if any
        self.verdict = verdict

    @property
    def records(self) -> list[Record]:
        if self._records is None:
            # Every file of a recalled verdict was clean when it was remembered, so reading
            # them again yields exactly those records (from the cache, or parsed anew).
            files = self.source.files_of(self._listing or [])
            self._records = read_records(files, self.source.cache)[0]
            self.source.cache.save()
        return self._records

    @property
    def weak(self) -> list[Weak]:
        """Every revision whose id looks typed by hand: (revision, path, line, why)."""
        if self._weak is None:
            from hooks_manager.hygiene import weak_ids

            self._weak = weak_ids(self.records, self.source.cache)
            if self._fingerprint is not None:
                self.source.cache.remember_weak(self.project.name, self._fingerprint, self._weak)
            self.source.cache.save()
        return self._weak


def check_projects(
    projects: list[Project], source: Source, settings: Settings
) -> list[ProjectReport]:
    return [check_project(project, source, settings) for project in projects]


def check_project(project: Project, source: Source, settings: Settings) -> ProjectReport:
    if project.error is not None:  # found but not understood: named, never passed
        message, fix = project.error
        verdict = Verdict()
        verdict.problems.append(Problem("unresolved-config", f"{message} (fix: {fix})",
                                        path=source.show(project.config_path
                                                         or project.toml_path or source.root)))
        return ProjectReport(project, source, [], verdict)
    # First the files' names and keys alone: when they are exactly those of the last verdict
    # that had nothing to say, that verdict stands, and not one file is read or record built.
    listing = source.listing(project.locations, project.recursive)
    fingerprint: Fingerprint | None = None
    problems: list[Problem] = []
    if listing:
        fingerprint = _fingerprint(project, listing)
        recalled = source.cache.recall(project.name, fingerprint, listing)
        if recalled is not None:  # nothing changed since
            return ProjectReport(project, source, None, recalled.verdict, listing,
                                 recalled.weak, fingerprint)
        files = source.files_of(listing)
    else:
        files, problems = source.files(project.locations, project.recursive)
    if not files and not problems and not project.recursive:
        problems = _hidden_histories(project, source)
    records, file_problems, dynamic = read_records(files, source.cache,
                                                   settings.static_fallback)
    if dynamic and settings.static_fallback:
        from hooks_manager.alembic_loader import load_dynamic

        more, still = load_dynamic(project, source.root, dynamic)
        records += more
        file_problems += still
    elif dynamic:
        file_problems += [problem for _, problem in dynamic]
    if any(p.kind == "unparseable-file" and p.revisions for p in file_problems):
        from hooks_manager.pyera import soften

        soften(file_problems, project, source)
    if len(project.locations) > 1 or project.recursive:
        records = _in_load_order(records, files)
    verdict = analyze(records, project.policy)
    verdict.revision_count = len(files)
    verdict.problems.extend(problems + file_problems)
    _unknown_labels_leave_names_unchecked(verdict, records, file_problems)
    if any(p.kind in _EXPLAINED for p in verdict.problems):
        from hooks_manager.hygiene import explain_problems  # names duplicates for what they are

        explain_problems(project, source, records, verdict)
    # Remembered only when every record is one a plain read gives back (a file run through
    # alembic has none in the cache): a recalled report reads its records that way.
    if fingerprint is not None and not verdict.problems and not dynamic:
        source.cache.remember(project.name, fingerprint, verdict)
    else:
        fingerprint = None
    source.cache.save()
    return ProjectReport(project, source, records, verdict, fingerprint=fingerprint)


def _unknown_labels_leave_names_unchecked(
    verdict: Verdict, records: list[Record], file_problems: list[Problem]
) -> None:
    """A name no revision has may be one of the branch labels a file computes: that is not a
    missing parent hookman can vouch for, so it is said as "not checked", not as an error."""
    computed = [p for p in file_problems if p.kind == "not-static" and p.severity != ERROR
                and "`branch_labels`" in p.message]
    if not computed:
        return
    ids = {r.revision for r in records} | {label for r in records for label in r.branch_labels}
    for problem in verdict.problems:
        if problem.kind == "missing-parent" and problem.revisions[-1:] and (
                problem.revisions[-1] not in ids):
            problem.severity = WARNING
            problem.message += (f"; not checked: it may be a branch label computed in "
                                f"{computed[0].path} (see the warning there)")


def _hidden_histories(project: Project, source: Source) -> list[Problem]:
    """An empty history whose version folders hold revision files one level down (Prefect
    picks versions/postgresql or versions/sqlite in env.py): alembic as configured would see
    none of them, and neither would hookman, so "0 revisions" would check nothing."""
    folders = source.revision_folders_below(project.locations)
    if not folders:
        return []
    shown = ", ".join(folders)
    return [Problem(
        "revisions-in-subfolders",
        f"no revision in {', '.join(source.show(loc) for loc in project.locations)}, but "
        f"revision files sit in {shown} (picked in code, as env.py may do): nothing was "
        "checked. Fix: list each folder as its own project, `hookman install` offers to "
        "write the entries ([[tool.hookman.projects]] with version_locations), or set "
        "recursive_version_locations = true if they are one history",
        path=folders[0])]


def _fingerprint(project: Project, listing: list[tuple[str, Key]]) -> Fingerprint:
    """What a verdict depends on: each file's path and cache key, in load order, and the
    policy. Kept as marshal's bytes: the cache compares one string instead of loading and
    comparing a thousand tuples (equal bytes are equal values; the same values built the same
    way give the same bytes, and if they ever did not, the verdict is only worked out again)."""
    policy = project.policy
    return marshal.dumps((tuple(listing), tuple(sorted(policy.allowed_heads)),
                          policy.heads_per_branch_label, tuple(project.locations),
                          project.recursive))


def read_records(
    files: list[File], cache: ScanCache | None = None, fallback: bool = False
) -> tuple[list[Record], list[Problem], list[tuple[File, Problem]]]:
    """Records, problems, and the files whose values only running them could tell (with
    ``fallback``, every file with a computed value; without, only those that yield no record:
    the others keep their place with the literal values, the rest named in a warning)."""
    records: list[Record] = []
    problems: list[Problem] = []
    dynamic: list[tuple[File, Problem]] = []
    unseen = [file for file in files if file.known is None and file.problem is None]
    quiet = _quiet_compiler() if unseen else None
    try:
        fresh: dict[int, tuple[Record | None, list[Problem]]] = {}
        if unseen:  # the scanner loads only when a file is read (a warm commit reads none)
            from hooks_manager.scan import read_many

            fresh = dict(zip((id(f) for f in unseen), read_many(
                [(f.data, f.path, f.filename) for f in unseen]), strict=True))
        for file in files:
            if file.known is not None:
                records.append(file.known)
                # A remembered record still gets the name checks a fresh scan gets: the
                # verdict must not depend on whether the cache was warm.
                warning = _filename_warning(file.known, file.filename)
                if warning is not None:
                    problems.append(warning)
                continue
            if file.problem is not None:
                problems.append(file.problem)
                continue
            found, found_problems = fresh[id(file)]
            static = [p for p in found_problems if p.kind == "not-static"]
            if static and (found is None or fallback):
                dynamic.append((file, static[0]))
                continue
            problems += found_problems
            if found is None:
                continue
            records.append(found)
            if cache is not None and file.key is not None and not found_problems:
                cache.put(file.key, found)  # only clean records: problems are worked out afresh
            warning = _filename_warning(found, file.filename)
            if warning is not None:
                problems.append(warning)
    finally:
        if quiet is not None:
            quiet.__exit__(None, None, None)
    return records, problems, dynamic


def _filename_warning(rec: Record, filename: str) -> Problem | None:
    """alembic's file_template puts the id first ("<rev>_<slug>.py"); a file whose name starts
    with another id is confusing when two files are compared by name."""
    stem = filename[:-3]
    if rec.revision in stem:
        return None
    head = stem.split("_", 1)[0]
    if len(head) >= 8 and all(c in "0123456789abcdef" for c in head):
        return Problem("filename-mismatch", f"{rec.path}: the file name starts with {head} but "
                       f"its revision id is {rec.revision}", severity=WARNING, path=rec.path,
                       line=rec.line, revisions=(rec.revision,))
    return None


def _quiet_compiler() -> warnings.catch_warnings[None]:
    """compile() prints SyntaxWarnings ("is" with a literal, bad escapes) to stderr; they are
    the project's style, not hookman's findings, and must not litter every commit."""
    import warnings

    context: warnings.catch_warnings[None] = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("ignore")
    return context


def _in_load_order(records: list[Record], files: list[File]) -> list[Record]:
    # Records loaded by the slow path were appended last; put every record back in file order.
    order = {file.path: i for i, file in enumerate(files)}
    return sorted(records, key=lambda r: order.get(r.path, len(order)))
