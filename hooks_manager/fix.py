"""The fix for a fork, shared by `hookman merge` and the pre-push menu: plan it from the work
tree (what alembic will load), refuse before writing anything when it cannot be done safely,
write the merge revision(s) with alembic, commit exactly those files, and undo every step
when any step fails or is interrupted.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from hooks_manager.check import ProjectReport, check_project
from hooks_manager.config import Project, Settings
from hooks_manager.errors import MergeError
from hooks_manager.graph import fork_points, since_fork
from hooks_manager.sources import WorkTree

Say = Callable[[str], None]


class MergePlan:
    """One project's merge: which heads, into which revision id, with which message."""

    __slots__ = ("head_paths", "heads", "message", "project", "rev_id")

    def __init__(
        self, project: Project, heads: list[str], rev_id: str, message: str,
        head_paths: list[str] | None = None,
    ) -> None:
        self.project = project
        self.heads = heads
        self.rev_id = rev_id
        self.message = message
        self.head_paths = head_paths or []  # the heads' files, relative to the root


class Done:
    """What the fix left: the written files (relative to the root) and the commit, if any."""

    __slots__ = ("paths", "sha")

    def __init__(self, paths: list[str], sha: str | None) -> None:
        self.paths = paths
        self.sha = sha


def fork_of(report: ProjectReport) -> list[str]:
    """The heads that make ``report`` a fork (allowed heads and per-label heads left out)."""
    for problem in report.verdict.problems:
        if problem.kind == "multiple-heads":
            return sorted(problem.revisions)
    return []


def plan_merge(
    root: str, project: Project, settings: Settings, message: str | None = None
) -> MergePlan | None:
    """The merge the work tree needs, None when the project has one head (or none). Raises
    MergeError when the history has other problems or the derived id is taken."""
    from hooks_manager.merge import default_message, merge_rev_id

    report = check_project(project, WorkTree(root), settings)
    heads = fork_of(report)
    if not heads:
        return None
    others = [p for p in report.verdict.errors if p.kind != "multiple-heads"]
    if others:
        raise MergeError(f"{project.name}: the history has problems a merge does not fix: "
                         f"{others[0].message}", hint="run `hookman check` and fix them first")
    rev_id = merge_rev_id(heads)
    taken = next((r for r in report.records if r.revision == rev_id), None)
    if taken is not None:
        raise MergeError(f"{project.name}: revision id {rev_id} (the merge of "
                         f"{', '.join(heads)}) is already used by {taken.path}",
                         hint="someone may have merged this fork already: pull, then check")
    paths = [r.path for r in report.verdict.heads if r.revision in heads]
    return MergePlan(project, heads, rev_id, message or default_message(heads), paths)


def plan_all(
    root: str, projects: list[Project], settings: Settings, message: str | None = None
) -> list[MergePlan]:
    """Every forked project's plan; MergeError when none is forked (nothing to merge)."""
    plans = []
    single = []
    for project in projects:
        plan = plan_merge(root, project, settings, message)
        if plan is None:
            single.append(project.name)
        else:
            plans.append(plan)
    if not plans:
        raise MergeError(f"nothing to merge: {', '.join(single)} has at most one head",
                         hint="a merge revision needs two heads or more (if you already "
                              "wrote one, `git status` shows it: git add it and commit)")
    return plans


def refuse_uncommitted_heads(root: str, plans: list[MergePlan]) -> None:
    """--commit commits the merge file alone: every head it names must already be committed,
    or that commit would hold a revision whose parent it lacks."""
    from hooks_manager import proc

    paths = [p for plan in plans for p in plan.head_paths]
    pending = proc.git(root, "status", "--porcelain", "-z", "--", *paths).split(b"\0")
    names = sorted({line[3:].decode() for line in pending if line})
    if names:
        raise MergeError(f"the heads' files are not all committed: {', '.join(names)}; a "
                         "commit of the merge revision alone would lack them",
                         hint="commit them first, or run `hookman merge` without --commit and "
                              "commit the merge revision together with them")


def write_and_commit(
    root: str, plans: list[MergePlan], commit_message: str | None, say: Say
) -> Done:
    """Write each plan's merge revision; commit them all when ``commit_message`` is given.
    All or nothing: on any failure (or Ctrl-C) every file written is removed and unstaged."""
    from hooks_manager import gitops
    from hooks_manager.merge import remove_created, write_merge

    if commit_message is not None:
        gitops.refuse_if_busy(root)
    created: list[str] = []
    paths: list[str] = []
    try:
        for plan in plans:
            written = write_merge(plan.project, plan.heads, plan.message, plan.rev_id, say)
            created += written.created
            paths.append(os.path.relpath(written.path, root).replace(os.sep, "/"))
        sha = None
        if commit_message is not None:
            sha = gitops.commit_new_files(root, paths, commit_message)
    except BaseException:
        remove_created(created)
        raise
    return Done(paths, sha)


def commit_message_for(plans: list[MergePlan]) -> str:
    if len(plans) == 1:
        return plans[0].message[:1].upper() + plans[0].message[1:]
    return "Merge alembic heads: " + "; ".join(f"{p.project.name}: {p.message}" for p in plans)


def details(reports: list[ProjectReport]) -> str:
    """The full story of each fork: heads, files, commits, fork point, and each line since."""
    from hooks_manager.report import render_text

    lines = [render_text(reports)]
    for report in reports:
        heads = fork_of(report)
        if not heads:
            continue
        paths = {r.revision: r.path for r in report.records}
        forks = fork_points(report.records, heads)
        lines.append(f"  {report.project.name}: the history since the fork"
                     f"{' at ' + ', '.join(forks) if forks else ''}:")
        lines.append(f"    {', '.join(forks) or '(no common revision)'}")
        own = since_fork(report.records, heads)
        for i, head in enumerate(heads):
            branch = "└─" if i == len(heads) - 1 else "├─"
            revs = _shorten(own[head])
            lines.append(f"      {branch} {' → '.join(revs)} (head)  {paths.get(head, '')}")
    lines.append("  A merge revision joins the heads; it does not resolve conflicting schema "
                 "changes. Read both lines before merging.")
    return "\n".join(lines)


def _shorten(revs: list[str], keep: int = 3) -> list[str]:
    if len(revs) <= 2 * keep:
        return revs
    return [*revs[:keep], f"… {len(revs) - 2 * keep} more …", *revs[-keep:]]


def merge_command(
    commit: bool, message: str | None, yes: bool, config: str | None, section: str | None,
    project_name: str | None, say: Say,
) -> int:
    """`hookman merge`: the fix by hand. Asks first at a terminal (unless --yes); never asks
    under CI or without a terminal. Every refusal comes before anything is written."""
    from hooks_manager.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_PROBLEMS, GitError
    from hooks_manager.main import select_project
    from hooks_manager.sources import find_root
    from hooks_manager.workspace import load_workspace

    root = find_root(os.getcwd())
    if root is None and commit:
        raise GitError(f"--commit needs a git repository, and {os.getcwd()} is not inside one")
    root = root or os.getcwd()
    ws = load_workspace(root, config=config, section=section)
    settings = ws.settings
    projects = select_project(ws.require_projects(), project_name)
    if os.path.exists(os.path.join(root, ".git")):
        from hooks_manager import gitops

        gitops.refuse_if_busy(root)
    plans = plan_all(root, projects, settings, message)
    if commit:
        refuse_uncommitted_heads(root, plans)
    for plan in plans:
        say(f"hookman: {plan.project.name}: merge heads {', '.join(plan.heads)} into revision "
            f"{plan.rev_id} ({plan.message})")
    if not yes:
        from hooks_manager.prompts import open_prompter

        what = "Write it and commit it?" if commit else "Write it?"
        answer = open_prompter().confirm(what, True)
        if answer is None:
            say("hookman: cancelled; nothing was written")
            return EXIT_INTERRUPTED
        if not answer:
            say("hookman: nothing was written")
            return EXIT_PROBLEMS
    done = write_and_commit(root, plans, commit_message_for(plans) if commit else None, say)
    say(f"hookman: wrote {', '.join(done.paths)}")
    if done.sha:
        say(f"hookman: committed {done.sha[:10]} {commit_message_for(plans)}")
    else:
        say(f"hookman: next: git add {' '.join(done.paths)} && git commit")
    return EXIT_OK
