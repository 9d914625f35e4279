"""Site-packages on demand. The hook shims start Python with -S: no site module, no .pth files,
a third of the interpreter's start-up, and the commit check needs only the standard library.
Before hookman imports a third-party library (alembic, GitPython, questionary, typer) it calls
``full_site()``, which runs what -S skipped (site.main(), documented for exactly this), so
the fix path sees the same packages a normal start would."""

from __future__ import annotations

import gc
import sys

# hookman's own dependencies (pyproject.toml), by import name.
LIBRARIES = ("alembic", "git", "questionary", "typer")


def full_site() -> None:
    # The libraries make cycles (SQLAlchemy, a fix's whole alembic load): collect them again.
    gc.enable()
    if not sys.flags.no_site or "site" in sys.modules:
        return  # a normal start has run site already (or an earlier call has)
    import site

    site.main()
    # The shim found hooks_manager through INSTALL_PATH, not through this interpreter's
    # packages: an editable install's source outlives a venv rebuilt without hookman. Then the
    # libraries are gone too, and the first import would end as "internal error: No module
    # named 'git'" mid-fix; say what happened and what to do instead.
    from importlib.util import find_spec

    missing = [name for name in LIBRARIES if find_spec(name) is None]
    if missing:
        from hooks_manager.errors import HookmanError

        raise HookmanError(
            f"{sys.executable} (the interpreter the hooks run) cannot import hookman's "
            f"libraries ({', '.join(missing)}): its environment changed since `hookman "
            "install` (rebuilt without hookman?)",
            hint="install hookman into that environment again, or run `hookman install` "
                 "from the hookman you use now")
