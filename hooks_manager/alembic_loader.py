"""The slow path, only with `static_fallback = true`: let alembic itself load the few files
whose values are computed (e.g. a branch label imported from a constants module).

This *runs* those files, exactly as alembic would, so it needs the project's imports to work
in hookman's interpreter. Everything else is still read statically.
"""

from __future__ import annotations

import os
import sys
import tempfile

from hooks_manager.config import Project
from hooks_manager.graph import Problem, Record
from hooks_manager.scan import record_from_values
from hooks_manager.sitepaths import full_site
from hooks_manager.sources import File

_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")


def load_dynamic(
    project: Project, root: str, files: list[tuple[File, Problem]]
) -> tuple[list[Record], list[Problem]]:
    full_site()  # alembic lives in site-packages, and sys.path is saved below
    records: list[Record] = []
    problems: list[Problem] = []
    # alembic puts the ini's prepend_sys_path first (ScriptDirectory.from_config); so do we,
    # then the repository root and the ini's folder, where projects usually keep their code.
    folder = os.path.dirname(project.config_path or project.toml_path or project.script_location)
    saved = list(sys.path)
    sys.path[:0] = [*_prepend_sys_path(project, folder), root, folder]
    try:
        _load_each(files, records, problems)
    finally:
        sys.path[:] = saved  # the next project must not import from this one's folders
    return records, problems


def _load_each(files: list[tuple[File, Problem]], records: list[Record],
               problems: list[Problem]) -> None:
    from alembic.util import load_python_file

    with tempfile.TemporaryDirectory(prefix="hookman-") as scratch:
        for index, (file, static_problem) in enumerate(files):
            # Each file gets its own folder so two files of the same name cannot collide,
            # and the bytes come from the source being checked (index, commit), not the disk.
            folder = os.path.join(scratch, str(index))
            os.mkdir(folder)
            with open(os.path.join(folder, file.filename), "wb") as handle:
                handle.write(file.data)
            try:
                module = load_python_file(folder, file.filename)
            except Exception as exc:  # the file's own code failed: report it, never crash
                problems.append(Problem(
                    "not-static", f"{static_problem.message}; alembic could not load it either: "
                    f"{type(exc).__name__}: {exc}", path=file.path, line=static_problem.line))
                continue
            values = {n: (getattr(module, n), 0) for n in _NAMES if hasattr(module, n)}
            found = record_from_values(values, file.path, file.filename)
            if isinstance(found, Record):
                records.append(found)
            else:
                problems.append(found)


def _prepend_sys_path(project: Project, folder: str) -> list[str]:
    """The ini's `prepend_sys_path` as alembic's own Config splits it; a relative entry is
    taken from the ini's folder, where alembic is documented to run."""
    import warnings

    from alembic.config import Config

    if not (project.config_path or project.toml_path):
        return []
    config = Config(project.config_path, toml_file=project.toml_path,
                    ini_section=project.section)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the "no path_separator" deprecation is alembic's
            entries = config.get_prepend_sys_paths_list() or []
    except Exception:  # a broken ini is reported by the static reader; do not crash here
        return []
    return [os.path.normpath(os.path.join(folder, e)) for e in entries if e]
