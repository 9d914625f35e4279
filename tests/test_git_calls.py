"""One git module: every git process is asked for in repo.py (the questions) or sources.py (the
bytes of the repository), started by proc.py; netgit.py starts its own fetch (a bound in time)
and gitops.py holds GitPython. Read from the source with ast (nothing is imported or run), so
a new `["git", ...]` anywhere else fails here, naming the file and line.

chain.py is not on the list: it runs the user's previous hook, never git, and this test holds
it to that like every other module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hooks_manager

PACKAGE = Path(hooks_manager.__file__).parent

# The modules that may start git.
GIT_OWNERS = {"proc", "repo", "sources", "netgit", "gitops"}

# proc's functions that start git and nothing else.
_GIT_ONLY = {"git", "start", "finish"}
# Calls that start a process whatever it is: git in their first argument is git run.
_RUNNERS = {("proc", "run"), ("proc", "stream"), ("subprocess", "run"),
            ("subprocess", "Popen"), ("subprocess", "call"), ("subprocess", "check_call"),
            ("subprocess", "check_output"), ("os", "system"), ("os", "popen"),
            ("os", "posix_spawn"), ("os", "posix_spawnp"), ("os", "execvp"), ("os", "execv")}


def _is_git_argv(node: ast.AST) -> bool:
    """`["git", ...]` or `("git", ...)`; also a shell line `"git ..."`."""
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        first = node.elts[0]
        return isinstance(first, ast.Constant) and first.value == "git"
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and (
        node.value == "git" or node.value.startswith("git "))


def _dotted(func: ast.expr) -> tuple[str, str] | None:
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id, func.attr
    return None


def _shown_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """A git argv that is printed (`shlex.join`, a fix step of fixcmd) or compared, not run."""
    parent = parents.get(node)
    if isinstance(parent, ast.Compare):
        return True
    if isinstance(parent, ast.Call):
        name = _dotted(parent.func)
        return name in {("shlex", "join"), ("fixcmd", "run")}
    return False


def _run_here(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """The argv is a runner's first argument: that call is reported already, once."""
    parent = parents.get(node)
    if not isinstance(parent, ast.Call) or not parent.args or parent.args[0] is not node:
        return False
    name = _dotted(parent.func)
    return name in _RUNNERS or (name is not None and name[0] == "proc" and name[1] in _GIT_ONLY)


def git_calls(source: str, filename: str = "<source>") -> list[str]:
    """Where ``source`` starts git or builds an argv for it: `line: what`."""
    tree = ast.parse(source, filename)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "hooks_manager.proc":
            found += [f"{node.lineno}: imports proc.{a.name}" for a in node.names
                      if a.name in _GIT_ONLY]
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name is not None and name[0] == "proc" and name[1] in _GIT_ONLY:
                found.append(f"{node.lineno}: calls proc.{name[1]}")
            elif name in _RUNNERS and node.args and _is_git_argv(node.args[0]):
                found.append(f"{node.lineno}: runs git through {name[0]}.{name[1]}")
        if isinstance(node, ast.List | ast.Tuple) and _is_git_argv(node) and not (
                _shown_only(node, parents) or _run_here(node, parents)):
            found.append(f"{node.lineno}: builds a git argv")
    return found


def test_only_the_git_modules_start_git() -> None:
    outside = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem in GIT_OWNERS:
            continue
        outside += [f"{path.name}:{where}" for where in git_calls(path.read_text(), str(path))]
    assert not outside, ("git run outside repo.py/sources.py (add a named function to repo.py "
                         f"and call it): {outside}")


def test_the_owners_are_real_modules_that_do_run_git() -> None:
    # The list is read, not assumed: each owner exists and (but gitops, through GitPython)
    # really starts git, so the check above looks at the package it means.
    names = {path.stem for path in PACKAGE.glob("*.py")}
    assert names >= GIT_OWNERS
    for owner in GIT_OWNERS - {"gitops"}:
        assert git_calls((PACKAGE / f"{owner}.py").read_text()), owner


def test_the_finder_sees_each_way_of_running_git() -> None:
    # A check that cannot fail proves nothing: each form is found, and printed lines are not.
    assert git_calls('proc.git(root, "status")\n') == ["1: calls proc.git"]
    assert git_calls('proc.start(["git", "ls-tree"], root)\n') == ["1: calls proc.start"]
    assert git_calls('proc.run(["git", *args], root)\n') == ["1: runs git through proc.run"]
    assert git_calls('subprocess.run(("git", "log"))\n') == [
        "1: runs git through subprocess.run"]
    assert git_calls('os.system("git commit")\n') == ["1: runs git through os.system"]
    assert git_calls('cmd = ["git", "log"]\nproc.run(cmd, root)\n') == ["1: builds a git argv"]
    assert git_calls('run(*["git", "log"])\n') == ["1: builds a git argv"]
    assert git_calls("from hooks_manager.proc import git\n") == ["1: imports proc.git"]
    assert git_calls('shlex.join(["git", "push", remote])\n') == []
    assert git_calls('fixcmd.run("git", "merge", upstream)\n') == []
    assert git_calls('ok = argv[:2] == ["git", "push"]\n') == []
    assert git_calls('proc.stream(argv, root)\nproc.run(["alembic"], root)\n') == []
