"""Site-packages on demand. The hook shims start Python with -S: no site module, no .pth files,
a third of the interpreter's start-up, and the commit check needs only the standard library.
Before hookman imports a third-party library (alembic, GitPython, questionary, typer) it calls
``full_site()``, which runs what -S skipped (site.main(), documented for exactly this), so
the fix path sees the same packages a normal start would."""

from __future__ import annotations

import sys


def full_site() -> None:
    if not sys.flags.no_site or "site" in sys.modules:
        return  # a normal start has run site already (or an earlier call has)
    import site

    site.main()
