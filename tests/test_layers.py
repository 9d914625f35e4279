"""The package's import graph, read from the source (ast; nothing is imported): no cycle, every
module in a layer, every import (at module level or inside a function) pointing to its own
layer or a lower one, and each heavy library behind its one module.

Function-level imports stay where they buy speed: the healthy hook path and `hookman check`
load only the modules they need, so a hook that finds nothing wrong never pays for the fix,
the prompts, the report or a heavy library. Deferring an import must not hide a cycle,
though, so a deferred import of one of hookman's own modules obeys the same rule as any
other: it points down (or sideways, within its layer), never up. Deferred standard-library
imports are a speed choice alone and cannot make a cycle; they are not listed here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import hooks_manager

PACKAGE = Path(hooks_manager.__file__).parent

# Bottom to top. A module may import from its own layer or any layer below it, never above,
# whether at module level or inside a function. "__init__" is the package itself (the version).
LAYERS: list[tuple[str, set[str]]] = [
    ("base: errors, the pure graph, text safety, switches, the command declaration",
     {"__init__", "errors", "graph", "digest", "textsafe", "flags", "sitepaths", "commands",
      "argv"}),
    ("bytes, caches, processes, git queries, output",
     {"scan", "cache", "memo", "proc", "repo", "netgit", "output", "guard", "drawing", "overlaps",
      "shims", "prompts", "fixcmd"}),
    ("sources and outside tools",
     {"sources", "gitops", "testrun", "fixlock", "owned", "masking"}),
    # Projects and settings are read through the sources (at a commit, too), and alembic
    # itself needs a project.
    ("projects and settings; alembic",
     {"config", "workspace", "at_commit", "selection", "entries", "merge", "alembic_loader",
      "pyera", "hygiene"}),
    ("the check, its explanation and its report",
     {"check", "inherited", "explain", "headfile", "report", "ci_output"}),
    # What a hook run and a push are, below everything that drives or fixes them.
    ("hook and push state", {"hookrun", "refs", "chain"}),
    ("fixes", {"fix", "relink", "pushfix"}),
    ("hooks and checks", {"hook", "prepush", "siblings", "server", "ci", "offsite", "checkcmd"}),
    ("install and diagnose", {"installer", "writehook", "doctor"}),
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


def _layer_of() -> dict[str, int]:
    layer_of: dict[str, int] = {}
    for index, (_, names) in enumerate(LAYERS):
        for name in names:
            assert name not in layer_of, f"{name} is in two layers"
            layer_of[name] = index
    return layer_of


def test_the_reader_sees_the_package() -> None:
    # The graph is read, not assumed: the entry points and their imports are all there, at
    # module level and inside functions.
    found = imports()
    assert {"main", "cli", "hook", "errors", "graph"} <= MODULES
    assert any(i.source == "main" and i.target == "errors" and i.at_module_level
               for i in found)
    assert any(i.source == "cli" and i.target == "typer" for i in found)
    assert ("main", "hook") in _internal_edges(module_level_only=False)
    assert ("main", "hook") not in _internal_edges(module_level_only=True)


def test_no_cycle_among_module_level_imports() -> None:
    assert cycles(_internal_edges(module_level_only=True)) == set()


def test_no_cycle_even_through_function_level_imports() -> None:
    found = cycles(_internal_edges(module_level_only=False))
    assert found == set(), f"import cycles: {sorted(found)}"


def test_each_heavy_library_lives_behind_its_module() -> None:
    for i in imports():
        top = i.target.partition(".")[0]
        if top in HEAVY_OWNERS:
            assert i.source in HEAVY_OWNERS[top], f"{i.source} imports {i.target}"


def test_every_module_has_a_layer() -> None:
    layer_of = _layer_of()
    assert set(layer_of) == MODULES, (
        f"not placed in LAYERS: {sorted(MODULES - set(layer_of))}; "
        f"in LAYERS but gone: {sorted(set(layer_of) - MODULES)}")


def test_no_import_goes_up_a_layer_not_even_inside_a_function() -> None:
    layer_of = _layer_of()
    upward = sorted(f"{a} ({LAYERS[layer_of[a]][0]}) -> {b} ({LAYERS[layer_of[b]][0]})"
                    for a, b in _internal_edges(module_level_only=False)
                    if layer_of[b] > layer_of[a])
    assert not upward, f"imports that go up a layer: {upward}"


def test_the_cycle_finder_finds_cycles() -> None:
    # A check that cannot fail proves nothing: it sees a cycle of one, two and three.
    assert cycles({("a", "a")}) == {("a",)}
    assert cycles({("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")}) == {("a", "b"),
                                                                       ("a", "b", "c")}
    assert cycles({("a", "b"), ("b", "c")}) == set()
