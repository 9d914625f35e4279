"""Writing a merge revision with alembic itself (the only alembic importer besides the fallback
loader): `command.merge` with explicit head ids, the project's own script.py.mako and
post-write hooks, and a revision id every developer derives the same way.

What alembic leaves behind when it fails (a file whose post-write hook failed, a
``__pycache__`` entry) is removed again, and only that (owned.py): a file a teammate, an
editor or a hook put in the versions folder meanwhile stays, and is named.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from typing import TYPE_CHECKING

from hooks_manager.config import Project
from hooks_manager.errors import MergeError
from hooks_manager.owned import Owned, snapshot
from hooks_manager.sitepaths import full_site

full_site()  # alembic (imported where used) lives in site-packages: see sitepaths

if TYPE_CHECKING:
    from alembic.config import Config


class Written:
    """What a merge wrote: the revision file, and the paths it owns (to undo it)."""

    __slots__ = ("owned", "path")

    def __init__(self, path: str, owned: Owned) -> None:
        self.path = path
        self.owned = owned


def write_merge(
    project: Project, heads: list[str], message: str, rev_id: str,
    warn: Callable[[str], None], root: str | None = None,
) -> Written:
    """Run alembic's merge of ``heads`` (explicit ids, never "heads") into revision ``rev_id``.
    Raises MergeError with alembic's own words; nothing it wrote is left behind."""
    if len(heads) < 2:
        raise MergeError(f"{project.name}: a merge needs two heads or more, got "
                         f"{', '.join(heads) or 'none'}")
    from alembic import command
    from alembic.util import CommandError

    config = _config(project)
    if str(config.get_alembic_option("revision_environment") or "").lower() == "true":
        warn(f"hookman: warning: {project.name} sets revision_environment = true, so alembic "
             "runs env.py (and may connect to the database) to write the merge")
    owned = Owned(root or os.getcwd())
    before = owned.watch(project.locations)
    try:
        # alembic's status lines ("Generating ... done") go through util.msg to sys.stdout
        # whatever Config(stdout=) says; stderr keeps them in order with hookman's own lines.
        with _inside(os.path.dirname(project.config_path or project.toml_path or ".")), \
                redirect_stdout(sys.stderr):
            script = command.merge(config, revisions=list(heads), message=message,
                                   rev_id=rev_id)
    except BaseException as exc:
        owned.claim(before, snapshot(project.locations), rev_id, None)
        left = _undo(owned, warn)
        if isinstance(exc, CommandError):
            raise MergeError(f"alembic could not write the merge for {project.name}: {exc}",
                             hint=f"{left}; fix the cause and run `hookman merge` "
                                  "again") from exc
        if isinstance(exc, Exception):
            raise MergeError(
                f"alembic could not write the merge for {project.name}: "
                f"{type(exc).__name__}: {_one_line(exc)}",
                hint=f"{left}; alembic loads every revision file and "
                     "script.py.mako, so run hookman where the project's own imports work "
                     "(the environment you run alembic in)") from exc
        raise
    path = None if script is None else os.path.abspath(script.path)
    owned.claim(before, snapshot(project.locations), rev_id, path)
    if path is None:
        _undo(owned, warn)
        raise MergeError(f"alembic wrote no merge revision for {project.name}")
    return Written(path, owned)


def _undo(owned: Owned, warn: Callable[[str], None]) -> str:
    """Undo ``owned``, one line per path; the summary for the error's hint."""
    lines = owned.undo()
    for line in lines:
        warn(f"hookman: {line}")
    if any(line.startswith("left ") for line in lines):
        return "hookman removed only what it wrote (the lines above say what was left)"
    return "nothing was written"


def _config(project: Project) -> Config:
    from alembic.config import Config

    # Messages ("Generating ... done") go to stderr: a hook's stdout is the user's terminal
    # anyway, and stderr keeps them in order with hookman's own lines.
    config = Config(file_=project.config_path, toml_file=project.toml_path,
                    ini_section=project.section, stdout=sys.stderr)
    # The folders hookman resolved (Flask-Migrate's ini names none, a root-relative or a
    # package:path location, version_locations from [[tool.hookman.projects]]), absolute, so
    # alembic writes where hookman read whatever folder it is run from.
    config.set_main_option("script_location", project.script_location.replace("%", "%%"))
    if project.locations != [os.path.join(project.script_location, "versions")]:
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations",
                               os.pathsep.join(project.locations).replace("%", "%%"))
    return config


@contextmanager
def _inside(folder: str) -> Iterator[None]:
    # alembic reads relative paths (script_location, prepend_sys_path) from the current
    # folder; hookman reads them from the configuration file's folder. Run alembic there.
    previous = os.getcwd()
    os.chdir(folder or ".")
    try:
        yield
    finally:
        os.chdir(previous)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
