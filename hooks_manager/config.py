"""The shapes of configuration: Settings ([tool.hookman] / .hookman.toml), Project, and the
parsers of alembic.ini and TOML bytes. Which files are read, and from where (work tree, index,
a commit), is workspace.py's business; read on every hook run, so editing pyproject.toml never
needs a reinstall.
"""

from __future__ import annotations

import os

from hooks_manager.errors import ConfigError, GitError
from hooks_manager.graph import Policy

HOOK_TYPES = ("pre-commit", "pre-push", "pre-merge-commit")
CHECK_NAMES = ("alembic-heads", "alembic-upstream", "tests")
_SETTINGS = {
    "hooks", "test_command", "upstream", "fetch", "auto_merge", "required", "allowed_heads",
    "heads_per_branch_label", "static_fallback", "projects", "head_file", "fix",
    # the off-machine guards (offsite.py): server, siblings, fetch bound
    "protected_branches", "check_all_branches", "siblings", "fetch_timeout",
}
# Settings that make hookman import the repository's own code (alembic loads every migration
# file, i.e. runs it). A committed pyproject.toml is the repository's word, not the user's: it
# only turns these on with a per-clone opt-in (git config, which no clone carries) or the env.
REPO_CODE_SETTINGS = ("auto_merge", "static_fallback")
TRUST_ENV = "HOOKMAN_TRUST_REPO_CODE"
TRUST_KEY = "hookman.trustRepoCode"
FIXES = ("merge", "rebase")
_PROJECT_KEYS = {"name", "config", "section", "toml", "allowed_heads", "heads_per_branch_label",
                 "version_locations"}


class Project:
    """One alembic history: where its files live and what it allows."""

    __slots__ = ("config_path", "error", "found", "locations", "name", "notes", "policy",
                 "recursive", "script_location", "section", "toml_path")

    def __init__(
        self,
        name: str,
        config_path: str | None,
        toml_path: str | None,
        section: str,
        script_location: str,
        locations: list[str],
        recursive: bool,
        policy: Policy,
    ) -> None:
        self.name = name
        self.config_path = config_path  # absolute path of the .ini, if any
        self.toml_path = toml_path  # absolute path of the pyproject.toml with [tool.alembic]
        self.section = section
        self.script_location = script_location
        self.locations = locations  # absolute version folders, in alembic's order
        self.recursive = recursive
        self.policy = policy
        self.found = "configured"  # or "discovered": found with no configuration (a guess)
        self.notes: list[str] = []  # how a guess was made, for install and doctor to show
        self.error: tuple[str, str] | None = None  # (message, fix): found but not resolved


class Settings:
    """[tool.hookman], with defaults for everything it does not say."""

    __slots__ = ("allowed_heads", "auto_merge", "check_all_branches", "fetch", "fetch_timeout",
                 "fix", "head_file", "heads_per_branch_label", "hooks", "ignored", "path",
                 "projects", "protected_branches", "required", "siblings", "static_fallback",
                 "test_command", "upstream")

    def __init__(self, table: dict[str, object], path: str | None) -> None:
        self.path = path
        where = f"[tool.hookman] in {path}" if path else "[tool.hookman]"
        unknown = sorted(set(table) - _SETTINGS)
        if unknown:
            raise ConfigError(f"{where}: unknown setting {', '.join(unknown)}",
                              hint=f"known settings: {', '.join(sorted(_SETTINGS))}")
        self.hooks = _str_list(table, "hooks", where, list(HOOK_TYPES))
        bad = sorted(set(self.hooks) - set(HOOK_TYPES))
        if bad:
            raise ConfigError(f"{where}: hooks has {', '.join(bad)}; "
                              f"choose from {', '.join(HOOK_TYPES)}")
        self.test_command = _opt_str(table, "test_command", where)
        self.upstream = _opt_str(table, "upstream", where)
        if self.upstream is not None and not self.upstream.strip():
            raise ConfigError(f"{where}: upstream is empty",
                              hint='name a branch such as "origin/main", or leave it out')
        if self.upstream is not None and self.upstream.startswith("-"):
            # It is handed to git fetch / merge: a leading '-' would be read as an option.
            raise ConfigError(f"{where}: upstream {self.upstream!r} is not a branch name",
                              hint='name a branch such as "origin/main", or leave it out')
        # On by default: a prediction is only as fresh as the clone's origin/main, and the
        # fetch is bounded (netgit.py), so it can never hang a push.
        self.fetch = _bool(table, "fetch", where, True)
        self.fetch_timeout = _seconds(table, "fetch_timeout", where, 10.0)
        self.protected_branches = _str_list(table, "protected_branches", where, [])
        self.check_all_branches = _bool(table, "check_all_branches", where)
        siblings = table.get("siblings", "advise")
        if siblings not in ("advise", "block", "off"):
            raise ConfigError(f"{where}: siblings must be \"advise\", \"block\" or \"off\"")
        self.siblings = str(siblings)
        self.auto_merge = _bool(table, "auto_merge", where)
        self.static_fallback = _bool(table, "static_fallback", where)
        self.heads_per_branch_label = _bool(table, "heads_per_branch_label", where)
        self.allowed_heads = frozenset(_str_list(table, "allowed_heads", where, []))
        self.required = _required(table, where)
        self.projects = _project_tables(table, where)
        self.head_file = _bool(table, "head_file", where)  # the tracked alembic_heads.txt
        self.fix = _opt_str(table, "fix", where)  # the default fix for a fork; None: unset
        if self.fix is not None and self.fix not in FIXES:
            raise ConfigError(f"{where}: fix = {self.fix!r}; choose \"merge\" (write a merge "
                              "revision) or \"rebase\" (re-point the unpublished migration)")
        # Only a setting read from a file is the repository's; one built in code is the caller's.
        self.ignored: list[str] = []
        asked = [name for name in REPO_CODE_SETTINGS if getattr(self, name)]
        if asked and path is not None and not repo_code_trusted(os.path.dirname(path)):
            for name in asked:
                setattr(self, name, False)
            self.ignored = asked

    def trust_note(self) -> str | None:
        """The line that says which settings were ignored and how to opt in, or None."""
        if not self.ignored:
            return None
        return (f"hookman: {' and '.join(self.ignored)} = true in {self.path} is ignored: it "
                "makes hookman load the repository's migration files through alembic (running "
                "them), and a committed setting cannot switch that on by itself. To allow it in "
                f"this clone: git config {TRUST_KEY} true (or {TRUST_ENV}=1)")

    def policy(self, table: dict[str, object] | None = None, where: str = "") -> Policy:
        table = table or {}
        allowed = self.allowed_heads | frozenset(_str_list(table, "allowed_heads", where, []))
        per_label = self.heads_per_branch_label or _bool(table, "heads_per_branch_label", where)
        return Policy(allowed, per_label)


def repo_code_trusted(root: str) -> bool:
    """The user's own opt-in to run repository code: the environment variable, or the git
    config of this clone (local, global or system; never anything the repository commits)."""
    from hooks_manager.flags import env_switch

    if env_switch(TRUST_ENV, other=False):  # only a yes-word: running code needs a clear yes
        return True
    from hooks_manager.repo import config_bool

    try:
        return config_bool(root, TRUST_KEY) is True
    except GitError:  # no git at all: no opt-in can have been made
        return False


def _required(table: dict[str, object], where: str) -> frozenset[str]:
    value = table.get("required", False)
    if value is True:
        return frozenset(CHECK_NAMES)
    if value is False:
        return frozenset()
    names = _str_list(table, "required", where, [])
    bad = sorted(set(names) - set(CHECK_NAMES))
    if bad:
        raise ConfigError(f"{where}: required names {', '.join(bad)}; "
                          f"use true or a list of {', '.join(CHECK_NAMES)}")
    return frozenset(names)


def _project_tables(table: dict[str, object], where: str) -> list[dict[str, object]]:
    value = table.get("projects", [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where}: projects must be an array of tables "
                          "([[tool.hookman.projects]])")
    for item in value:
        unknown = sorted(set(item) - _PROJECT_KEYS)
        if unknown:
            raise ConfigError(f"{where}: [[tool.hookman.projects]] has unknown key "
                              f"{', '.join(unknown)}; known: {', '.join(sorted(_PROJECT_KEYS))}")
        for key in ("name", "config", "section", "toml"):
            if key in item and not isinstance(item[key], str):
                raise ConfigError(f"{where}: [[tool.hookman.projects]] {key} must be a string, "
                                  f"not {item[key]!r}")
        _str_list(item, "version_locations", f"{where}: [[tool.hookman.projects]]", [])
        if "config" not in item and "toml" not in item:
            raise ConfigError(f"{where}: each [[tool.hookman.projects]] needs `config` (an "
                              "alembic.ini path) or `toml` (a pyproject.toml with [tool.alembic])")
    return value


def _str_list(table: dict[str, object], key: str, where: str, default: list[str]) -> list[str]:
    value = table.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return value


def _opt_str(table: dict[str, object], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string")
    return value


def _seconds(table: dict[str, object], key: str, where: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{where}: {key} must be a positive number of seconds")
    return float(value)


def _bool(table: dict[str, object], key: str, where: str, default: bool = False) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false")
    return value


# --- parsing bytes (workspace.py reads them through a source) -----------------------------------


def parse_tool_tables(data: bytes, path: str) -> dict[str, object]:
    """The `tool` table of a pyproject.toml's bytes."""
    # tomllib costs ~7 ms to import; a file that never says either name has nothing for us.
    if b"hookman" not in data and b"alembic" not in data:
        return {}
    tool = parse_toml(data, path).get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table")
    return tool


def parse_toml(data: bytes, path: str) -> dict[str, object]:
    import tomllib

    try:
        return tomllib.loads(data.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})",
                          hint="fix the file; hookman reads its settings from it") from exc


def table(tool: dict[str, object], name: str, path: str) -> dict[str, object]:
    value = tool.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [tool.{name}] must be a table")
    return value


class TomlOptions:
    """[tool.alembic] values with %(here)s filled in, as alembic's _get_toml_config_value."""

    def __init__(self, table: dict[str, object], path: str | None) -> None:
        self.table = table
        self.path = path
        self.args = {"here": os.path.dirname(path or "")}

    def text(self, key: str) -> str | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ConfigError(f"{self.path}: [tool.alembic] {key} must be a string")
        return self._fill(value, key)

    def strings(self, key: str) -> list[str] | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.path}: [tool.alembic] {key} must be a list of strings")
        return [self._fill(v, key) for v in value]

    def _fill(self, value: str, key: str) -> str:
        try:
            return value % self.args
        except (KeyError, ValueError, TypeError) as exc:
            raise ConfigError(f"{self.path}: [tool.alembic] {key}: bad %-substitution "
                              f"in {value!r}", hint="only %(here)s is known") from exc


# The only keys of an alembic section hookman reads. alembic itself interpolates a key only when
# it reads it, so a `%` in, say, sqlalchemy.url must not break the check.
_INI_KEYS = ("script_location", "version_locations", "path_separator", "version_path_separator",
             "recursive_version_locations")


def read_ini(data: bytes, ini: str, section: str) -> dict[str, str] | None:
    """The keys hookman needs from ``[section]`` of the bytes of file ``ini``, %(here)s filled
    in; None if no such section.

    configparser, as alembic reads it (one reader: a hand-written fast path once ran
    beside it). It runs only when the settings or discovery memo misses (a changed file, a
    fresh clone), and costs ~1.3 ms beside tomllib, which loads `re` already.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{ini}: cannot be read as an alembic configuration: "
                          f"{_one_line(exc)}", hint="fix the file; alembic would fail on it too"
                          ) from exc
    return _configparser_ini(ini, text, section)


def _configparser_ini(ini: str, text: str, section: str) -> dict[str, str] | None:
    import configparser

    parser = configparser.ConfigParser({"here": os.path.dirname(ini)})
    try:
        parser.read_string(text, ini)
        if not parser.has_section(section):
            return None
        return {key: parser.get(section, key) for key in _INI_KEYS
                if parser.has_option(section, key)}
    except configparser.Error as exc:
        raise ConfigError(f"{ini}: cannot be read as an alembic configuration: "
                          f"{_one_line(exc)}", hint="fix the file; alembic would fail on it too"
                          ) from exc


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def split_locations(text: str, sep: str | None, where: str) -> list[str]:
    if sep is None:  # alembic's legacy rule: spaces and commas
        return [p for p in text.replace(",", " ").split() if p]
    chars = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
    if sep not in chars:
        raise ConfigError(f"{where}: path_separator = {sep!r} is not one of "
                          "space, newline, os, ':', ';'")
    return [p.strip() for p in text.split(chars[sep]) if p.strip()]


def flag(options: dict[str, str], toml: TomlOptions, key: str, where: str) -> bool:
    if key in options:
        return options[key] == "true"  # alembic compares with "true" exactly
    value = toml.table.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: [tool.alembic] {key} must be true or false")
    return value
