"""The package's import graph, read from the source (ast; nothing is imported): layers without
cycles, and function-level imports only where an import is too costly for the hook path.

Today's exceptions are listed in KNOWN_CYCLES and KNOWN_LAZY. The lists may only shrink: a new
cycle or a new function-level import fails, and so does an entry that is gone but still listed
(delete it from the list). When both lists are empty they can go.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import hooks_manager

PACKAGE = Path(hooks_manager.__file__).parent

# Bottom to top. A module may import from its own layer or any layer below it, never above.
# "__init__" is the package itself (the version).
LAYERS: list[tuple[str, set[str]]] = [
    ("base: errors and the pure graph", {"__init__", "errors", "graph"}),
    ("bytes, caches, processes", {"scan", "cache", "proc"}),
    ("sources and outside tools", {"sources", "pushreads", "gitops", "prompts", "testrun",
                                   "shims"}),
    # Projects and settings are read through the sources (at a commit, too), and alembic
    # itself needs a project.
    ("projects and settings; alembic", {"config", "merge", "alembic_loader"}),
    ("the check and its report", {"check", "report"}),
    ("hooks, fixes, install", {"hook", "chain", "prepush", "pushfix", "fix", "installer",
                               "doctor"}),
    ("entry points", {"main", "cli", "__main__"}),
]

# Third-party libraries the hook path must never load, each behind its one module.
HEAVY_OWNERS: dict[str, set[str]] = {
    "alembic": {"merge", "alembic_loader"},
    "sqlalchemy": set(),  # only ever through alembic
    "git": {"gitops"},
    "typer": {"cli"},
    "questionary": {"prompts"},
    "prompt_toolkit": {"prompts"},
}
# Importing one of those modules is importing its library: deferring it is the same deferral.
WRAPPERS = set().union(*HEAVY_OWNERS.values())
# Standard-library modules the hook path and `hookman check` do without on a healthy history,
# because each costs milliseconds there (most pull in `re`, `collections` or `typing`).
COSTLY_STDLIB = {"tomllib", "configparser", "json", "tempfile", "traceback", "shutil", "shlex",
                 "ast", "subprocess", "importlib.machinery", "importlib.resources"}

# Today's cycles through function-level imports (module names in cycle order, starting at the
# alphabetically first). The refactor removes them; then this list is empty.
KNOWN_CYCLES: set[tuple[str, ...]] = {
    ("cli", "main"),
    ("hook", "prepush"),
    ("prepush", "pushfix"),
    ("chain", "hook"),
    ("cli", "fix", "main"),
    ("hook", "prepush", "pushfix"),
    ("fix", "main", "hook", "prepush", "pushfix"),
    ("chain", "hook", "prepush", "pushfix", "fix", "main", "cli", "installer"),
    ("chain", "hook", "prepush", "pushfix", "fix", "main", "cli", "doctor", "installer"),
}

# Today's function-level imports of anything but a heavy library (module, what it imports).
KNOWN_LAZY: set[tuple[str, str]] = {
    ("chain", "errno"),
    ("chain", "proc"),
    ("cli", "doctor"),
    ("cli", "fix"),
    ("cli", "installer"),
    ("cli", "main"),
    ("cli", "os"),
    ("doctor", "check"),
    ("doctor", "config"),
    ("doctor", "sources"),
    ("doctor", "testrun"),
    ("fix", "config"),
    ("fix", "errors"),
    ("fix", "main"),
    ("fix", "proc"),
    ("fix", "report"),
    ("fix", "sources"),
    ("hook", "chain"),
    ("hook", "check"),
    ("hook", "prepush"),
    ("hook", "report"),
    ("installer", "config"),
    ("installer", "errors"),
    ("installer", "proc"),
    ("installer", "testrun"),
    ("main", "check"),
    ("main", "config"),
    ("main", "hook"),
    ("main", "report"),
    ("prepush", "pushfix"),
    ("prepush", "report"),
    ("prepush", "testrun"),
    ("proc", "select"),
    ("proc", "sys"),
    ("pushfix", "fix"),
    ("report", "sources"),
    ("shims", "errors"),
    ("sources", "proc"),
}


class Import:
    __slots__ = ("at_module_level", "source", "target")

    def __init__(self, source: str, target: str, at_module_level: bool) -> None:
        self.source = source
        self.target = target  # a package module's short name, or a dotted outside name
        self.at_module_level = at_module_level

    @property
    def internal(self) -> bool:
        return self.target in MODULES


def _short(dotted: str) -> str:
    if dotted == "hooks_manager":
        return "__init__"
    return dotted.removeprefix("hooks_manager.")


MODULES = {path.stem for path in PACKAGE.glob("*.py")}


def _targets(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield _short(alias.name) if alias.name.startswith("hooks_manager") else alias.name
        return
    assert node.level == 0, "the package uses absolute imports only"
    module = node.module or ""
    if not module.startswith("hooks_manager"):
        yield module
        return
    for alias in node.names:  # `from hooks_manager import x` names module x if there is one
        name = _short(f"{module}.{alias.name}")
        yield name if name in MODULES else _short(module)


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and (
        node.test.id == "TYPE_CHECKING")


def _walk(source: str, node: ast.AST, at_module_level: bool) -> Iterator[Import]:
    for child in ast.iter_child_nodes(node):
        if _is_type_checking(child):
            continue  # for type checkers only: never run
        if isinstance(child, ast.ImportFrom) and child.module == "__future__":
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            for target in _targets(child):
                yield Import(source, target, at_module_level)
        inner = at_module_level and not isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _walk(source, child, inner)


def imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted(PACKAGE.glob("*.py")):
        found.extend(_walk(path.stem, ast.parse(path.read_bytes(), str(path)), True))
    return found


def cycles(edges: set[tuple[str, str]]) -> set[tuple[str, ...]]:
    """Every elementary cycle, each once, starting at its alphabetically first module."""
    following: dict[str, set[str]] = {}
    for a, b in edges:
        following.setdefault(a, set()).add(b)
    found: set[tuple[str, ...]] = set()

    def extend(path: list[str]) -> None:
        for nxt in following.get(path[-1], ()):
            if nxt == path[0]:
                found.add(tuple(path))
            elif nxt > path[0] and nxt not in path:
                extend([*path, nxt])

    for start in following:
        extend([start])
    return found


def _internal_edges(module_level_only: bool) -> set[tuple[str, str]]:
    return {(i.source, i.target) for i in imports()
            if i.internal and i.source != i.target
            and (i.at_module_level or not module_level_only)}


def _lazy_allowed(target: str) -> bool:
    return (target.partition(".")[0] in HEAVY_OWNERS or target in WRAPPERS
            or target in COSTLY_STDLIB)


def _only_shrinks(found: set[object], known: set[object], what: str) -> None:
    new, gone = sorted(map(str, found - known)), sorted(map(str, known - found))
    assert not new, f"new {what} (not allowed): {new}"
    assert not gone, f"{what} gone, delete from the known list in this test: {gone}"


def test_the_reader_sees_the_package() -> None:
    # The graph is read, not assumed: the entry points and their imports are all there.
    found = imports()
    assert {"main", "cli", "hook", "errors", "graph"} <= MODULES
    assert any(i.source == "main" and i.target == "errors" and i.at_module_level
               for i in found)
    assert any(i.source == "cli" and i.target == "typer" for i in found)


def test_no_cycle_among_module_level_imports() -> None:
    assert cycles(_internal_edges(module_level_only=True)) == set()


def test_cycles_through_function_level_imports_only_go_away() -> None:
    _only_shrinks(set(cycles(_internal_edges(module_level_only=False))), set(KNOWN_CYCLES),
                  "import cycles")


def test_function_level_imports_are_for_costly_modules_only() -> None:
    found = {(i.source, i.target) for i in imports()
             if not i.at_module_level and not _lazy_allowed(i.target)}
    _only_shrinks(set(found), set(KNOWN_LAZY), "function-level imports")


def test_each_heavy_library_lives_behind_its_module() -> None:
    for i in imports():
        top = i.target.partition(".")[0]
        if top in HEAVY_OWNERS:
            assert i.source in HEAVY_OWNERS[top], f"{i.source} imports {i.target}"


def test_every_module_has_a_layer_and_no_import_goes_up() -> None:
    layer_of: dict[str, int] = {}
    for index, (_, names) in enumerate(LAYERS):
        for name in names:
            assert name not in layer_of, f"{name} is in two layers"
            layer_of[name] = index
    assert set(layer_of) == MODULES, (
        f"not placed in LAYERS: {sorted(MODULES - set(layer_of))}; "
        f"in LAYERS but gone: {sorted(set(layer_of) - MODULES)}")
    # Today's known function-level imports are exempt until they are removed.
    upward = sorted(f"{a} ({LAYERS[layer_of[a]][0]}) -> {b} ({LAYERS[layer_of[b]][0]})"
                    for a, b in _internal_edges(module_level_only=False)
                    if layer_of[b] > layer_of[a] and (a, b) not in KNOWN_LAZY)
    assert not upward, upward


def test_the_cycle_finder_finds_cycles() -> None:
    # A check that cannot fail proves nothing: it sees a cycle of one, two and three.
    assert cycles({("a", "a")}) == {("a",)}
    assert cycles({("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")}) == {("a", "b"),
                                                                       ("a", "b", "c")}
    assert cycles({("a", "b"), ("b", "c")}) == set()
