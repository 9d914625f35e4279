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
from hooks_manager.errors import ConfigError, NoConfigError, NotCheckedError
from hooks_manager.graph import Policy
from hooks_manager.memo import memo_for
from hooks_manager.repo import git_dir
from hooks_manager.sources import PredictedMerge, Source, WorkTree

TYPE_CHECKING = False  # typing costs an import on the hook path; the name is for type checkers
if TYPE_CHECKING:
    from collections.abc import Callable

SETTINGS_FILES = ("pyproject.toml", ".hookman.toml")


class Workspace:
    """One repository's settings and projects, as one source shows them."""

    __slots__ = ("_root_toml", "known_dirs", "missing", "probes", "projects", "root", "settings",
                 "settings_path", "source")

    def __init__(self, root: str, source: Source, settings: Settings,
                 root_toml: tuple[dict[str, object], str | None] | None) -> None:
        self.root = root
        self.source = source
        self.settings = settings
        self.settings_path = settings.path
        self._root_toml = root_toml  # ([tool.alembic], path) of the root pyproject.toml
        self.projects: list[Project] = []
        self.missing: NoConfigError | None = None
        self.known_dirs: set[str] = set()  # folders known to exist (they hold a tracked file)
        self.probes: dict[str, bool] = {}  # every folder asked about, and the answer

    @property
    def alembic_toml(self) -> dict[str, object]:
        """[tool.alembic] of the root pyproject.toml, as the source shows it."""
        return self._root_alembic()[0]

    @property
    def toml_path(self) -> str | None:
        """The root pyproject.toml, if the source has one."""
        return self._root_alembic()[1]

    def _root_alembic(self) -> tuple[dict[str, object], str | None]:
        if self._root_toml is None:
            path = os.path.join(self.root, "pyproject.toml")
            data = self.source.read(["pyproject.toml"]).get("pyproject.toml")
            self._root_toml = ({}, None) if data is None else (
                table(parse_tool_tables(data, path), "alembic", path), path)
        return self._root_toml

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
    # Parsed once per file identity (stat or blob id): tomllib is not even imported while the
    # files stay as they were.
    identities = settings_source.identify(list(SETTINGS_FILES))
    memo = memo_for(git_dir(root), "settings")
    key = ("settings", settings_source.kind, tuple(sorted(identities.items())))
    parsed = memo.get(key)
    if not (isinstance(parsed, tuple) and len(parsed) == 4):
        wanted = dict(identities)
        if isinstance(settings_source, PredictedMerge):
            # Its whole listing is made anyway: the ini files discovery reads next come in
            # the same `git cat-file --batch` (blobs are kept per source).
            wanted.update(settings_source.tracked(("pyproject.toml",), CANDIDATE_SUFFIXES))
        found = settings_source.read_identified(wanted)
        parsed = _parse_settings(root, {path: found[path] for path in identities})
        memo.put(key, parsed)
        memo.save()
    hookman_table, settings_path, alembic_toml, toml_path = parsed
    settings = Settings(hookman_table, settings_path)
    # [tool.alembic] describes the project, so it is read where the projects are (later, and
    # only if needed, when that is not where the settings came from).
    root_toml = (alembic_toml, toml_path) if settings_source is source else None
    return Workspace(root, source, settings, root_toml)


def _parse_settings(
    root: str, found: dict[str, bytes]
) -> tuple[dict[str, object], str | None, dict[str, object], str | None]:
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
    return hookman_table, settings_path, alembic_toml, toml_path


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
        return [load_project(ws, "alembic" if section in (None, "alembic") else section, ini,
                              _sibling_toml(ws, ini), section or "alembic", settings.policy())]
    if settings.projects:
        return [_listed_project(ws, item) for item in settings.projects]
    env_ini = os.environ.get("ALEMBIC_CONFIG")
    if env_ini:
        ini = os.path.abspath(env_ini)
        if _read(ws, ini) is None:
            raise NoConfigError(f"ALEMBIC_CONFIG={env_ini}: no such alembic configuration file",
                                hint="unset it, or point it at the project's alembic.ini")
        return [load_project(ws, "alembic", ini, _sibling_toml(ws, ini), "alembic",
                              settings.policy())]
    projects = discover(ws)
    if projects:
        return projects
    links = ws.source.gitlinks()
    inside = f"; submodules ({', '.join(links)}) are other repositories, not looked into" \
        if links else ""
    raise NoConfigError(
        f"no alembic configuration found in {ws.root} (no tracked *.ini with an [alembic] "
        f"section, no [tool.alembic] in a tracked pyproject.toml{inside})",
        hint="pass -c PATH, or list the projects under [[tool.hookman.projects]] in "
             "pyproject.toml (or .hookman.toml)")


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
    data = ws.source.read([rel]).get(rel)
    if data is None:
        _refuse_submodule(ws, path)
    return data


def _refuse_submodule(ws: Workspace, path: str) -> None:
    """A path git cannot show because it lies in a submodule: "not checked", exit 2."""
    rel = _rel(ws, path)
    if rel is None or isinstance(ws.source, WorkTree):
        return  # the work tree has the submodule's files checked out
    link = ws.source.gitlink_at(rel)
    if link is not None:
        import shlex

        raise NotCheckedError(
            f"not checked: {rel} lies in submodule {link}, whose files are in another "
            f"repository, so {_source_words(ws)} cannot show them",
            hint=f"check it in the submodule: cd {shlex.quote(link)} && hookman check "
                 "(with the same --rev/--staged)")


def _source_words(ws: Workspace) -> str:
    kind = ws.source.kind
    if kind == "index":
        return "the index"
    return f"commit {ws.source.describe().get('rev')}"


def _is_dir(ws: Workspace, path: str) -> bool:
    rel = _rel(ws, path)
    if rel is None:
        return isinstance(ws.source, WorkTree) and os.path.isdir(path)
    if rel in ws.known_dirs:
        return True
    if rel not in ws.probes:
        ws.probes[rel] = ws.source.has_dir(rel)
    return ws.probes[rel]


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
    project = load_project(ws, name, ini, toml_file, section, settings.policy(item, where))
    chosen = item.get("version_locations")
    if isinstance(chosen, list) and chosen:
        # The folders alembic's env.py picks in code (Prefect: versions/postgresql or
        # versions/sqlite), named by the entry: repository-relative.
        project.locations = [os.path.normpath(os.path.join(ws.root, str(p))) for p in chosen]
    return project


def _where_source(ws: Workspace) -> str:
    kind = ws.source.kind
    return "" if kind == "worktree" else f" ({ws.source.describe().get('rev') or kind})"


def _sibling_toml(ws: Workspace, ini: str) -> str | None:
    path = os.path.join(os.path.dirname(ini), "pyproject.toml")
    return path if _read(ws, path) is not None else None


def load_project(
    ws: Workspace,
    name: str,
    ini: str | None,
    toml_path: str | None,
    section: str,
    policy: Policy,
    alembic_toml: dict[str, object] | None = None,
    default_script: str | None = None,
) -> Project:
    """One project from its ini and/or pyproject.toml; ``default_script`` is the script folder
    when the config names none (Flask-Migrate's layout)."""
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
    script_location = options.get("script_location") or toml.text("script_location") \
        or default_script
    if not script_location and ini and _read(ws, os.path.join(os.path.dirname(ini),
                                                              "env.py")) is not None:
        script_location = os.path.dirname(ini)  # Flask-Migrate: the ini sits in its folder
    if not script_location:
        raise ConfigError(f"{where}: no script_location in [{section}]",
                          hint="alembic needs script_location to find the migrations")
    notes: list[str] = []
    script_dir = _resolve_location(ws, script_location, here, where, notes, "script_location")
    if not _is_dir(ws, script_dir):
        _refuse_submodule(ws, script_dir)
        raise ConfigError(f"{where}: script_location {script_location!r} does not exist "
                          f"({script_dir}){_where_source(ws)}",
                          hint="create it with `alembic init` or fix the path")
    locations = _version_locations(ws, options, toml, here, where, notes) or [
        os.path.join(script_dir, "versions")]
    recursive = flag(options, toml, "recursive_version_locations", where)
    project = Project(name, ini, toml_path, section, script_dir, locations, recursive, policy)
    project.notes = notes
    return project


def _resolve_location(
    ws: Workspace, location: str, here: str, where: str, notes: list[str], key: str
) -> str:
    """An alembic location as alembic would take it. A relative path is taken from the
    config's folder when it exists there (alembic run from that folder, as its docs show),
    else from the repository root (projects that run `alembic -c sub/alembic.ini` from the
    root), and the note says which was used."""
    if os.path.isabs(location):
        return os.path.normpath(location)
    if ":" in location:  # "package:path": a folder inside a package (alembic's resource form)
        package, *parts = location.split(":")
        folder = os.path.join(_package_dir(ws, package, here, where), *parts)
        notes.append(f"{key} {location!r}: package {package!r} found in the repository at "
                     f"{_shown(ws, os.path.join(_package_dir(ws, package, here, where)))}")
        return folder
    beside = os.path.normpath(os.path.join(here, location))
    from_root = os.path.normpath(os.path.join(ws.root, location))
    if beside == from_root or _is_dir(ws, beside) or not _is_dir(ws, from_root):
        return beside
    notes.append(f"{key} {location!r} is taken from the repository root ({_shown(ws, from_root)})"
                 f": there is no such folder beside {_shown(ws, where)}, so alembic must be "
                 "run from the root")
    return from_root


def _shown(ws: Workspace, path: str) -> str:
    rel = _rel(ws, path)
    return path if rel is None else (rel or ".")


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
    ws: Workspace, options: dict[str, str], toml: TomlOptions, here: str, where: str,
    notes: list[str],
) -> list[str]:
    text = options.get("version_locations")
    if text:
        sep = options.get("path_separator") or options.get("version_path_separator")
        items = split_locations(text, sep, where)
    else:
        items = toml.strings("version_locations") or []
    out = []
    for item in items:
        path = _resolve_location(ws, item, here, where, notes, "version_locations")
        if path not in out:
            out.append(path)
    return out


# --- discovery: no configuration ---------------------------------------------------------------
# Finding every alembic history with no configuration, the way real projects lay them out.
#
# git is asked for the tracked candidates (one listing; the tree is never walked): every `*.ini`
# holding an ``[alembic]`` section (any name, any folder: `alembic -c server/alembic.ini`), every
# `pyproject.toml` with ``[tool.alembic]``, and every `env.py` (an alembic script folder's mark,
# which also tells where folders exist without asking git again). Then, per candidate:
#
# - ``script_location`` as alembic reads it (_resolve_location: beside the config, else
#   from the repository root, ``package:path`` from the repository's own ``src/<pkg>`` or
#   ``<pkg>/``);
# - no ``script_location`` but an `env.py` beside the ini: Flask-Migrate's `migrations/alembic.ini`
#   (Flask-Migrate passes the folder itself), so the ini's folder is the script folder;
# - a config that cannot be resolved is kept as a project with an ``error``: the check names it
#   with its fix instead of passing over it.
#
# The root's own alembic.ini / [tool.alembic] is what hookman always read ("configured" in the
# sense that alembic finds it with no option); anything else is "discovered": a guess that
# `hookman install` shows and offers to write down.

CANDIDATE_NAMES = ("pyproject.toml", "env.py")
CANDIDATE_SUFFIXES = (".ini",)


def discover(ws: Workspace) -> list[Project]:
    """The projects found with no configuration, remembered per tree: keyed by the commit's
    tree id, or by the candidates' listing (paths and blob ids or stats), with every folder
    probe re-asked, so a healthy commit neither reads nor parses a config again."""
    memo = memo_for(git_dir(ws.root), "discovery")
    tree_key = ws.source.memo_key()
    listing = None if tree_key is not None else ws.source.tracked(CANDIDATE_NAMES,
                                                                  CANDIDATE_SUFFIXES)
    key = (ws.source.kind, tree_key or tuple(sorted((listing or {}).items())))
    remembered = memo.get(key)
    if isinstance(remembered, tuple) and len(remembered) == 2:
        probes, described = remembered
        if isinstance(probes, dict) and all(_is_dir(ws, os.path.join(ws.root, rel)) == answer
                                            for rel, answer in probes.items()):
            return [_undescribe(ws, item) for item in described]
    ws.probes.clear()
    projects = _discover(ws, listing if listing is not None else
                         ws.source.tracked(CANDIDATE_NAMES, CANDIDATE_SUFFIXES))
    memo.put(key, (dict(ws.probes), [_describe(ws, p) for p in projects]))
    memo.save()
    return projects


def _describe(ws: Workspace, p: Project) -> tuple[object, ...]:
    def rel(path: str | None) -> str | None:
        return None if path is None else os.path.relpath(path, ws.root)

    return (p.name, rel(p.config_path), rel(p.toml_path), p.section, rel(p.script_location),
            [rel(loc) for loc in p.locations], p.recursive, p.found, list(p.notes), p.error)


def _undescribe(ws: Workspace, item: object) -> Project:
    assert isinstance(item, tuple)  # written by _describe, under the memo's format stamp
    name, config, toml, section, script, locations, recursive, found, notes, error = item

    def full(path: object) -> str | None:
        return None if path is None else os.path.normpath(os.path.join(ws.root, str(path)))

    project = Project(str(name), full(config), full(toml), str(section), str(full(script)),
                      [str(full(loc)) for loc in list(locations)], bool(recursive),
                      ws.settings.policy())
    project.found = str(found)
    project.notes = [str(n) for n in list(notes)]
    if error:
        message, fix = error
        project.error = (str(message), str(fix))
    return project


def _discover(ws: Workspace, listing: dict[str, str]) -> list[Project]:
    for path in listing:  # a folder holding a tracked file exists
        folder = path.rpartition("/")[0]
        while folder and folder not in ws.known_dirs:
            ws.known_dirs.add(folder)
            folder = folder.rpartition("/")[0]
    inis = sorted((p for p in listing if p.endswith(CANDIDATE_SUFFIXES)), key=_root_first)
    tomls = sorted((p for p in listing if p.rpartition("/")[2] == "pyproject.toml"),
                   key=_root_first)
    data = ws.source.read_identified({p: listing[p] for p in inis + tomls})
    alembic_tables = _alembic_tables(ws, tomls, data)
    projects: list[Project] = []
    used_tomls: set[str] = set()
    for rel in inis:
        raw = data.get(rel)
        if rel == "alembic.ini" and raw is not None:
            # The root's alembic.ini is what alembic reads with no option: it is the project
            # whatever it holds, and anything wrong with it stops the check (exit 2).
            tool = alembic_tables.get("pyproject.toml")
            toml_path = os.path.join(ws.root, "pyproject.toml") if tool else None
            used_tomls.add("pyproject.toml")
            projects.append(load_project(ws, "alembic", os.path.join(ws.root, rel), toml_path,
                                         "alembic", ws.settings.policy(), tool or {}))
            continue
        if raw is None or b"[alembic]" not in raw:
            continue
        folder = rel.rpartition("/")[0]
        toml_rel = _join(folder, "pyproject.toml")
        tool = alembic_tables.get(toml_rel)
        if tool is not None:
            used_tomls.add(toml_rel)
        project = _ini_project(ws, rel, raw, toml_rel if tool is not None else None, tool,
                               _join(folder, "env.py") in listing)
        if project is not None:
            projects.append(project)
    for rel in tomls:
        if rel == "pyproject.toml" and rel in alembic_tables and rel not in used_tomls:
            projects.insert(0, load_project(ws, "alembic", None, os.path.join(ws.root, rel),
                                            "alembic", ws.settings.policy(), alembic_tables[rel]))
        elif rel in alembic_tables and rel not in used_tomls:
            projects.append(_toml_project(ws, rel, alembic_tables[rel]))
    _name(ws, projects)
    return projects


def _root_first(path: str) -> tuple[int, str]:
    return (path.count("/"), path)


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _alembic_tables(
    ws: Workspace, tomls: list[str], data: dict[str, bytes]
) -> dict[str, dict[str, object]]:
    found = {}
    for rel in tomls:
        raw = data.get(rel)
        if raw is None or b"alembic" not in raw:  # tomllib is not even imported for it
            continue
        path = os.path.join(ws.root, rel)
        try:
            tool = table(parse_tool_tables(raw, path), "alembic", path)
        except ConfigError:
            if rel != "pyproject.toml":
                continue  # someone else's broken file deep in the tree is not ours to judge
            raise
        if tool:
            found[rel] = tool
    return found


def _toml_project(ws: Workspace, rel: str, tool: dict[str, object]) -> Project:
    def load() -> Project:
        return load_project(ws, "", None, os.path.join(ws.root, rel), "alembic",
                            ws.settings.policy(), tool)

    return _guarded(ws, rel, load)


def _ini_project(
    ws: Workspace, rel: str, raw: bytes, toml_rel: str | None, tool: dict[str, object] | None,
    env_beside: bool,
) -> Project | None:
    ini = os.path.join(ws.root, rel)
    try:
        options = read_ini(raw, ini, "alembic")
    except ConfigError as exc:
        return _unresolved(ws, rel, exc)
    if options is None:
        return None  # "[alembic]" was only mentioned (a comment, another section's value)
    toml_path = os.path.join(ws.root, toml_rel) if toml_rel else None
    flask = not options.get("script_location") and not (tool or {}).get("script_location")
    if flask and not env_beside:
        return _unresolved(ws, rel, ConfigError(
            f"{ini}: [alembic] has no script_location and there is no env.py beside it",
            hint="add script_location to it, or list the project with its folder under "
                 "[[tool.hookman.projects]]"))

    def load() -> Project:
        return load_project(ws, "", ini, toml_path, "alembic", ws.settings.policy(),
                            tool or {}, default_script=os.path.dirname(ini) if flask else None)

    project = _guarded(ws, rel, load)
    if flask and project.error is None:
        project.notes.insert(0, f"{rel} has no script_location but env.py beside it "
                                "(Flask-Migrate's layout): its folder is the script folder")
    return project


def _guarded(ws: Workspace, rel: str, load: Callable[[], Project]) -> Project:
    try:
        project = load()
    except ConfigError as exc:
        return _unresolved(ws, rel, exc)
    project.found = "configured" if rel in ("alembic.ini", "pyproject.toml") else "discovered"
    return project


def _unresolved(ws: Workspace, rel: str, exc: ConfigError) -> Project:
    """A config found but not understood: kept, so the check names it instead of passing."""
    path = os.path.join(ws.root, rel)
    is_ini = rel.endswith(".ini")
    project = Project("", path if is_ini else None, None if is_ini else path, "alembic",
                      os.path.dirname(path), [], False, ws.settings.policy())
    project.found = "discovered"
    fix = exc.hint or "fix it"
    project.error = (exc.message, f"{fix}; or, if it is not a project to check, list the "
                     "real ones under [[tool.hookman.projects]] (configuration wins)")
    return project


def _name(ws: Workspace, projects: list[Project]) -> None:
    """The root's project is "alembic" (the name hookman always gave it); others are named by
    their folder, or by their file when one folder holds several."""
    folders = [os.path.dirname(p.config_path or p.toml_path or ws.root) for p in projects]
    for project, folder in zip(projects, folders, strict=True):
        rel = os.path.relpath(folder, ws.root).replace(os.sep, "/")
        if rel == "." and folders.count(folder) == 1:
            project.name = "alembic"
        elif folders.count(folder) == 1:
            project.name = rel
        else:
            shown = project.config_path or project.toml_path or folder
            project.name = os.path.relpath(shown, ws.root).replace(os.sep, "/")
