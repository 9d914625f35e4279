"""What a command was asked to look at, from its parsed options: the repository root, the
source of bytes (work tree, index, a commit, a predicted merge) and the chosen projects.
Shared by `hookman check`, `graph`, `heads`, `merge`, `rebase`, `ci` and `siblings`."""

from __future__ import annotations

import os

from hooks_manager.errors import HookmanError
from hooks_manager.repo import find_root
from hooks_manager.sources import Commit, Index, PredictedMerge, Source, WorkTree

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hooks_manager.config import Project


def opt(options: dict[str, str | bool], key: str) -> str | None:
    value = options.get(key)
    return value if isinstance(value, str) else None


def root_for(options: dict[str, str | bool]) -> str:
    root = find_root(os.getcwd())
    if root is None:
        if options.get("staged") or "rev" in options or "against" in options:
            raise HookmanError("--staged, --rev and --against need a git repository, and "
                               f"{os.getcwd()} is not inside one")
        return os.getcwd()  # a plain folder: the work tree is all there is
    return root


def make_source(root: str, options: dict[str, str | bool]) -> Source:
    rev, against = opt(options, "rev"), opt(options, "against")
    for flag, value in (("--rev", rev), ("--against", against)):
        refuse_option_like(flag, value)
    if against:
        return PredictedMerge(root, rev or "HEAD", against)
    if rev:
        return Commit(root, rev)
    if options.get("staged"):
        return Index(root)
    return WorkTree(root)


def refuse_option_like(flag: str, value: str | None) -> None:
    """A revision that starts with '-' would reach git as an option (`--rev=-x`, or worse
    `--output=FILE`); no branch, tag or sha can start with one, so it is refused here."""
    if value is None:
        return
    example = f"e.g. {flag} {'origin/main' if flag == '--against' else 'HEAD~1'}"
    if not value.strip():
        raise HookmanError(f"{flag} needs a revision, and it was given an empty one",
                           hint=f"name a branch, tag or commit, {example}")
    if value.startswith("-"):
        raise HookmanError(f"{flag} {value!r} is not a revision (it would be read as a git "
                           "option)", hint=f"name a branch, tag or commit, {example}")


def select_project(projects: list[Project], name: str | None) -> list[Project]:
    if name is None:
        return projects
    chosen = [p for p in projects if p.name == name]
    if not chosen:
        names = ", ".join(p.name for p in projects)
        raise HookmanError(f"no project named {name!r}", hint=f"projects: {names}")
    return chosen
