"""Turning verdicts into words (text for people, JSON for machines) and fixes.

The JSON shape is a contract (README, "JSON output"): bump SCHEMA_VERSION on any breaking change.
Additions that leave every existing field as it was (`fix_argv`, `edit_instead` next to
`fix`) keep the version: a schema-1 reader still finds what it read before.
"""

from __future__ import annotations

import os

from hooks_manager import repo
from hooks_manager.check import ProjectReport
from hooks_manager.graph import ERROR, Problem, fork_facts, merge_rev_id
from hooks_manager.sources import Commit, Index, PredictedMerge
from hooks_manager.textsafe import shown

TYPE_CHECKING = False  # `typing` costs ms on the hook path
if TYPE_CHECKING:
    from hooks_manager.fixcmd import Fix

SCHEMA_VERSION = 1


def added_by(report: ProjectReport, paths: list[str]) -> dict[str, dict[str, str] | None]:
    """The commit that added each of ``paths``, asked of git only when there is a problem
    to explain (one git process a path, side by side)."""
    source = report.source
    if isinstance(source, PredictedMerge):
        revs = [source.ours, source.theirs]
    elif isinstance(source, Commit):
        revs = [source.rev]
    else:
        revs = ["HEAD"]
    found = repo.added_in_each(source.root, revs, paths, "%h%x00%an%x00%ad", date="short")
    out: dict[str, dict[str, str] | None] = {}
    for path, said in zip(paths, found, strict=True):
        if said is None:
            out[path] = None
            continue
        sha, author, date = said.split("\0")
        out[path] = {"commit": sha, "author": author, "date": date}
    return out


def _origins(report: ProjectReport, paths: list[str]) -> dict[str, str]:
    in_git = _in_git(report)
    found = added_by(report, paths) if in_git else {}
    origins = {}
    for path in paths:
        added = found.get(path)
        if added:
            origins[path] = f"added in {added['commit']} by {added['author']}, {added['date']}"
        elif isinstance(report.source, Index):
            origins[path] = "staged, not committed yet"
        else:
            origins[path] = "not committed yet" if in_git else ""
    return origins


def _in_git(report: ProjectReport) -> bool:
    return repo.is_work_tree(report.source.root)


def merge_commands(
    report: ProjectReport, several: bool, merging: bool | None = None
) -> list[Fix]:
    """The exact commands that fix a fork, hookman's first and alembic's own second, each
    runnable from the repository root in the state it is printed in. A fork that only
    exists once the branch meets another (--against, pre-push's prediction) needs that
    other branch merged in first: on the branch alone there is nothing to merge.
    ``merging``: a merge is under way (None: ask git; pre-merge-commit runs before git
    writes MERGE_HEAD, so that hook says so itself)."""
    from hooks_manager import fixcmd  # only a fork has commands to print
    from hooks_manager.fixcmd import Fix

    heads = sorted(report.verdict.fork_heads or report.verdict.head_ids)
    project = report.project
    root = report.source.root
    # One argument (`--project=NAME`): a name that starts with "-" stays a value.
    target = [f"--project={project.name}"] if several else []
    message = f"merge heads {' and '.join(heads)}"
    options: list[str] = []
    home = project.toml_path
    if project.config_path:
        home = project.config_path
        options = ["-c", os.path.basename(project.config_path)]
        if project.section != "alembic":
            options += ["-n", project.section]
    # alembic resolves a relative script_location from the folder it runs in: run it in the
    # configuration file's folder, as hookman's own merge does. --rev-id: the id hookman
    # derives, so both lines write the same revision.
    folder = os.path.relpath(os.path.dirname(home), root).replace(os.sep, "/") if home else "."
    alembic = fixcmd.run("alembic", *options, "merge", "-m", message,
                         "--rev-id", merge_rev_id(heads), *fixcmd.positional(heads),
                         cwd=folder)
    hookman = fixcmd.run("hookman", "merge", *target, "--commit")
    if isinstance(report.source, PredictedMerge):
        # --no-verify: our own pre-merge-commit hook would (rightly) stop this forking merge.
        unrelated = ["--allow-unrelated-histories"] if report.source.unrelated else []
        first = fixcmd.run("git", "merge", "--no-verify", *unrelated, *fixcmd.positional(
            [report.source.theirs]))
        return [Fix([first, hookman]),
                Fix([first, alembic], "then git add the file alembic names and commit it")]
    if isinstance(report.source, Commit):
        return [Fix([hookman]), Fix([alembic], "then git add the file alembic names and "
                                               "commit it")]
    if merging is None:
        merging = repo.merging(root)
    if isinstance(report.source, Index) and merging:
        # pre-merge-commit (or the commit that concludes a merge): `hookman merge --commit`
        # adds the merge revision to the merge under way and concludes it.
        return [Fix([hookman], "concludes the merge under way"),
                Fix([alembic], "then git add the file alembic names and git commit --no-edit "
                               "(concludes the merge)")]
    # A commit being made: the merge file joins it; hookman merge says what to `git add`.
    return [Fix([fixcmd.run("hookman", "merge", *target)]),
            Fix([alembic], "then git add the file alembic names")]


# What to edit when no command can fix the history: a merge revision joins heads, it does
# not repair a file, and `hookman merge` refuses while any of these is present.
EDIT_INSTEAD = {
    "duplicate-revision": "two files declare the same revision id: give one of them a new "
                          "id (its `revision =` line, and the down_revision of any revision "
                          "that points at it), or delete the file that is a copy",
    "missing-parent": "a revision names a parent no file declares: correct its "
                      "down_revision (or depends_on), or add the missing revision (it may "
                      "be on a branch not merged yet: fetch and merge it)",
    "cycle": "the revisions form a cycle: edit the down_revision of one of them to break it",
    "dependency-cycle": "the revisions form a cycle through depends_on: edit the depends_on "
                        "of one of them to break it",
}


def edit_instead(report: ProjectReport) -> list[str]:
    """Lines saying what to edit, one per kind of error that no command fixes."""
    # Only the defects a merge revision cannot repair; every other error names its own fix
    # (a stale head file, a syntax error) and does not stand in the way of the merge.
    kinds = sorted({p.kind for p in report.verdict.errors if p.kind in EDIT_INSTEAD})
    return [EDIT_INSTEAD[kind] for kind in kinds]


def render_text(
    reports: list[ProjectReport], quiet: bool = False, merging: bool | None = None
) -> str:
    several = len(reports) > 1
    lines: list[str] = []
    for report in reports:
        lines += _project_text(report, several, quiet, merging)
    return "\n".join(lines)


def _project_text(
    report: ProjectReport, several: bool, quiet: bool, merging: bool | None = None
) -> list[str]:
    # Every value below comes from the repository's bytes: `shown` keeps each on its own line
    # and keeps escape bytes off the terminal.
    verdict = report.verdict
    name = shown(report.project.name)
    where = shown(_where(report))
    if verdict.ok:
        if quiet and not verdict.problems:
            return []
        heads = ", ".join(map(shown, verdict.head_ids)) or "none (empty history)"
        out = [f"hookman: {name}: ok{where} — {verdict.revision_count} revisions, "
               f"head {heads}", *_dependency_note(report)]
        return out + [f"  warning: {shown(p.message)}"
                      for p in (*verdict.problems, *_weak_ids(report, quiet))]
    out = [f"hookman: {name}: {len(verdict.errors)} problem(s){where}", *_dependency_note(report)]
    for problem in verdict.problems:
        if problem.kind == "multiple-heads":
            out += _fork_text(report, several, merging)
        else:
            label = "error" if problem.severity == ERROR else "warning"
            out.append(f"  {label} [{problem.kind}]: {shown(problem.message)}")
    if not verdict.forked:
        out += [f"  no command fixes this; edit instead: {line}"
                for line in edit_instead(report)]
    return out + [f"  warning [{p.kind}]: {shown(p.message)}" for p in _weak_ids(report, quiet)]


def _weak_ids(report: ProjectReport, quiet: bool = False) -> list[Problem]:
    """Hand-typed ids (a1b2c3d4e5f6): `hookman check` names every one; a block message (quiet)
    only those on the lines since the fork, the ones the person stopped is adding. The healthy
    hook says nothing."""
    if quiet and not report.verdict.forked:
        return []
    found = report.weak
    if quiet:
        from hooks_manager.explain import fork_facts

        new = {r for line in fork_facts(report)[2].values() for r in line}
        found = [weak for weak in found if weak[0] in new]
    if not found:
        return []
    from hooks_manager.hygiene import weak_id_problems

    return weak_id_problems(found)


def _dependency_note(report: ProjectReport) -> list[str]:
    """Where depends_on changes the picture: `alembic heads --resolve-dependencies` shows
    another set than the heads `upgrade head` works from."""
    verdict = report.verdict
    if sorted(verdict.effective_heads) == sorted(verdict.head_ids):
        return []
    return [f"  note: counting depends_on too, the heads are "
            f"{', '.join(map(shown, verdict.effective_heads)) or 'none'} (the verdict counts "
            "down_revision only, as `alembic upgrade head` does)"]


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


def _fork_text(report: ProjectReport, several: bool, merging: bool | None = None) -> list[str]:
    verdict = report.verdict
    # Under a head policy only the heads that break it count: the same ones the JSON names.
    wanted = set(verdict.fork_heads)
    heads = [r for r in verdict.heads if r.revision in wanted]
    out = [f"  error [multiple-heads]: {len(heads)} heads — `alembic upgrade head` "
           "fails until they are merged:"]
    origins = _origins(report, [rec.path for rec in heads])
    for rec in heads:
        origin = origins[rec.path]
        out.append(f"    {shown(rec.revision)}  {shown(rec.path)}"
                   + (f"  ({shown(origin)})" if origin else ""))
    forks = fork_facts(report.records, [r.revision for r in heads])[0]
    if forks:
        out.append(f"  they fork at {', '.join(map(shown, forks))}")
    from hooks_manager.explain import block_lines  # the picture and what both lines change

    out += block_lines(report)
    edits = edit_instead(report)
    if edits or not verdict.heads_meaningful:
        # A merge of these heads would not fix the history (and `hookman merge` refuses).
        out.append("  no merge offered: the other problems named here leave these heads "
                   "behind; fix them first, then check again")
        out += [f"  no command fixes this; edit instead: {line}" for line in edits]
        return out
    fix, alembic_fix = merge_commands(report, several, merging)
    out.append(f"  fix: {fix.command()}")
    out.append(f"   or: {alembic_fix.command()}")
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
    fixes = (merge_commands(report, several)
             if forked and verdict.heads_meaningful and not edit_instead(report) else [])
    added = (added_by(report, [r.path for r in verdict.heads])
             if forked and _in_git(report) else {})
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
                   "added_by": added.get(r.path)} for r in verdict.heads],
        "effective_heads": verdict.effective_heads,
        "bases": verdict.bases,
        "problems": [p.as_json() for p in verdict.problems],
        # `fix`: each a line to paste (schema 1's strings, unchanged); `fix_argv`, parallel
        # to it: the same fix as steps, each {"cwd": folder from the root, "argv": [...]}, for
        # tools that run it without a shell. `edit_instead`: what to edit when no command
        # fixes the history (then `fix` is empty).
        "fix": [f.command() for f in fixes],
        "fix_argv": [f.as_json() for f in fixes],
        "edit_instead": edit_instead(report),
        "overlaps": _overlaps_json(report) if forked else None,
        "id_hygiene": [p.as_json() for p in _weak_ids(report)],
    }


def _overlaps_json(report: ProjectReport) -> dict[str, object] | None:
    from hooks_manager.explain import overlap_of

    overlap = overlap_of(report)
    return overlap.as_json() if overlap is not None else None
