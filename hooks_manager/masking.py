"""`hookman doctor`'s search for setups that hide a fork: `upgrade heads` (plural) where a
deploy or a test suite should fail on a fork, heads counted with `wc -l` (0 lines when alembic
crashes: fail-open), a heads check behind a `paths:` filter, a depth-1 checkout before an
upstream check, and `down_revision` set by code (no static tool can read it).

Only files git tracks are read (`git ls-files`), never untracked trees; nothing is run. The
GitHub workflow reading is a small line-based one (indentation and keys), enough for the few
keys it needs; a YAML library is not worth a dependency here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Protocol

_MAX_BYTES = 1 << 20  # a larger "Dockerfile" or workflow is not hand-written: skip it


class Sink(Protocol):
    """doctor's Findings: where the lines go."""

    lines: list[str]

    def ok(self, message: str) -> None: ...

    def bad(self, message: str) -> None: ...

    def note(self, message: str) -> None: ...


class Finding:
    __slots__ = ("fix", "kind", "line", "path", "what")

    def __init__(self, kind: str, path: str, line: int, what: str, fix: str) -> None:
        self.kind = kind
        self.path = path
        self.line = line
        self.what = what
        self.fix = fix

    def render(self) -> str:
        from hooks_manager.drawing import clean

        return f"{clean(self.path)}:{self.line}: {self.what}; fix: {self.fix}"


def tracked_files(root: str) -> list[str]:
    from hooks_manager.repo import ls_files

    return ls_files(root, "--cached") or []


def _kind_of(path: str) -> str | None:
    """Which reader a tracked file gets, by its name."""
    name = path.rpartition("/")[2].lower()
    if path.startswith(".github/workflows/") and name.endswith((".yml", ".yaml")):
        return "workflow"
    if name.startswith("dockerfile") or name.endswith((".dockerfile", ".containerfile")) \
            or name == "containerfile":
        return "shell"
    if ("compose" in name and name.endswith((".yml", ".yaml"))) or name in (
            ".gitlab-ci.yml", "procfile", "makefile", "justfile", "tox.ini",
            ".pre-commit-config.yaml", "bitbucket-pipelines.yml", "azure-pipelines.yml",
            "app.json", "fly.toml", "render.yaml", "heroku.yml"):
        return "shell"
    if name.endswith((".sh", ".bash")) or "entrypoint" in name or name.startswith("start"):
        return "shell"
    if name == "conftest.py" or name == "noxfile.py" or (name.startswith("test") and
                                                        name.endswith(".py")):
        return "python"
    if "/versions/" in f"/{path}" and name.endswith(".py"):
        return "revision"
    if name.endswith(".py"):
        return "python"
    return None


def find_masking(root: str) -> tuple[list[Finding], int]:
    """Every finding, and how many tracked files were read."""
    findings: list[Finding] = []
    read = 0
    for path in tracked_files(root):
        kind = _kind_of(path)
        if kind is None:
            continue
        full = os.path.join(root, path)
        try:
            if os.path.islink(full) or os.path.getsize(full) > _MAX_BYTES:
                continue
            with open(full, "rb") as handle:
                text = handle.read().decode("utf-8", "replace")
        except OSError:
            continue  # deleted in the work tree, unreadable: nothing to say about it
        read += 1
        if kind == "revision":
            findings += _revision(path, text)
            continue
        if kind == "python" and "upgrade" not in text and "heads" not in text:
            continue
        findings += _commands(path, text, python=kind == "python")
        if kind == "workflow":
            findings += _workflow(path, text)
    return findings, read


def _commands(path: str, text: str, python: bool) -> Iterator[Finding]:
    for number, line in enumerate(text.splitlines(), 1):
        low = line.lower()
        stripped = low.strip()
        if stripped.startswith("#") and not python:
            continue
        if _upgrades_heads(low, python):
            yield Finding(
                "upgrade-heads", path, number,
                "`upgrade heads` applies every head, so a fork passes here unnoticed",
                "use `alembic upgrade head` (singular): it fails on a fork, which is what a "
                "deploy or test run should do")
        if "heads" in low and "wc -l" in low and ("alembic" in low or "heads" in low):
            yield Finding(
                "wc-heads", path, number,
                "heads counted with `wc -l`: when alembic crashes it prints no line, 0 heads "
                "passes (fail-open)",
                "run `hookman check` (exit 1 on a fork, 2 when it cannot check), or test the "
                "exit status of alembic before counting")


def _upgrades_heads(low: str, python: bool) -> bool:
    if "upgrade" not in low or "heads" not in low:
        return False
    words = low.replace("'", " ").replace('"', " ").replace(",", " ").replace("(", " ") \
        .replace(")", " ").split()
    for i, word in enumerate(words):
        if word in ("upgrade", "command.upgrade", "upgrade=") and "heads" in words[i + 1:i + 4]:
            return True
    return python and "upgrade(" in low and ("'heads'" in low or '"heads"' in low)


def _revision(path: str, text: str) -> Iterator[Finding]:
    """A `down_revision` computed by code (Mergify's alembic-git-revisions, a helper): the
    history cannot be read without running the file, so forks stay invisible to every static
    check, hookman's included (unless static_fallback asks alembic)."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("down_revision"):
            continue
        name, eq, value = line.partition("=")
        if not eq or name.strip().split(":")[0].strip() != "down_revision":
            continue
        value = value.split("#", 1)[0].strip()
        if value in ("None", "") or value[:1] in ("'", '"', "(", "[") \
                or value[:2] in ("u'", 'u"'):
            continue
        yield Finding(
            "non-literal-down-revision", path, number,
            f"down_revision is computed ({value[:40]}): no static check can see a fork here",
            "write the parent id as a literal string, as alembic's template does")
        return


# --- GitHub workflows ---------------------------------------------------------------------------

_CHECKS = ("alembic heads", "hookman check", "hookman", "check-heads", "check_heads",
           "single_head", "single-head", "multiple heads", "alembic check")


def _workflow(path: str, text: str) -> Iterator[Finding]:
    lines = text.splitlines()
    low_all = text.lower()
    checks = any(c in low_all for c in _CHECKS) or "alembic" in low_all
    if not checks:
        return
    yield from _paths_filters(path, lines)
    yield from _shallow_checkout(path, lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key(line: str) -> str:
    stripped = line.strip()
    if stripped.startswith("- "):
        stripped = stripped[2:].strip()
    return stripped.split(":", 1)[0].strip().strip("'\"") if ":" in stripped else ""


def _paths_filters(path: str, lines: list[str]) -> Iterator[Finding]:
    """`paths:` / `paths-ignore:` under the top-level `on:` (pull_request, push)."""
    in_on = False
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if _indent(line) == 0:
            in_on = _key(line) in ("on", "true")  # YAML 1.1 reads a bare `on` as true
            continue
        if in_on and _key(line) in ("paths", "paths-ignore"):
            yield Finding(
                "paths-filter", path, number,
                f"the workflow that checks the migrations only runs for some paths "
                f"(`{_key(line)}:`): if its job is a required check, a PR that touches no "
                "migration never runs it, yet the fork arrives through the other PR (and "
                "merge_group cannot be path-filtered at all)",
                "drop the filter and let the job run always (`hookman check` takes "
                "milliseconds), or move the path test inside the job")


def _shallow_checkout(path: str, lines: list[str]) -> Iterator[Finding]:
    """actions/checkout fetches one commit by default; a later step that compares with the
    base (`--against`, merge-base, origin/...) then sees no base at all."""
    checkout: tuple[int, int] | None = None  # (line number, indent of the step)
    deep = False
    fetched = False
    for number, line in enumerate(lines, 1):
        low = line.lower()
        stripped = low.strip()
        if stripped.startswith("#"):
            continue
        if "actions/checkout" in low:
            checkout, deep, fetched = (number, _indent(line)), False, False
            continue
        if checkout is None:
            continue
        if "fetch-depth" in low:
            value = low.split(":", 1)[-1].strip().strip("'\"")
            deep = value != "1"
        if "git fetch" in low or "--unshallow" in low or "fetch-depth=0" in low:
            fetched = True
        upstream = "--against" in low or "merge-base" in low or "--ci" in low
        if upstream and not deep and not fetched:
            yield Finding(
                "shallow-checkout", path, checkout[0],
                f"actions/checkout fetches depth 1 here, and line {number} compares with the "
                "base: the base is not in the clone, so that check cannot see the fork",
                "add `fetch-depth: 0` to the checkout, or `git fetch --depth=1 origin "
                "<base sha>` before the check")
            checkout = None


def report_masking(root: str, found: Sink) -> None:
    """doctor's one call: a FIX line per finding, or one ok line saying what was read."""
    findings, read = find_masking(root)
    found.lines.append("setups that could hide a fork:")
    from hooks_manager.repo import is_work_tree

    if not is_work_tree(root):
        found.note("not checked: not a git clone (only tracked files are read)")
        return
    for finding in findings:
        found.bad(finding.render())
    if not findings:
        found.ok(f"none found in {read} tracked file(s) read (Dockerfiles, compose, "
                 "entrypoints, CI workflows, test fixtures, revision files)")
