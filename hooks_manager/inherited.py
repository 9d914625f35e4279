"""Forks a commit or a push inherits rather than makes (issue 7, item 15).

Once a fork is on a shared branch (pulled from a broken main, say), blocking every commit
until someone merges it stops work that has nothing to do with migrations, and teaches
people `--no-verify`. The rule, the same for both hooks:

- pre-commit / pre-merge-commit: a fork blocks when the commit changes a revision file of
  the forked project (it creates the fork, or adds to a forked history); when the staged
  revision files are exactly HEAD's, the fork is inherited: a warning with the fix, and the
  commit goes on.
- pre-push: a pushed ref's fork blocks when the ref changes a revision file of that project
  since the upstream target (since their merge base; without an upstream, since the remote
  ref's old value); when it changes none, the fork came with the upstream: a warning, and
  that ref goes on.

Only forks are inherited: any other error (a missing parent, a duplicate id) still blocks,
because alembic cannot load that history at all.
"""

from __future__ import annotations

import os

from hooks_manager import repo
from hooks_manager.check import ProjectReport


def fork_only(report: ProjectReport) -> bool:
    errors = report.verdict.errors
    return bool(errors) and all(p.kind == "multiple-heads" for p in errors)


def _rels(root: str, report: ProjectReport) -> list[str]:
    return [os.path.relpath(loc, root).replace(os.sep, "/") for loc in report.project.locations]


def staged_changes(root: str, report: ProjectReport) -> bool | None:
    """Whether the index changes the project's versions folders against HEAD (None: HEAD
    has no commit, so everything staged is new)."""
    return repo.index_changes(root, _rels(root, report))


def changes_since(root: str, base: str, tip: str, report: ProjectReport) -> bool | None:
    """Whether ``tip`` changes the project's versions folders since ``base`` (None: unknown)."""
    return repo.changes_between(root, base, tip, _rels(root, report))


def inherited_by_commit(root: str, report: ProjectReport) -> bool:
    return fork_only(report) and staged_changes(root, report) is False


def inherited_by_push(root: str, base: str | None, tip: str, report: ProjectReport) -> bool:
    return (base is not None and fork_only(report)
            and changes_since(root, base, tip, report) is False)
