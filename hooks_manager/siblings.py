"""Open branches that will collide: from this clone's remote-tracking branches, every other
branch that adds a child of the same parent as this branch's new revision, or reuses one of
its revision ids. Neither branch is wrong alone; whichever lands second forks.

Cheap at 500 remote branches: one `for-each-ref`, one `cat-file --batch-check` for the
version folders' tree ids of every branch, one `cat-file --batch` for the trees not seen
before (a tree id names its content, so a listing is cached by it for good), and the scan
cache for the blobs. Advisory unless `siblings = "block"` in [tool.hookman].
"""

from __future__ import annotations

import os

from hooks_manager.config import Project
from hooks_manager.graph import Record
from hooks_manager.repo import added_in, commit_sha, current_branch, refs, upstream_of
from hooks_manager.sources import cat_batch as _batch

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hooks_manager.refs import PushedRef

Listing = dict[str, str]  # path (under the version folder's rel) -> blob id


class Sibling:
    """One collision with another branch."""

    __slots__ = ("author", "branch", "kind", "ours", "parent", "path", "project", "revision",
                 "when")

    def __init__(self, project: str, branch: str, kind: str, revision: str, parent: str,
                 path: str, ours: str) -> None:
        self.project = project
        self.branch = branch
        self.kind = kind  # "same-parent" or "same-id"
        self.revision = revision  # theirs
        self.parent = parent  # the shared parent (same-parent) or the reused id (same-id)
        self.path = path
        self.ours = ours  # our revision it collides with
        self.author = ""
        self.when = ""

    def text(self) -> str:
        if self.kind == "same-id":
            where = ", ".join(x for x in (self.path, self.author, self.when) if x)
            return (f"{self.branch} reuses revision id {self.parent} ({where}): whichever "
                    "lands second has a duplicate revision id")
        who = ", ".join(x for x in (self.revision, self.author, self.when) if x)
        return (f"{self.branch} also builds on {self.parent} ({who}): whichever lands second "
                "forks")

    def as_json(self) -> dict[str, str]:
        return {"project": self.project, "branch": self.branch, "kind": self.kind,
                "revision": self.revision, "parent": self.parent, "path": self.path,
                "ours": self.ours, "author": self.author, "when": self.when}


class TreeCache:
    """tree id -> its files' (name, blob id), kept in the git folder; a tree id names its
    content, so an entry never goes stale."""

    def __init__(self, git_dir: str | None) -> None:
        import marshal

        from hooks_manager.flags import env_switch

        self.path = os.path.join(git_dir, "hookman", "sibling-trees") if git_dir and not \
            env_switch("HOOKMAN_NO_CACHE") else None
        self.entries: dict[str, dict[str, str]] = {}
        self.dirty = False
        if self.path:
            try:
                with open(self.path, "rb") as handle:
                    loaded = marshal.loads(handle.read())
                if isinstance(loaded, dict):
                    self.entries = loaded
            except (OSError, EOFError, ValueError, TypeError):
                pass

    def save(self) -> None:
        import marshal

        if not self.dirty or not self.path:
            return
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(marshal.dumps(self.entries))
            os.replace(tmp, self.path)
        except OSError:
            pass


def _parse_tree(data: bytes) -> dict[str, str]:
    """A raw tree object: `<mode> <name>\\0<20-byte id>` records; regular files only (a
    folder's sub-folders are not revision files unless recursive, handled by ls-tree)."""
    out: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        space = data.index(b" ", pos)
        nul = data.index(b"\0", space)
        mode = data[pos:space]
        name = data[space + 1 : nul].decode("utf-8", "surrogateescape")
        oid = data[nul + 1 : nul + 21].hex()
        if mode.startswith(b"100"):
            out[name] = oid
        pos = nul + 21
    return out


class Scanner:
    """Records of version folders, by tree id, through the two caches."""

    def __init__(self, root: str) -> None:
        from hooks_manager.cache import cache_for
        from hooks_manager.repo import git_dir

        self.root = root
        folder = git_dir(root)
        self.trees = TreeCache(folder)
        self.blobs = cache_for(folder, "blobs")
        self.records: dict[str, Record] = {}  # blob id -> record

    def listings(self, trees: list[str], recursive: bool) -> dict[str, dict[str, str]]:
        key = "r" if recursive else "f"
        missing = [t for t in dict.fromkeys(trees) if f"{key}{t}" not in self.trees.entries]
        if recursive:
            from hooks_manager.sources import _wanted, list_tree

            for tree in missing:
                listing = list_tree(self.root, tree)
                self.trees.entries[f"r{tree}"] = {p: o for p, o in listing.items()
                                                  if _wanted(p, True)}
        else:
            from hooks_manager.sources import is_revision_name

            for tree, (_, _, data) in zip(missing, _batch(self.root, missing, True),
                                          strict=True):
                self.trees.entries[f"f{tree}"] = {n: o for n, o in _parse_tree(data).items()
                                                  if is_revision_name(n)}
        if missing:
            self.trees.dirty = True
        return {t: self.trees.entries[f"{key}{t}"] for t in trees}

    def read(self, files: dict[str, str]) -> dict[str, Record]:
        """path -> record for each (path, blob) whose file reads cleanly."""
        from hooks_manager.scan import scan

        unseen = [oid for path, oid in files.items()
                  if oid not in self.records and self.blobs.get(oid, path) is None]
        blobs = {oid: data for oid, (_, _, data) in
                 zip(unseen, _batch(self.root, list(dict.fromkeys(unseen)), True),
                     strict=False)} if unseen else {}
        out: dict[str, Record] = {}
        for path, oid in files.items():
            rec = self.records.get(oid) or self.blobs.get(oid, path)
            if rec is None and oid in blobs:
                found = scan(blobs[oid], path, path.rpartition("/")[2])
                if isinstance(found, Record):
                    rec = found
                    self.blobs.put(oid, found)
            if rec is not None:
                rec.path = path
                self.records[oid] = rec
                out[path] = rec
        return out

    def save(self) -> None:
        self.trees.save()
        self.blobs.save()


def _remote_branches(root: str) -> list[tuple[str, str]]:
    branches = []
    for ref, sha, symref in refs(root, ("refname", "objectname", "symref"), "refs/remotes/"):
        if not symref:  # origin/HEAD points at another ref: that one is listed itself
            branches.append((ref.removeprefix("refs/remotes/"), sha))
    return branches


def find_siblings(root: str, projects: list[Project], rev: str, upstream: str | None,
                  skip: set[str] | None = None) -> list[Sibling]:
    """Collisions between ``rev``'s new revisions (those ``upstream`` lacks) and those of
    every remote-tracking branch (but ``upstream`` itself and the names in ``skip``)."""
    from hooks_manager.sources import Commit

    scanner = Scanner(root)
    branches = [(n, s) for n, s in _remote_branches(root)
                if n != upstream and n not in (skip or set())]
    own_commit = Commit(root, rev)
    found: list[Sibling] = []
    for project in projects:
        rels = [own_commit.rel(loc) for loc in project.locations]
        names = [rev, *([upstream] if upstream else []), *(s for _, s in branches)]
        trees = _batch(root, [f"{n}:{r}" if r else f"{n}^{{tree}}" for n in names for r in rels],
                       False)
        ours = _records_at(scanner, trees, 0, rels, project.recursive)
        base = _records_at(scanner, trees, 1, rels, project.recursive) if upstream else {}
        base_ids = {r.revision for r in base.values()}
        new = {r.revision: r for r in ours.values() if r.revision not in base_ids}
        if not new:
            continue
        parents = {d for r in new.values() for d in r.down_revisions if d not in new}
        ours_blob = {r.revision: p for p, r in ours.items()}
        offset = 2 if upstream else 1
        seen_tree: dict[tuple[str, ...], list[Sibling]] = {}
        for i, (branch, _) in enumerate(branches):
            start = (i + offset) * len(rels)
            key = tuple(t[0] for t in trees[start : start + len(rels)])
            if key in seen_tree:  # the same version folders as a branch already looked at
                found += [_copy(s, branch) for s in seen_tree[key]]
                continue
            hits: list[Sibling] = []
            theirs = _records_at(scanner, trees, i + offset, rels, project.recursive)
            for path, rec in theirs.items():
                if rec.revision in base_ids:
                    continue
                if rec.revision in new:
                    if ours_blob.get(rec.revision) == path and _same(ours, theirs, path):
                        continue  # the same file: that branch carries our commit
                    hits.append(Sibling(project.name, branch, "same-id", rec.revision,
                                        rec.revision, path, rec.revision))
                    continue
                for parent in rec.down_revisions:
                    if parent in parents:
                        mine = next(r.revision for r in new.values()
                                    if parent in r.down_revisions)
                        hits.append(Sibling(project.name, branch, "same-parent", rec.revision,
                                            parent, path, mine))
            seen_tree[key] = hits
            found += hits
    scanner.save()
    shas = dict(branches)
    asked: dict[tuple[str, str], tuple[str, str]] = {}  # many branches share one commit
    for sib in found:
        key = (shas[sib.branch], sib.path)
        if key not in asked:
            asked[key] = _who(root, *key)
        sib.author, sib.when = asked[key]
    return found


def _records_at(scanner: Scanner, trees: list[tuple[str, str, bytes]], index: int,
                rels: list[str], recursive: bool) -> dict[str, Record]:
    """The records of the ``index``-th name's version folders (``trees`` holds, per name,
    one tree id per rel)."""
    files: dict[str, str] = {}
    for j, rel in enumerate(rels):
        oid, kind, _ = trees[index * len(rels) + j]
        if kind != "tree":
            continue
        listing = scanner.listings([oid], recursive)[oid]
        prefix = rel + "/" if rel else ""
        for name, blob in listing.items():
            files.setdefault(prefix + name, blob)
    return scanner.read(files)


def _same(ours: dict[str, Record], theirs: dict[str, Record], path: str) -> bool:
    a, b = ours.get(path), theirs.get(path)
    return a is not None and b is not None and a.down_revisions == b.down_revisions


def _copy(sib: Sibling, branch: str) -> Sibling:
    return Sibling(sib.project, branch, sib.kind, sib.revision, sib.parent, sib.path, sib.ours)


def _who(root: str, sha: str, path: str) -> tuple[str, str]:
    """Author and age of the commit that added their file (asked only for a hit)."""
    found = added_in(root, [sha], path, "%an%x00%ar")
    if found is not None and "\0" in found:
        author, when = found.split("\0", 1)
        return _safe(author), _safe(when)
    return "", ""


def _safe(text: str) -> str:
    # Repository bytes on a terminal: no control characters (escape sequences) get through.
    return "".join(c if c.isprintable() else "?" for c in text)


# --- the command and the pre-push line --------------------------------------------------------


def siblings_command(options: dict[str, str | bool]) -> int:
    """`hookman siblings`, its options parsed from the declaration (commands.py)."""
    import json
    import shlex

    from hooks_manager.errors import EXIT_OK, EXIT_PROBLEMS, HookmanError
    from hooks_manager.output import print_out
    from hooks_manager.repo import find_root
    from hooks_manager.selection import opt
    from hooks_manager.textsafe import shown

    want_json = bool(options.get("json"))
    root = find_root(os.getcwd())
    if root is None:
        raise HookmanError(f"{os.getcwd()} is not inside a git clone")
    from hooks_manager.workspace import load_workspace

    ws = load_workspace(root)
    settings, projects = ws.settings, ws.require_projects()
    remote = opt(options, "remote") or "origin"
    upstream = opt(options, "upstream") or settings.upstream or _default_upstream(root, remote)
    rev = opt(options, "rev") or "HEAD"
    from hooks_manager.selection import refuse_option_like

    refuse_option_like("--rev", rev)  # `--rev=-x` must not reach git as an option
    if upstream is not None:
        # An upstream that names nothing would make every revision look new and every verdict
        # "no sibling": refuse it, as `hookman check --against` does.
        source = "--upstream" if options.get("upstream") else \
            "upstream in [tool.hookman]" if settings.upstream else "the remote's default branch"
        refuse_option_like(source, upstream)
        if commit_sha(root, upstream) is None:
            raise HookmanError(f"{source}: {shown(upstream)} is not a known branch or commit "
                               "in this clone", hint=f"check the name, or git fetch "
                                                     f"{shlex.quote(remote)} first")
    own = _own_tracking(root, rev)
    others = [n for n, _ in _remote_branches(root) if n != upstream and n not in own]
    found = find_siblings(root, projects, rev, upstream, own)
    if want_json:
        print_out(json.dumps({"schema": 1, "rev": rev, "upstream": upstream,
                               "siblings": [s.as_json() for s in found]}, indent=2))
    else:
        if found:
            lines = [f"hookman: {s.text()}" for s in found]
        elif not others:
            # A `--depth 1 -b feat` clone sees its own branch only: nothing was compared.
            lines = [f"hookman: not checked: this clone knows no other remote branch; git "
                     f"fetch {shlex.quote(remote)} first"]
        else:
            lines = [f"hookman: no other remote branch builds on the same parent as "
                     f"{shown(rev)}'s new revisions"
                     f"{' (compared with ' + shown(upstream) + ')' if upstream else ''}"]
        if upstream is None:
            lines.append("hookman: note: no upstream known, so every revision of "
                         f"{rev} counts as new (set upstream in [tool.hookman])")
        print_out("\n".join(lines))
    return EXIT_PROBLEMS if found and settings.siblings == "block" else EXIT_OK


def _default_upstream(root: str, remote: str) -> str | None:
    from hooks_manager.refs import default_branch

    known = default_branch(root, remote)
    return known.name if known else None


def _own_tracking(root: str, rev: str) -> set[str]:
    """The remote-tracking names of the branch being checked (it is not its own sibling)."""
    tracked = upstream_of(root, rev)
    names = {tracked} if tracked is not None else set()
    short = current_branch(root)
    if short is not None and rev == "HEAD":
        names |= {n for n, _ in _remote_branches(root) if n.split("/", 1)[-1] == short}
    return names


def advise(root: str, projects: list[Project], sha: str, branch: str, upstream: str | None,
           mode: str) -> list[str]:
    """The pre-push lines for one pushed ref: advisory, or blocking when ``mode`` is block."""
    if mode == "off":
        return []
    skip = {n for n, _ in _remote_branches(root) if n.split("/", 1)[-1] == branch}
    found = find_siblings(root, projects, sha, upstream, skip)
    tail = "" if mode == "block" else " (advisory; siblings = \"block\" in [tool.hookman] stops "\
        "the push instead)"
    return [f"hookman: heads-up: {s.text()}{tail if i == len(found) - 1 else ''}"
            for i, s in enumerate(found)]


def prepush_siblings(root: str, projects: list[Project], refs: list[PushedRef],
                     upstream: str | None, mode: str) -> bool:
    """pre-push's sibling lines for every pushed branch; True when ``mode`` is "block" and a
    collision was found (the push stops). A failure to look is said, never fatal."""
    from hooks_manager.errors import HookmanError
    from hooks_manager.output import say

    if mode == "off":
        return False
    found = False
    for ref in refs:
        branch = ref.remote_ref.removeprefix("refs/heads/")
        try:
            lines = advise(root, projects, ref.local_sha, branch, upstream, mode)
        except HookmanError as exc:
            say(f"hookman: open branches not compared: {exc.message}")
            continue
        if lines:
            found = True
            say("\n".join(lines))
    if found and mode == "block":
        say("hookman: push blocked: siblings = \"block\" in [tool.hookman] (agree with the "
            "other branch's author who goes first, then rebase or merge)")
    return found and mode == "block"
