"""The check: for each project, read its files from a source, scan them, judge the graph."""

from __future__ import annotations

from hooks_manager.cache import ScanCache
from hooks_manager.config import Project, Settings
from hooks_manager.graph import Problem, Record, Verdict, analyze
from hooks_manager.scan import filename_warning, scan
from hooks_manager.sources import File, Source


class ProjectReport:
    """One project's verdict plus what it was read from."""

    __slots__ = ("project", "records", "source", "verdict")

    def __init__(
        self, project: Project, source: Source, records: list[Record], verdict: Verdict
    ) -> None:
        self.project = project
        self.source = source
        self.records = records
        self.verdict = verdict


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
    files, problems = source.files(project.locations, project.recursive)
    if not files and not problems and not project.recursive:
        problems = _hidden_histories(project, source)
    fingerprint = _fingerprint(project, files) if not problems else None
    if fingerprint is not None and all(f.known is not None for f in files):
        remembered = source.cache.recall(project.name, fingerprint)
        if remembered is not None:  # nothing changed since this history was last healthy
            remembered.revision_count = len(files)
            return ProjectReport(project, source, [f.known for f in files if f.known],
                                 remembered)
    records, file_problems, dynamic = read_records(files, source.cache)
    if dynamic and settings.static_fallback:
        from hooks_manager.alembic_loader import load_dynamic

        more, still = load_dynamic(project, source.root, dynamic)
        records += more
        file_problems += still
    elif dynamic:
        file_problems += [problem for _, problem in dynamic]
    if len(project.locations) > 1 or project.recursive:
        records = _in_load_order(records, files)
    verdict = analyze(records, project.policy)
    verdict.revision_count = len(files)
    verdict.problems.extend(problems + file_problems)
    if fingerprint is not None:
        source.cache.remember(project.name, fingerprint, verdict)
    source.cache.save()
    return ProjectReport(project, source, records, verdict)


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


def _fingerprint(project: Project, files: list[File]) -> tuple[object, ...] | None:
    """What a verdict depends on: each file's path and cache key, in load order, and the
    policy. None when a file has no key (it was not read through the cache)."""
    keys = [f.key for f in files]
    if None in keys:
        return None
    policy = project.policy
    return (tuple(f.path for f in files), tuple(keys), tuple(sorted(policy.allowed_heads)),
            policy.heads_per_branch_label, tuple(project.locations), project.recursive)


def read_records(
    files: list[File], cache: ScanCache | None = None
) -> tuple[list[Record], list[Problem], list[tuple[File, Problem]]]:
    """Records, problems, and the files whose values only running them could tell."""
    records: list[Record] = []
    problems: list[Problem] = []
    dynamic: list[tuple[File, Problem]] = []
    for file in files:
        if file.known is not None:
            records.append(file.known)
            continue
        if file.problem is not None:
            problems.append(file.problem)
            continue
        found = scan(file.data, file.path, file.filename)
        if isinstance(found, Record):
            records.append(found)
            if cache is not None and file.key is not None:
                cache.put(file.key, found)
            warning = filename_warning(found, file.filename)
            if warning is not None:
                problems.append(warning)
        elif found.kind == "not-static":
            dynamic.append((file, found))
        else:
            problems.append(found)
    return records, problems, dynamic


def _in_load_order(records: list[Record], files: list[File]) -> list[Record]:
    # Records loaded by the slow path were appended last; put every record back in file order.
    order = {file.path: i for i, file in enumerate(files)}
    return sorted(records, key=lambda r: order.get(r.path, len(order)))
