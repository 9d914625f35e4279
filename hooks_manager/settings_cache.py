"""The parsed `[tool]` tables of pyproject.toml, kept by file identity, so a hook run reads the
settings without importing tomllib.

Any real project's pyproject.toml names alembic, so it must be parsed; `import tomllib` pulls in
`re`, `typing` and `collections` (~12 ms, half of what a healthy pre-commit hook costs beyond the
interpreter's start-up). The parsed tables are kept with marshal (built in, nothing to import)
under the file's identity, as git and the scan cache do: path, inode, size, mtime and ctime in
nanoseconds. Any write changes ctime, so an edited file is parsed again; a file whose ctime is
too close to now is not kept at all, because a second write within the same clock tick would
leave every field unchanged (git's "racily clean" case). A cache that cannot be read or written
only costs the parse: it never decides.

Integration (config loader): where it reads the `[tool]` tables of a pyproject.toml,
``tool = cached_tool_tables(path, cache_folder, read_tool_tables)``.
"""

from __future__ import annotations

import marshal
import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:  # collections.abc costs ~2 ms on the hook path; the name is for type checkers
    from collections.abc import Callable

    Tables = dict[str, object]

# The Python version is in the stamp: marshal's format, and tomllib, belong to it.
_FORMAT = (1, sys.hexversion)
FILE_NAME = "settings-cache"
# Coarse file clocks tick every 1-10 ms; a ctime this recent may not yet tell two writes apart.
RACY_NS = 100_000_000
MAX_FILES = 32  # the oldest kept file is forgotten first


def cached_tool_tables(
    path: str, folder: str | None, read: Callable[[str], Tables | None], racy_ns: int = RACY_NS
) -> Tables | None:
    """``read(path)`` (the `[tool]` table of the pyproject.toml at ``path``, or None when there
    is no such file), answered from ``folder``'s cache while the file is unchanged. Errors are
    ``read``'s own: a file that does not parse is never kept, so its message is always fresh."""
    try:
        st = os.stat(path)
    except OSError:
        return read(path)  # absent or unreadable: the reader says which
    identity = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    # HOOKMAN_NO_CACHE=1 turns every cache off, this one too.
    off = not folder or os.environ.get("HOOKMAN_NO_CACHE")
    store = None if off else os.path.join(folder or "", FILE_NAME)
    entries = _load(store) if store else {}
    found = entries.get(path)
    if found is not None and found[0] == identity:
        return found[1]
    tables = read(path)
    if store is not None and tables is not None and time.time_ns() - st.st_ctime_ns > racy_ns:
        entries.pop(path, None)
        entries[path] = (identity, tables)
        while len(entries) > MAX_FILES:  # clones come and go under a shared HOOKMAN_CACHE_DIR
            del entries[next(iter(entries))]
        _save(store, entries)
    return tables


def _load(store: str) -> dict[str, tuple[tuple[int, ...], Tables]]:
    try:
        with open(store, "rb") as handle:
            loaded = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == _FORMAT and isinstance(
            loaded[1], dict):
        return loaded[1]
    return {}


def _save(store: str, entries: dict[str, tuple[tuple[int, ...], Tables]]) -> None:
    tmp = f"{store}.{os.getpid()}.tmp"
    try:
        data = marshal.dumps((_FORMAT, entries))
    except ValueError:
        return  # a TOML date or time: marshal cannot keep it, so this file is parsed each time
    try:
        os.makedirs(os.path.dirname(store), exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, store)
    except OSError:
        try:  # noqa: SIM105 - contextlib costs ~2 ms to import on the hook path
            os.unlink(tmp)
        except OSError:
            pass
