"""Projects and settings as they are in a commit, with no work tree (a bare server repository,
or a CI checkout whose work tree may differ from the commit being judged): the workspace read
through a Commit source. One place, so the CI check and the server guard read alike."""

from __future__ import annotations

import os

from hooks_manager.config import Project, Settings


def load_at_commit(repo: str, rev: str) -> tuple[Settings, list[Project]]:
    """(settings, projects) of commit ``rev`` in the repository at ``repo`` (a work tree, or a
    bare repository's git dir); raises NoConfigError / ConfigError naming the files."""
    from hooks_manager.sources import Commit
    from hooks_manager.workspace import load_workspace

    # ALEMBIC_CONFIG is a setting of someone's shell, not of the commit being judged.
    saved = os.environ.pop("ALEMBIC_CONFIG", None)
    try:
        ws = load_workspace(repo, Commit(repo, rev))
    finally:
        if saved is not None:
            os.environ["ALEMBIC_CONFIG"] = saved
    return ws.settings, ws.require_projects()
