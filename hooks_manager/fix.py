"""The fix for a fork, shared by `hookman merge` and the pre-push menu: plan it from the work
tree (what alembic will load), refuse before writing anything when it cannot be done safely,
write the merge revision(s) with alembic, commit exactly those files, and undo every step
when any step fails or is interrupted.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from hooks_manager.check import ProjectReport, check_project
from hooks_manager.config import Project, Settings
from hooks_manager.errors import HookmanError, MergeError
from hooks_manager.graph import default_message, merge_rev_id
from hooks_manager.sources import WorkTree
from hooks_manager.textsafe import shown

if TYPE_CHECKING:
    from hooks_manager.owned import Owned

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
    if not report.verdict.heads_meaningful:
        return []  # heads left by a missing parent or a loop: merging them fixes nothing
    for problem in report.verdict.problems:
        if problem.kind == "multiple-heads":
            return sorted(problem.revisions)
    return []


def plan_merge(
    root: str, project: Project, settings: Settings, message: str | None = None
) -> MergePlan | None:
    """The merge the work tree needs, None when the project has one head (or none). Raises
    MergeError when the history has other problems or the derived id is taken."""
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
                         hint=_taken_hint(root, taken.path))
    paths = [r.path for r in report.verdict.heads if r.revision in heads]
    return MergePlan(project, heads, rev_id, message or default_message(heads), paths)


def _nothing_hint(root: str, projects: list[Project]) -> str:
    """Name the revision files that are not committed: a merge written by a fix that was
    killed (or by hand) makes the work tree single-headed while HEAD still forks."""
    import shlex

    from hooks_manager.repo import untracked

    rels = [os.path.relpath(loc, root) for p in projects for loc in p.locations]
    loose = [p for p in untracked(root, rels) if p.endswith(".py")]
    if not loose:
        return ("a merge revision needs two heads or more (if you already wrote one, `git "
                "status` shows it: git add it and commit)")
    quoted = " ".join(shlex.quote(p) for p in loose)
    return (f"not committed: {', '.join(loose)} (an interrupted fix may have left it). Read "
            f"it, then commit it (git add -- {quoted} && git commit) or delete it")


def _taken_hint(root: str, path: str) -> str:
    import shlex

    from hooks_manager.repo import untracked

    if untracked(root, [path]):
        # What a fix killed mid-way (kill -9, power loss) leaves: its file, not committed.
        return (f"{path} is not committed: an interrupted fix may have left it. Read it, "
                f"then commit it (git add -- {shlex.quote(path)} && git commit) or delete it")
    return "someone may have merged this fork already: pull, then check"


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
                         hint=_nothing_hint(root, projects))
    return plans


def refuse_uncommitted_heads(root: str, plans: list[MergePlan], merging: bool = False) -> None:
    """--commit commits the merge file alone: every head it names must already be committed,
    or that commit would hold a revision whose parent it lacks. During a merge the whole
    index is committed: staged heads are fine, unstaged or untracked ones are not."""
    from hooks_manager.repo import status

    paths = [p for plan in plans for p in plan.head_paths]
    pending = status(root, paths)
    if merging:
        pending = [line for line in pending if line[:2] == b"??" or line[1:2] not in b" "]
    names = sorted({line[3:].decode(errors="replace") for line in pending if line})
    if names:
        raise MergeError(f"the heads' files are not all committed: {', '.join(names)}; a "
                         "commit of the merge revision alone would lack them",
                         hint="commit them first, or run `hookman merge` without --commit and "
                              "commit the merge revision together with them")


def write_and_commit(
    root: str, plans: list[MergePlan], commit_message: str | None, say: Say,
    merging: bool = False,
) -> Done:
    """Write each plan's merge revision; commit them all when ``commit_message`` is given
    (``merging``: conclude the merge under way). All or nothing: on any failure (or Ctrl-C)
    the files hookman wrote are unstaged and removed, each only while its bytes are still
    hookman's; every path left is named. The caller holds the fix lock (fixlock.py)."""
    from hooks_manager import gitops
    from hooks_manager.merge import write_merge

    if commit_message is not None:
        gitops.refuse_if_busy(root, allow_merge=merging)
    from hooks_manager.headfile import refresh

    owned: list[Owned] = []
    paths: list[str] = []
    heads_paths: list[str] = []
    undo_heads = None
    try:
        for plan in plans:
            written = write_merge(plan.project, plan.heads, plan.message, plan.rev_id, say,
                                  root=root)
            owned.append(written.owned)
            paths.append(os.path.relpath(written.path, root).replace(os.sep, "/"))
        heads_paths, undo_heads = refresh(root, [plan.project for plan in plans])
        sha = None
        if commit_message is not None:
            # The head file is an edited tracked file: `commit --only` takes it as it takes new
            # files, and on failure its index entry goes back to HEAD's (undo_heads puts its
            # bytes back).
            sha = gitops.commit_new_files(root, paths + heads_paths, commit_message,
                                          merging=merging)
    except BaseException as exc:
        summary = _undo(root, owned, paths, say)
        if undo_heads is not None:
            undo_heads(paths)
        if isinstance(exc, HookmanError):
            exc.hint = "; ".join(h for h in (exc.hint, summary) if h)
        raise
    return Done(paths + heads_paths, sha)


def _undo(root: str, owned: list[Owned], paths: list[str], say: Say) -> str:
    """Undo a failed fix's files, say what happened to each, and sum it up for the hint."""
    import shlex

    from hooks_manager.owned import Owned

    lines = [line for o in owned for line in o.undo()]
    from hooks_manager.repo import is_work_tree

    still = set(Owned(root).staged(paths)) if is_work_tree(root) else set()
    for path in sorted(still):
        mine = next((i for i, line in enumerate(lines) if line.startswith(f"left {path}:")),
                    None)
        if mine is not None:
            lines[mine] += ", staged"
        else:
            lines.append(f"{path} is still staged (the index was busy): "
                         f"git reset -q -- {shlex.quote(path)} unstages it")
    for line in lines:
        say(f"hookman: {line}")
    if not lines:
        return "nothing was left behind"
    left = any(line.startswith("left ") or "still staged" in line for line in lines)
    return ("hookman undid only what it wrote; the lines above say what was left" if left
            else "hookman removed what it wrote; nothing is left staged")


def commit_message_for(plans: list[MergePlan]) -> str:
    if len(plans) == 1:
        return plans[0].message[:1].upper() + plans[0].message[1:]
    return "Merge alembic heads: " + "; ".join(f"{p.project.name}: {p.message}" for p in plans)


def details(reports: list[ProjectReport]) -> str:
    """The full story of each fork: heads, files, commits, fork point, and each line since."""
    from hooks_manager.report import render_text

    lines = [render_text(reports)]  # its fork text carries the picture and the overlaps
    lines.append("  A merge revision joins the heads; it does not resolve conflicting schema "
                 "changes. Read both lines before merging.")
    return "\n".join(lines)


def merge_command(
    commit: bool, message: str | None, yes: bool, config: str | None, section: str | None,
    project_name: str | None, say: Say,
) -> int:
    """`hookman merge`: the fix by hand. Asks first at a terminal (unless --yes); never asks
    under CI or without a terminal. Every refusal comes before anything is written."""
    from hooks_manager.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_PROBLEMS, GitError
    from hooks_manager.repo import find_root, is_work_tree
    from hooks_manager.repo import merging as merge_under_way
    from hooks_manager.selection import select_project
    from hooks_manager.workspace import load_workspace

    root = find_root(os.getcwd())
    if root is None and commit:
        raise GitError(f"--commit needs a git repository, and {os.getcwd()} is not inside one")
    root = root or os.getcwd()
    ws = load_workspace(root, config=config, section=section)
    settings = ws.settings
    projects = select_project(ws.require_projects(), project_name)
    in_git = is_work_tree(root)
    merging = in_git and merge_under_way(root)
    if in_git:
        from hooks_manager import gitops

        gitops.refuse_if_busy(root, allow_merge=True)
    from hooks_manager.fixlock import fix_lock

    # Held from the plan to the commit: a second fix plans only once this one is done, and
    # then finds the merge written (the id is taken) instead of writing the same file.
    with fix_lock(root, say):
        plans = plan_all(root, projects, settings, message)
        if commit:
            refuse_uncommitted_heads(root, plans, merging)
        collide = False
        for plan in plans:
            say(f"hookman: {shown(plan.project.name)}: merge heads "
                f"{', '.join(map(shown, plan.heads))} into revision "
                f"{plan.rev_id} ({shown(plan.message)})")
            from hooks_manager.explain import before_merge  # what both lines change, read first

            warned = before_merge(root, plan.project, settings)
            for line in warned:
                say(line)
            collide = collide or any("warning [overlap]" in line for line in warned)
        if merging and commit:
            say("hookman: a merge is under way: the merge revision joins it, and committing "
                "concludes the merge")
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
        done = write_and_commit(root, plans, commit_message_for(plans) if commit else None,
                                say, merging=merging)
    say(f"hookman: wrote {', '.join(done.paths)}")
    if collide:
        say("hookman: warning: the merged lines collide (above): `alembic upgrade head` is "
            "expected to fail until one line drops the duplicate operation")
    if done.sha and merging:
        say(f"hookman: committed {done.sha[:10]}, which concludes the merge (git's own merge "
            "message) and holds the merge revision")
    elif done.sha:
        say(f"hookman: committed {done.sha[:10]} {commit_message_for(plans)}")
    else:
        import shlex

        finish = "git commit --no-edit" if merging else "git commit"
        say(f"hookman: next: git add -- {' '.join(shlex.quote(p) for p in done.paths)} && "
            f"{finish}")
    return EXIT_OK
