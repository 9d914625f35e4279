"""Turning verdicts into words (text for people, JSON for machines) and fixes.

The JSON shape is a contract (README, "JSON output"): bump SCHEMA_VERSION on any breaking change.
"""

from __future__ import annotations

import os

from hooks_manager import proc
from hooks_manager.check import ProjectReport
from hooks_manager.graph import ERROR, fork_points
from hooks_manager.sources import Commit, Index, PredictedMerge

SCHEMA_VERSION = 1


def added_by(report: ProjectReport, path: str) -> dict[str, str] | None:
    """The commit that added ``path``, asked of git only when there is a problem to explain."""
    source = report.source
    if isinstance(source, PredictedMerge):
        revs = [source.ours, source.theirs]
    elif isinstance(source, Commit):
        revs = [source.rev]
    else:
        revs = ["HEAD"]
    result = proc.run(["git", "log", "-1", "--diff-filter=A", "--format=%h%x00%an%x00%ad",
                       "--date=short", *revs, "--", path], source.root)
    if result.code or not result.out.strip():
        return None
    sha, author, date = result.out.decode(errors="replace").strip().split("\0")
    return {"commit": sha, "author": author, "date": date}


def _origin(report: ProjectReport, path: str) -> str:
    found = added_by(report, path) if _in_git(report) else None
    if found:
        return f"added in {found['commit']} by {found['author']}, {found['date']}"
    if isinstance(report.source, Index):
        return "staged, not committed yet"
    return "not committed yet" if _in_git(report) else ""


def _merging(root: str) -> bool:
    from hooks_manager.sources import in_progress

    return any(marker == "MERGE_HEAD" for marker, _, _ in in_progress(root))


def _in_git(report: ProjectReport) -> bool:
    return os.path.exists(os.path.join(report.source.root, ".git"))


def merge_commands(report: ProjectReport, several: bool) -> list[str]:
    """The exact commands that fix a fork, hookman's first and alembic's own second. A fork
    that only exists once the branch meets another (--against, pre-push's prediction) needs
    that other branch merged in first: on the branch alone there is nothing to merge."""
    import shlex

    heads = report.verdict.head_ids
    project = report.project
    target = f" -p {shlex.quote(project.name)}" if several else ""
    message = f"merge heads {' and '.join(sorted(heads))}"
    config = ""
    if project.config_path:
        config = f" -c {shlex.quote(os.path.relpath(project.config_path, report.source.root))}"
        if project.section != "alembic":
            config += f" -n {shlex.quote(project.section)}"
    alembic = f"alembic{config} merge -m {shlex.quote(message)} {' '.join(heads)}"
    if isinstance(report.source, PredictedMerge):
        # --no-verify: our own pre-merge-commit hook would (rightly) stop this forking merge.
        first = f"git merge --no-verify {shlex.quote(report.source.theirs)} && "
        return [f"{first}hookman merge{target} --commit", f"{first}{alembic}"]
    if isinstance(report.source, Commit):
        return [f"hookman merge{target} --commit", alembic]
    if isinstance(report.source, Index) and _merging(report.source.root):
        # pre-merge-commit: a merge is under way, which `hookman merge` rightly refuses to
        # touch; alembic writes the file, and committing it concludes the merge.
        return [f"{alembic}, then git add the new file and git commit (finishes the merge)",
                "git merge --abort, then merge again with --no-verify and run "
                f"hookman merge{target} --commit"]
    # A commit being made: the merge file joins it; hookman merge says what to `git add`.
    return [f"hookman merge{target}", alembic]


def render_text(reports: list[ProjectReport], quiet: bool = False) -> str:
    several = len(reports) > 1
    lines: list[str] = []
    for report in reports:
        lines += _project_text(report, several, quiet)
    return "\n".join(lines)


def _project_text(report: ProjectReport, several: bool, quiet: bool) -> list[str]:
    verdict = report.verdict
    name = report.project.name
    where = _where(report)
    if verdict.ok:
        if quiet and not verdict.problems:
            return []
        heads = ", ".join(verdict.head_ids) or "none (empty history)"
        out = [f"hookman: {name}: ok{where} — {verdict.revision_count} revisions, "
               f"head {heads}", *_dependency_note(report)]
        return out + [f"  warning: {p.message}" for p in verdict.problems]
    out = [f"hookman: {name}: {len(verdict.errors)} problem(s){where}", *_dependency_note(report)]
    for problem in verdict.problems:
        if problem.kind == "multiple-heads":
            out += _fork_text(report, several)
        else:
            label = "error" if problem.severity == ERROR else "warning"
            out.append(f"  {label} [{problem.kind}]: {problem.message}")
    return out


def _dependency_note(report: ProjectReport) -> list[str]:
    """Where depends_on changes the picture: `alembic heads --resolve-dependencies` shows
    another set than the heads `upgrade head` works from."""
    verdict = report.verdict
    if sorted(verdict.effective_heads) == sorted(verdict.head_ids):
        return []
    return [f"  note: counting depends_on too, the heads are "
            f"{', '.join(verdict.effective_heads) or 'none'} (the verdict counts down_revision "
            "only, as `alembic upgrade head` does)"]


def _where(report: ProjectReport) -> str:
    source = report.source
    if isinstance(source, PredictedMerge):
        return f" (if {_short(source.ours)} were merged with {_short(source.theirs)})"
    if isinstance(source, Commit):
        return f" (at {_short(source.rev)})"
    if isinstance(source, Index):
        return " (staged)"
    return ""


def _short(rev: str) -> str:
    # A full sha (what pre-push checks) is shown as git shows it; names stay as given.
    full = len(rev) == 40 and all(c in "0123456789abcdef" for c in rev)
    return rev[:10] if full else rev


def _fork_text(report: ProjectReport, several: bool) -> list[str]:
    verdict = report.verdict
    out = [f"  error [multiple-heads]: {len(verdict.heads)} heads — `alembic upgrade head` "
           "fails until they are merged:"]
    for rec in verdict.heads:
        origin = _origin(report, rec.path)
        out.append(f"    {rec.revision}  {rec.path}" + (f"  ({origin})" if origin else ""))
    forks = fork_points(report.records, verdict.head_ids)
    if forks:
        out.append(f"  they fork at {', '.join(forks)}")
    fix, alembic_fix = merge_commands(report, several)
    out.append(f"  fix: {fix}    (writes the merge revision with alembic)")
    out.append(f"   or: {alembic_fix}")
    return out


def render_json(reports: list[ProjectReport]) -> dict[str, object]:
    several = len(reports) > 1
    return {
        "schema": SCHEMA_VERSION,
        "ok": all(r.verdict.ok for r in reports),
        "source": reports[0].source.describe() if reports else None,
        "projects": [_project_json(r, several) for r in reports],
    }


def _project_json(report: ProjectReport, several: bool) -> dict[str, object]:
    verdict = report.verdict
    project = report.project
    root = report.source.root
    forked = verdict.forked
    return {
        "name": project.name,
        "config": os.path.relpath(project.config_path, root) if project.config_path else None,
        "section": project.section,
        "script_location": os.path.relpath(project.script_location, root),
        "version_locations": [os.path.relpath(p, root) for p in project.locations],
        "found": project.found,  # "configured", or "discovered" with no configuration
        "notes": project.notes,  # how a discovered project's paths were taken
        "ok": verdict.ok,
        "revisions": verdict.revision_count,
        "heads": [{"revision": r.revision, "path": r.path, "branch_labels":
                   sorted(verdict.labels_of.get(r.revision, ())),
                   "added_by": added_by(report, r.path) if forked and _in_git(report) else None}
                  for r in verdict.heads],
        "effective_heads": verdict.effective_heads,
        "bases": verdict.bases,
        "problems": [p.as_json() for p in verdict.problems],
        "fix": merge_commands(report, several) if forked else [],
    }
