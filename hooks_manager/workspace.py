"""The workspace: a repository's settings and alembic projects, read through a byte source.

A source (``hooks_manager.sources``) is a view of the repository's files: the work tree, the
index, a commit, or the predicted merge of two commits. Everything here reads through it, so
the same code finds the projects of a work tree, of what is staged, and of a commit in a bare
repository (a server's pre-receive hook, quarantined objects included) or a CI merge commit,
where there is no work tree at all.

API (stable; other modules and helpers build on it)::

    from hooks_manager.sources import Commit, Index, WorkTree
    from hooks_manager.workspace import Workspace, load_workspace

    ws = load_workspace(root)                       # work tree, settings from it too
    ws = load_workspace(root, Index(root))          # projects as staged
    ws = load_workspace(git_dir, Commit(git_dir, sha))  # bare repository: root = git dir
    ws = load_workspace(root, Commit(root, sha), settings_source=WorkTree(root))
    ws = load_workspace(root, config="db/alembic.ini", section="alembic")  # -c / -n

    ws.root          # absolute path: the work tree, or a bare repository's git dir
    ws.source        # the Source the projects were read through (pass it to check_projects)
    ws.settings      # config.Settings: [tool.hookman] of pyproject.toml or .hookman.toml
    ws.settings_path # absolute path of the file the settings came from, or None (defaults)
    ws.projects      # list[config.Project], absolute paths under ws.root; may be empty
    ws.missing       # the NoConfigError when no project was found (projects is then [])
    ws.require_projects()  # the projects, or raise ws.missing
    ws.discover(config, section)  # (re)find the projects; after load_workspace(projects=False)

Relative paths in an alembic configuration are taken from the folder of the file that holds
them (alembic itself takes them from the current folder, which is that folder whenever alembic
is run the way its docs show). Bad configuration raises ConfigError naming the file.
"""

from __future__ import annotations

import os

from hooks_manager.config import (
    Project,
    Settings,
    TomlOptions,
    flag,
    parse_toml,
    parse_tool_tables,
    read_ini,
    split_locations,
    table,
)
from hooks_manager.errors import ConfigError, NoConfigError
from hooks_manager.graph import Policy
from hooks_manager.sources import Source, WorkTree

SETTINGS_FILES = ("pyproject.toml", ".hookman.toml")


class Workspace:
    """One repository's settings and projects, as one source shows them."""

    __slots__ = ("alembic_toml", "missing", "projects", "root", "settings", "settings_path",
                 "source", "toml_path")

    def __init__(self, root: str, source: Source, settings: Settings,
                 alembic_toml: dict[str, object], toml_path: str | None) -> None:
        self.root = root
        self.source = source
        self.settings = settings
        self.settings_path = settings.path
        self.alembic_toml = alembic_toml  # [tool.alembic] of the root pyproject.toml
        self.toml_path = toml_path  # the root pyproject.toml, if there is one
        self.projects: list[Project] = []
        self.missing: NoConfigError | None = None

    def discover(self, config: str | None = None, section: str | None = None) -> list[Project]:
        """Find the projects (``load_workspace(..., projects=False)`` leaves it for later, so
        a hook that is turned off never reads them). Returns them; sets ``missing``."""
        self.missing = None
        try:
            self.projects = _find_projects(self, config, section)
        except NoConfigError as exc:
            self.projects, self.missing = [], exc
        return self.projects

    def require_projects(self) -> list[Project]:
        if self.missing is not None:
            raise self.missing
        return self.projects


def load_workspace(
    root: str,
    source: Source | None = None,
    *,
    settings_source: Source | None = None,
    config: str | None = None,
    section: str | None = None,
    projects: bool = True,
) -> Workspace:
    """Settings and projects of the repository at ``root`` as ``source`` shows it (default:
    the work tree). ``settings_source`` reads the settings from elsewhere (the hooks take them
    from the work tree, whatever they check). ``config``/``section`` are `-c`/`-n`.
    ``projects=False`` reads the settings only; ``discover()`` finds the projects later."""
    root = os.path.abspath(root)
    source = source or WorkTree(root)
    workspace = _load_settings(root, source, settings_source or source)
    if projects:
        workspace.discover(config, section)
    return workspace


# --- settings ----------------------------------------------------------------------------------


def _load_settings(root: str, source: Source, settings_source: Source) -> Workspace:
    found = settings_source.read(list(SETTINGS_FILES))
    hookman_table: dict[str, object] = {}
    alembic_toml: dict[str, object] = {}
    toml_path = settings_path = None
    if "pyproject.toml" in found:
        toml_path = os.path.join(root, "pyproject.toml")
        tool = parse_tool_tables(found["pyproject.toml"], toml_path)
        hookman_table = table(tool, "hookman", toml_path)
        alembic_toml = table(tool, "alembic", toml_path)
        if hookman_table:
            settings_path = toml_path
    if ".hookman.toml" in found:
        path = os.path.join(root, ".hookman.toml")
        if hookman_table:
            raise ConfigError(f"{path}: settings are also in [tool.hookman] of pyproject.toml",
                              hint="keep one of the two (hookman reads both, so they would "
                                   "disagree)")
        hookman_table = _hookman_file_table(found[".hookman.toml"], path)
        settings_path = path
    settings = Settings(hookman_table, settings_path)
    if settings_source is not source:
        # [tool.alembic] describes the project, so it is read where the projects are.
        toml_path = None
        data = source.read(["pyproject.toml"]).get("pyproject.toml")
        if data is not None:
            toml_path = os.path.join(root, "pyproject.toml")
            alembic_toml = table(parse_tool_tables(data, toml_path), "alembic", toml_path)
        else:
            alembic_toml = {}
    return Workspace(root, source, settings, alembic_toml, toml_path)


def _hookman_file_table(data: bytes, path: str) -> dict[str, object]:
    # .hookman.toml holds what [tool.hookman] would, as top-level keys and [[projects]]
    # tables; a [tool.hookman] block pasted from a pyproject.toml is read as such.
    doc = parse_toml(data, path)
    if set(doc) == {"tool"} and isinstance(doc["tool"], dict):
        return table(doc["tool"], "hookman", path)
    return doc


# --- projects ----------------------------------------------------------------------------------


def _find_projects(ws: Workspace, config: str | None, section: str | None) -> list[Project]:
    """-c/-n, else [tool.hookman] projects, else alembic.ini or [tool.alembic] at the root."""
    settings = ws.settings
    if config is not None or section is not None:
        ini = os.path.abspath(config or os.environ.get("ALEMBIC_CONFIG", "alembic.ini"))
        if _read(ws, ini) is None:
            raise NoConfigError(f"{config or ini}: no such alembic configuration file")
        return [_load_project(ws, "alembic" if section in (None, "alembic") else section, ini,
                              _sibling_toml(ws, ini), section or "alembic", settings.policy())]
    if settings.projects:
        return [_listed_project(ws, item) for item in settings.projects]
    env_ini = os.environ.get("ALEMBIC_CONFIG")
    ini = os.path.abspath(env_ini) if env_ini else os.path.join(ws.root, "alembic.ini")
    if _read(ws, ini) is not None:
        return [_load_project(ws, "alembic", ini, ws.toml_path if ws.alembic_toml else None,
                              "alembic", settings.policy())]
    if ws.alembic_toml and ws.toml_path:
        return [_load_project(ws, "alembic", None, ws.toml_path, "alembic", settings.policy(),
                              ws.alembic_toml)]
    raise NoConfigError(
        f"no alembic configuration found in {ws.root} (looked for alembic.ini and "
        "[tool.alembic] in pyproject.toml)",
        hint="run hookman from the project root, pass -c PATH, or list the projects under "
             "[[tool.hookman.projects]] in pyproject.toml")


def _rel(ws: Workspace, path: str) -> str | None:
    """``path`` relative to the root with "/", or None when it lies outside the repository."""
    rel = os.path.relpath(path, ws.root)
    if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
        return None
    return "" if rel == "." else rel.replace(os.sep, "/")


def _read(ws: Workspace, path: str) -> bytes | None:
    """The bytes of ``path`` as the source shows them; None if it is not there."""
    rel = _rel(ws, path)
    if rel is None:  # outside the repository: only the file system can show it
        if not isinstance(ws.source, WorkTree):
            raise ConfigError(f"{path} is outside the repository {ws.root}; git can only "
                              "show files inside it")
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from exc
    return ws.source.read([rel]).get(rel)


def _is_dir(ws: Workspace, path: str) -> bool:
    rel = _rel(ws, path)
    if rel is None:
        return isinstance(ws.source, WorkTree) and os.path.isdir(path)
    return ws.source.has_dir(rel)


def _listed_project(ws: Workspace, item: dict[str, object]) -> Project:
    settings = ws.settings
    where = f"[[tool.hookman.projects]] in {settings.path}"
    config = item.get("config")
    toml = item.get("toml")
    section = str(item.get("section", "alembic"))  # types were checked in _project_tables
    name = str(item.get("name", config or toml))
    ini = os.path.join(ws.root, config) if isinstance(config, str) else None
    toml_file = os.path.join(ws.root, toml) if isinstance(toml, str) else None
    for key, path in (("config", ini), ("toml", toml_file)):
        if path is not None and _read(ws, path) is None:
            raise ConfigError(f"{where}: {key} = {os.path.relpath(path, ws.root)!r}: no such "
                              "file" + _where_source(ws))
    if ini is not None and toml_file is None:
        toml_file = _sibling_toml(ws, ini)
    return _load_project(ws, name, ini, toml_file, section, settings.policy(item, where))


def _where_source(ws: Workspace) -> str:
    kind = ws.source.kind
    return "" if kind == "worktree" else f" ({ws.source.describe().get('rev') or kind})"


def _sibling_toml(ws: Workspace, ini: str) -> str | None:
    path = os.path.join(os.path.dirname(ini), "pyproject.toml")
    return path if _read(ws, path) is not None else None


def _load_project(
    ws: Workspace,
    name: str,
    ini: str | None,
    toml_path: str | None,
    section: str,
    policy: Policy,
    alembic_toml: dict[str, object] | None = None,
) -> Project:
    options: dict[str, str] | None = {}
    if ini:
        data = _read(ws, ini)
        if data is None:
            raise ConfigError(f"{ini}: no such file")
        options = read_ini(data, ini, section)
    if alembic_toml is None and toml_path:
        data = _read(ws, toml_path)
        tool = parse_tool_tables(data, toml_path) if data is not None else {}
        alembic_toml = table(tool, "alembic", toml_path)
    toml = TomlOptions(alembic_toml or {}, toml_path)
    if options is None:
        if not toml.table:  # alembic falls back to [tool.alembic] for a missing section
            raise ConfigError(f"{ini}: no [{section}] section",
                              hint="pass -n SECTION to choose one")
        options = {}
    here = os.path.dirname(ini or toml_path or ws.root)
    where = ini or toml_path or "configuration"
    script_location = options.get("script_location") or toml.text("script_location")
    if not script_location:
        raise ConfigError(f"{where}: no script_location in [{section}]",
                          hint="alembic needs script_location to find the migrations")
    script_dir = _resolve_location(ws, script_location, here, where)
    if not _is_dir(ws, script_dir):
        raise ConfigError(f"{where}: script_location {script_location!r} does not exist "
                          f"({script_dir}){_where_source(ws)}",
                          hint="create it with `alembic init` or fix the path")
    locations = _version_locations(ws, options, toml, here, where) or [
        os.path.join(script_dir, "versions")]
    recursive = flag(options, toml, "recursive_version_locations", where)
    return Project(name, ini, toml_path, section, script_dir, locations, recursive, policy)


def _resolve_location(ws: Workspace, location: str, here: str, where: str) -> str:
    # "package:path" names a folder inside a package (alembic's resource form).
    if not os.path.isabs(location) and ":" in location:
        package, *parts = location.split(":")
        return os.path.join(_package_dir(ws, package, here, where), *parts)
    return os.path.normpath(os.path.join(here, location))


def _package_dir(ws: Workspace, package: str, here: str, where: str) -> str:
    """The package's folder in the repository's own source tree (``src/<pkg>`` or ``<pkg>``,
    from the config's folder, then the root), found without importing anything: a pipx-installed
    hookman cannot import the project, and a server has no work tree to import from."""
    parts = package.split(".")
    for base in dict.fromkeys((here, ws.root)):
        for layout in (("src",), ()):
            folder = os.path.join(base, *layout, *parts)
            if _is_dir(ws, folder):
                return folder
    if isinstance(ws.source, WorkTree):
        # An installed package (site-packages) is the last resort, and only for the work tree.
        import sys
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(parts[0], [here, *sys.path])
        if spec is not None and spec.submodule_search_locations:
            return os.path.join(next(iter(spec.submodule_search_locations)), *parts[1:])
    raise ConfigError(f"{where}: script_location names package {package!r}, which is not in "
                      "the repository (looked for src/" + "/".join(parts) + " and "
                      + "/".join(parts) + ")", hint="use a folder path, or list the project "
                      "in [[tool.hookman.projects]]")


def _version_locations(
    ws: Workspace, options: dict[str, str], toml: TomlOptions, here: str, where: str
) -> list[str]:
    text = options.get("version_locations")
    if text:
        sep = options.get("path_separator") or options.get("version_path_separator")
        items = split_locations(text, sep, where)
    else:
        items = toml.strings("version_locations") or []
    out = []
    for item in items:
        path = _resolve_location(ws, item, here, where)
        if path not in out:
            out.append(path)
    return out
