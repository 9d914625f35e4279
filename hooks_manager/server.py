"""The server guard: a `pre-receive` hook in a bare repository that rejects an update of a
protected branch whose new tip has a forked (or otherwise broken) alembic history.

No work tree: projects and settings come from the pushed commit's own tree (at_commit.py), the
revision files from its objects. While pre-receive runs, the pushed objects sit in git's
quarantine (GIT_QUARANTINE_PATH; GIT_OBJECT_DIRECTORY and GIT_ALTERNATE_OBJECT_DIRECTORIES
point at it): every git command hookman starts inherits that environment, so it reads them.
Nothing of the pushed commit is run: the dynamic fallback (static_fallback) is off here.
"""

from __future__ import annotations

import os
import sys

from hooks_manager.errors import EXIT_OK, EXIT_PROBLEMS, HookmanError, NoConfigError
from hooks_manager.repo import commit_sha, current_branch, git_hooks_dir, is_bare
from hooks_manager.sources import ZERO_SHA, cat_batch

HOOK = "pre-receive"
MARKER = "# hookman-server-shim v1"
_SHIM = """\
#!/bin/sh
# hookman-server-shim v1
# Written by `hookman install --server`: rejects a push to a protected branch whose alembic
# history forks. A pre-receive hook that was here before is kept as pre-receive.hookman-prev
# and runs first. HOOKMAN=0 in the server's environment turns the check off (said out loud).
INSTALL_PYTHON={python}
case $0 in */*) HOOKMAN_HOOKS_DIR=${{0%/*}} ;; *) HOOKMAN_HOOKS_DIR=. ;; esac
export HOOKMAN_HOOKS_DIR
if [ -x "$INSTALL_PYTHON" ]; then
  exec "$INSTALL_PYTHON" -P -c 'from hooks_manager.main import main
raise SystemExit(main())' pre-receive "$@"
fi
if command -v hookman >/dev/null 2>&1; then
  exec hookman pre-receive "$@"
fi
echo "hookman: not found ($INSTALL_PYTHON is gone and no hookman on PATH): push rejected;" \
  "the server's admin reinstalls it with 'hookman install --server'" >&2
exit 1
"""


def say(message: str) -> None:
    # git relays the hook's output to the pusher as `remote: ...` lines: terminal-safe there too.
    from hooks_manager.output import say as say_safely

    say_safely(message)


# --- install -----------------------------------------------------------------------------------


def install_server(cwd: str, python: str | None = None) -> list[str]:
    """Write `pre-receive` into the bare repository's hooks folder; a hook already there is
    kept as pre-receive.hookman-prev and run first."""
    from hooks_manager.chain import previous_path
    from hooks_manager.shims import read_head, sh_quote, write_shim

    if not is_bare(cwd):
        raise HookmanError(f"{cwd} is a clone with a work tree, not a bare repository",
                           hint="hookman install --server is for the repository a server "
                                "receives pushes in; for a clone, run hookman install")
    hooks_dir = git_hooks_dir(cwd)
    os.makedirs(hooks_dir, exist_ok=True)
    path = os.path.join(hooks_dir, HOOK)
    prev = previous_path(hooks_dir, HOOK)
    fresh = _SHIM.format(python=sh_quote(python or sys.executable))
    head = read_head(path)
    lines = []
    if head is not None and MARKER.encode() in head:
        if head == fresh.encode():
            return [f"{path}: up to date"]
        write_shim(path, fresh)
        return [f"{path}: refreshed"]
    if os.path.lexists(path):
        if os.path.lexists(prev):
            raise HookmanError(f"{path} is not hookman's, and {prev} already holds a hook kept "
                               "earlier", hint="move one of the two away, then install again")
        os.rename(path, prev)  # same folder: bytes and mode kept
        lines.append(f"{path}: kept the hook that was here as {os.path.basename(prev)}; it "
                     "runs first")
    write_shim(path, fresh)
    default = current_branch(cwd)  # a bare repository's HEAD names its default branch
    if default is None:
        lines.append(f"{path}: installed; HEAD names no branch, so no default branch is "
                     "protected: every pushed branch is judged until [tool.hookman] "
                     "protected_branches says which")
    else:
        lines.append(f"{path}: installed (protects {default}, the default branch, unless "
                     "[tool.hookman] protected_branches in the pushed commit says otherwise)")
        if not _exists(cwd, default):
            lines.append(f"hookman: warning: the default branch {default} does not exist yet "
                         "(HEAD points to it): until it does, every pushed branch without a "
                         "protected_branches setting is judged as protected; set "
                         f"protected_branches, or point HEAD at the branch you push (git "
                         f"symbolic-ref HEAD refs/heads/main)")
    return lines


def _exists(where: str, branch: str) -> bool:
    return commit_sha(where, f"refs/heads/{branch}") is not None


def uninstall_server(cwd: str) -> list[str]:
    """Remove hookman's pre-receive (marker checked) and put back the hook it replaced."""
    from hooks_manager.chain import previous_path
    from hooks_manager.shims import read_head

    hooks_dir = git_hooks_dir(cwd)
    path = os.path.join(hooks_dir, HOOK)
    prev = previous_path(hooks_dir, HOOK)
    head = read_head(path)
    if head is None or MARKER.encode() not in head:
        return [f"{path}: not hookman's (or absent), left alone"]
    os.unlink(path)
    if os.path.lexists(prev):
        os.rename(prev, path)
        return [f"{path}: removed; the hook it replaced is back"]
    return [f"{path}: removed"]


# --- the hook ----------------------------------------------------------------------------------


class Update:
    __slots__ = ("new", "old", "ref")

    def __init__(self, old: str, new: str, ref: str) -> None:
        self.old = old
        self.new = new
        self.ref = ref

    @property
    def branch(self) -> str | None:
        return self.ref.removeprefix("refs/heads/") if self.ref.startswith("refs/heads/") else None


def parse_updates(stdin: bytes) -> list[Update]:
    updates = []
    for line in stdin.decode(errors="surrogateescape").splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            updates.append(Update(*parts))
    return updates


def _guard_settings(repo: str, commits: list[str]) -> dict[str, tuple[list[str] | None, bool]]:
    """commit -> (protected_branches, check_all_branches) from its pyproject.toml, read in one
    `cat-file --batch` for every commit of the push (a 200-ref push stays one git call)."""
    import tomllib

    wanted = list(dict.fromkeys(commits))
    found: dict[str, tuple[list[str] | None, bool]] = dict.fromkeys(wanted, (None, False))
    if not wanted:
        return found
    read = cat_batch(repo, [f"{c}:pyproject.toml" for c in wanted], True)
    for commit, (_, kind, data) in zip(wanted, read, strict=True):
        if kind == "missing":
            continue  # no pyproject.toml in that commit
        if b"hookman" not in data:
            continue
        try:
            table = tomllib.loads(data.decode()).get("tool", {}).get("hookman", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, AttributeError):
            continue  # the full load below names the broken file
        if not isinstance(table, dict):
            continue
        branches = table.get("protected_branches")
        names = ([b for b in branches if isinstance(b, str)]
                 if isinstance(branches, list) else None)
        found[commit] = (names, table.get("check_all_branches") is True)
    return found


def _matches(branch: str, patterns: list[str]) -> bool:
    from fnmatch import fnmatchcase

    return any(fnmatchcase(branch, pattern) for pattern in patterns)


def protected(update: Update, default: str | None,
              settings: dict[str, tuple[list[str] | None, bool]]) -> bool:
    """Protected by the branch's settings before the push or after it: a push cannot lift the
    protection of the branch it updates."""
    branch = update.branch
    if branch is None:
        return False
    for commit in (update.old, update.new):
        if commit == ZERO_SHA:
            continue
        names, check_all = settings.get(commit, (None, False))
        if check_all or _matches(branch, names if names is not None else
                                 [default] if default else []):
            return True
    return update.old == ZERO_SHA and default == branch  # a new default branch


def pre_receive(repo: str, args: list[str], stdin: bytes) -> int:
    from hooks_manager.chain import run_previous

    code = run_previous(repo, HOOK, args, stdin)
    if code:
        say(f"hookman: the previous {HOOK} hook rejected the push (exit {code})")
        return code
    from hooks_manager.flags import env_switch

    if not env_switch("HOOKMAN", unset=True, other=True):  # only a no-word turns it off
        say(f"hookman: server check skipped (HOOKMAN={os.environ['HOOKMAN']} on the server)")
        return EXIT_OK
    updates = [u for u in parse_updates(stdin) if u.new != ZERO_SHA and u.branch is not None]
    if not updates:
        return EXIT_OK  # deletions, tags, notes: nothing new reaches a branch
    default = current_branch(repo)
    settings = _guard_settings(repo, [c for u in updates for c in (u.old, u.new)
                                      if c != ZERO_SHA])
    # HEAD on an unborn branch (`init.defaultBranch=master`, then `main` pushed): no update
    # can match it, and every push would pass unseen. The safe reading: judge each branch
    # that no protected_branches setting speaks for, and say why.
    unborn = default is None or not _exists(repo, default)
    rejected = 0
    for update in updates:
        judged = protected(update, default, settings)
        if not judged and unborn and all(settings.get(c, (None, False))[0] is None
                                         for c in (update.old, update.new) if c != ZERO_SHA):
            judged = True
            why = (f"the default branch {default} does not exist yet" if default else
                   "HEAD names no branch")
            say(f"hookman: {update.ref}: judged as protected: {why}, and no "
                "protected_branches in [tool.hookman] says which branches are; set "
                "protected_branches to choose")
        if judged and not check_update(repo, update):
            rejected += 1
    if rejected:
        say(f"hookman: push rejected: {rejected} protected branch update(s) would fork or break "
            "the alembic history (above). Merge the heads on your branch "
            "(hookman merge --commit), then push again.")
        return EXIT_PROBLEMS
    return EXIT_OK


def check_update(repo: str, update: Update) -> bool:
    """Whether the new tip's history is healthy; prints what is wrong."""
    from hooks_manager.at_commit import load_at_commit
    from hooks_manager.check import check_projects
    from hooks_manager.report import render_text
    from hooks_manager.sources import GitReads, SharedCommit

    short = update.new[:10]
    try:
        settings, projects = load_at_commit(repo, update.new)
    except NoConfigError:
        return True  # no alembic project in that commit: nothing to protect
    except HookmanError as exc:
        say(f"hookman: {update.ref} {short}: cannot read its configuration: {exc.message}")
        return False
    import copy

    settings = copy.copy(settings)  # settings may be shared (parsed once per file identity)
    settings.static_fallback = False  # never run the pushed files on the server
    reports = check_projects(projects, SharedCommit(GitReads(repo), update.new), settings)
    if all(r.verdict.ok for r in reports):
        heads = "; ".join(f"{r.project.name}: head {', '.join(r.verdict.head_ids) or 'none'}"
                          for r in reports)
        say(f"hookman: {update.ref} {short}: ok — {heads}")
        return True
    say(f"hookman: {update.ref} {short}: rejected")
    say(render_text([r for r in reports if not r.verdict.ok], quiet=True))
    return False


def hook_main(args: list[str]) -> int:
    stdin = sys.stdin.buffer.read() if sys.stdin else b""
    repo = os.getcwd()  # git runs pre-receive in the repository (GIT_DIR=.)
    return pre_receive(repo, args, stdin)
