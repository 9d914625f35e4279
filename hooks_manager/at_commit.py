"""Projects and settings as they are in a commit, with no work tree (a bare server repository,
or a CI checkout that may differ from the commit being judged).

MINIMAL ADAPTER, meant to be replaced by the workspace reader that loads configuration through
a byte source: until then, the commit's configuration files (every pyproject.toml and *.ini)
are copied into a temporary folder that mirrors the commit's folder layout (empty folders for
the rest), the ordinary loader in config.py reads them there, and every path it returns is
moved back under the repository root, so the git sources (sources.Commit, PredictedMerge, the
push reads) and the reports work unchanged. Nothing of the commit is run or imported.
"""

from __future__ import annotations

import os

from hooks_manager import proc
from hooks_manager.config import Project, Settings
from hooks_manager.errors import GitError
from hooks_manager.sources import read_blobs


def _is_config(path: str) -> bool:
    name = path.rpartition("/")[2]
    return name == "pyproject.toml" or name.endswith(".ini")


def load_at_commit(repo: str, rev: str) -> tuple[Settings, list[Project]]:
    """(settings, projects) read from commit ``rev`` of the repository at ``repo``; raises
    NoConfigError / ConfigError as config.py does, naming the files as the commit has them."""
    import shutil
    import tempfile

    from hooks_manager.config import find_projects, load_settings

    listing = proc.run(["git", "ls-tree", "-r", "-t", "-z", "--full-tree", rev], repo)
    if listing.code:
        said = listing.err.decode(errors="replace").strip()
        raise GitError(f"cannot read commit {rev}: {said}")
    files: dict[str, str] = {}
    folders: list[str] = []
    for item in listing.out.decode("utf-8", "surrogateescape").split("\0"):
        tab = item.find("\t")
        if tab < 0:
            continue
        meta, path = item[:tab].split(), item[tab + 1 :]
        if meta[1] == "tree":
            folders.append(path)
        elif meta[1] == "blob" and meta[0] != "120000" and _is_config(path):
            files[path] = meta[2]
    blobs = read_blobs(repo, list(files.values()))
    temp = tempfile.mkdtemp(prefix="hookman-commit-")
    try:
        for folder in folders:
            os.makedirs(os.path.join(temp, folder), exist_ok=True)
        for path, oid in files.items():
            with open(os.path.join(temp, path), "wb") as handle:
                handle.write(blobs[oid])
        saved = os.environ.pop("ALEMBIC_CONFIG", None)  # a setting of some clone, not the commit
        try:
            settings, alembic_toml, toml_path = load_settings(temp)
            projects = find_projects(temp, settings, alembic_toml, toml_path)
        finally:
            if saved is not None:
                os.environ["ALEMBIC_CONFIG"] = saved
    except Exception as exc:
        _rename_paths(exc, temp, repo)
        raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    settings.path = _moved(settings.path, temp, repo)
    for project in projects:
        project.config_path = _moved(project.config_path, temp, repo)
        project.toml_path = _moved(project.toml_path, temp, repo)
        project.script_location = _moved(project.script_location, temp, repo) or repo
        project.locations = [_moved(p, temp, repo) or repo for p in project.locations]
    return settings, projects


def _moved(path: str | None, temp: str, repo: str) -> str | None:
    if path is None:
        return None
    rel = os.path.relpath(path, temp)
    if rel.startswith(".."):
        return path  # outside the commit (an absolute path in a config): shown as written
    return os.path.normpath(os.path.join(repo, rel))


def _rename_paths(exc: Exception, temp: str, repo: str) -> None:
    """An error message names the temporary copy; name the file as the commit has it."""
    from hooks_manager.errors import HookmanError

    if isinstance(exc, HookmanError):
        exc.message = exc.message.replace(temp + os.sep, "").replace(temp, ".")
        exc.hint = exc.hint.replace(temp + os.sep, "").replace(temp, ".")
        exc.args = (exc.message,)
