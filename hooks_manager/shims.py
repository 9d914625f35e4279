"""The hook shims: finding the template, rendering it for one hook type and interpreter, and
telling our files from everyone else's."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

SHIM_VERSION = 1
MARKER = f"# hookman-shim v{SHIM_VERSION}"
# Every marker hookman has ever written is `# hookman-shim v<N>` on a line of its own, so all
# prior versions (pre-commit keeps a PRIOR_HASHES list for the same job) and any later one are
# recognised as ours by this one pattern; the number says how old the shim is.
_MARKER_RE = re.compile(rb"^# hookman-shim v(\d+)[ \t]*$", re.MULTILINE)
_BLOCK_START = "# >>> hookman settings"
_BLOCK_END = "# <<< hookman settings"
_TEMPLATE = "hook.sh"
# What skips a hook once, as git spells it for the command that runs that hook.
SKIP_HINTS = {
    "pre-commit": "git commit --no-verify",
    "pre-merge-commit": "git merge --no-verify",
    "pre-push": "git push --no-verify",
}


def templates_dir(package_dir: Path | None = None) -> Path:
    """The shim templates: ``hooks_manager/templates`` inside an installed wheel (hatch
    force-includes the top-level templates/ there), else the checkout's own templates/ beside
    the package, which is what an editable install has."""
    if package_dir is None:
        from importlib.resources import files

        package_dir = Path(str(files("hooks_manager")))
    inside = package_dir / "templates"
    if (inside / _TEMPLATE).is_file():
        return inside
    checkout = package_dir.parent / "templates"
    if (checkout / _TEMPLATE).is_file():
        return checkout
    from hooks_manager.errors import HookmanError

    raise HookmanError(f"the hook template {_TEMPLATE} is missing from {inside} and {checkout}",
                       hint="reinstall hookman from where you installed it (pipx reinstall "
                            "alembic-hookman, or pip install --force-reinstall <this "
                            "repository's path or URL>)")


def sh_quote(value: str) -> str:
    """One sh word with exactly ``value``'s bytes: single quotes, each ' written as '\\''."""
    return "'" + value.replace("'", "'\\''") + "'"


def render(hook_type: str, python: str, template: str | None = None,
           install_folder: str | None = None) -> str:
    """The shim for ``hook_type`` that runs hookman with ``python``. Values go into the settings
    block as quoted sh words; nothing else in the template is touched (no str.format, so a
    path holding braces, quotes or `$` is written as it is)."""
    if template is None:
        template = (templates_dir() / _TEMPLATE).read_text(encoding="utf-8")
    start = template.index(_BLOCK_START)
    start = template.index("\n", start) + 1
    end = template.index(_BLOCK_END, start)
    values = {"HOOK_TYPE": hook_type, "INSTALL_PYTHON": python,
              "INSTALL_PATH": install_path(python) if install_folder is None else install_folder,
              "SKIP_HINT": SKIP_HINTS[hook_type]}
    block = "".join(f"{name}={sh_quote(value)}\n" for name, value in values.items())
    return template[:start] + block + template[end:]


def install_path(python: str) -> str:
    """The folder holding this hooks_manager, when the shim runs this interpreter: the shim
    then starts Python with -S (no site) and puts just that folder on sys.path. "" for another
    interpreter, whose hookman may live elsewhere: that shim starts Python the usual way."""
    if not same_interpreter(python, sys.executable):
        return ""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def same_interpreter(one: str, other: str) -> bool:
    """Whether two interpreter paths start the same Python with the same environment: a venv's
    bin/python and bin/python3 (links to one binary, one pyvenv.cfg beside them) are the same;
    two venvs built from one base binary are not, hence the folder test before samefile."""
    one, other = os.path.abspath(one), os.path.abspath(other)
    if one == other:
        return True
    if os.path.dirname(one) != os.path.dirname(other):
        return False
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def shim_version(data: bytes) -> int | None:
    """The marker version if ``data`` is a hookman shim, else None (someone else's file)."""
    found = _MARKER_RE.search(data)
    return int(found.group(1)) if found else None


def shim_python(data: bytes) -> str | None:
    """The interpreter a shim was written to run (its INSTALL_PYTHON), unquoted."""
    return shim_setting(data, "INSTALL_PYTHON") or None


def shim_setting(data: bytes, name: str) -> str | None:
    """One value of a shim's settings block, unquoted; None when the line is missing."""
    import shlex

    for line in data.decode(errors="replace").splitlines():
        if line.startswith(name + "="):
            try:
                words = shlex.split(line[len(name) + 1:])
            except ValueError:
                return None
            return words[0] if words else ""
    return None


def read_head(path: str, limit: int = 1 << 16) -> bytes | None:
    """The first bytes of a hook file; None when it cannot be read (a dangling link)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(limit)
    except OSError:
        return None


def write_shim(path: str, text: str) -> None:
    """Write ``text`` to ``path`` as an executable file, atomically: a hook is never seen half
    written by a commit running at the same time."""
    import tempfile

    folder = os.path.dirname(path)
    fd, temp = tempfile.mkstemp(prefix=".hookman-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(temp, 0o755)
        os.replace(temp, path)
    except BaseException:
        if os.path.lexists(temp):
            os.unlink(temp)
        raise
