"""Where the bytes of revision files come from: the work tree, the index, a commit, or the
predicted merge of two commits. Git objects are read with plumbing (one ``ls-tree`` or
``ls-files`` and one ``cat-file --batch``), never GitPython, which is 5-10x slower here.
This is the one repository reader: configuration discovery and the revision scan read
through it, and so does a push (``GitReads``, below), whose refs share their listings.

Every source yields files in alembic's load order (per version location: a folder's files
sorted, then its sub-folders sorted, depth first), because that order decides which file wins
when two share a revision id.
"""

from __future__ import annotations

import os

from hooks_manager.cache import Key, ScanCache, cache_for
from hooks_manager.errors import ConfigError, GitError
from hooks_manager.graph import WARNING, Problem, Record
from hooks_manager.repo import git_dir, merge_base_and_ids

TYPE_CHECKING = False  # typing itself costs the hook path ~10 ms of imports (re, enum...)
if TYPE_CHECKING:
    from hooks_manager.proc import Result, Running

ZERO_SHA = "0" * 40
_LINK, _DIR = 0o120000, 0o040000  # st_mode & 0o170000 (stat.S_IFLNK, S_IFDIR: no import)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class File:
    """One candidate revision file: its record from the cache, its bytes, or the problem
    that kept us from them."""

    __slots__ = ("data", "key", "known", "path", "problem")

    def __init__(
        self,
        path: str,
        data: bytes = b"",
        problem: Problem | None = None,
        key: Key | None = None,
        known: Record | None = None,
    ) -> None:
        self.path = path  # relative to the repository root, with "/"
        self.data = data
        self.problem = problem
        self.key = key  # what the cache knows this file by
        self.known = known  # the cached record: the bytes were not read at all

    @property
    def filename(self) -> str:
        return self.path.rpartition("/")[2]


def is_revision_name(name: str) -> bool:
    """alembic's _only_source_rev_file: `*.py`, not `__init__*`, not an editor's `.#*` lock."""
    return name.endswith(".py") and not name.startswith(("__init__", ".#"))


def _walk_key(relpath: str) -> tuple[tuple[int, str], ...]:
    # Files (0) before sub-folders (1) at each level: the order of alembic's top-down walk.
    parts = relpath.split("/")
    return (*((1, p) for p in parts[:-1]), (0, parts[-1]))


def _wanted(relpath: str, recursive: bool) -> bool:
    parts = relpath.split("/")
    if len(parts) > 1 and (not recursive or any(p.endswith("__pycache__") for p in parts[:-1])):
        return False
    return is_revision_name(parts[-1])


class Source:
    """Base: subclasses list and read the files under each version location."""

    kind = "worktree"
    cache_kind = "blobs"

    def __init__(self, root: str) -> None:
        self.root = root
        self._cache: ScanCache | None = None

    @property
    def cache(self) -> ScanCache:
        # Loaded on first use: a source that only serves configuration bytes never needs it.
        if self._cache is None:
            self._cache = cache_for(git_dir(self.root), self.cache_kind)
        return self._cache

    @cache.setter
    def cache(self, cache: ScanCache) -> None:
        self._cache = cache

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind}

    def files(self, locations: list[str], recursive: bool) -> tuple[list[File], list[Problem]]:
        raise NotImplementedError

    def listing(self, locations: list[str], recursive: bool) -> list[tuple[str, Key]] | None:
        """(path, cache key) of every revision file, in load order, without reading one or
        asking the cache: what a remembered verdict is compared with. None when something
        needs saying (a missing folder, a symlink, a file that cannot be stat'ed, a conflict
        note): ``files`` says it."""
        return None

    def files_of(self, listing: list[tuple[str, Key]]) -> list[File]:
        """The files of a ``listing``: records from the cache, bytes for the rest."""
        raise NotImplementedError

    # --- the byte API configuration discovery reads through (see workspace.py) ---------------

    def tracked(self, names: tuple[str, ...], suffixes: tuple[str, ...] = ()) -> dict[str, str]:
        """path -> identity of every tracked regular file whose name is one of ``names`` or
        ends with one of ``suffixes``, at any depth; git is asked, the tree is never walked.
        The identity (a blob id, or the work tree's stat key) changes whenever the bytes do."""
        raise NotImplementedError

    def read(self, paths: list[str]) -> dict[str, bytes]:
        """The bytes of each repository-relative path; a path that is not there is left out."""
        raise NotImplementedError

    def has_dir(self, rel: str) -> bool:
        """Whether folder ``rel`` (repository-relative, "" = the root) holds any file."""
        raise NotImplementedError

    def identify(self, paths: list[str]) -> dict[str, str]:
        """path -> identity of each of ``paths`` that is there (see ``tracked``)."""
        raise NotImplementedError

    def read_identified(self, identities: dict[str, str]) -> dict[str, bytes]:
        """The bytes behind what ``identify`` or ``tracked`` returned."""
        return self.read(list(identities))

    def memo_key(self) -> object:
        """What names this source's whole tree, when one id can (a commit's tree id), so
        discovery need not even list it; None: the listing itself is the key."""
        return None

    def gitlink_at(self, rel: str) -> str | None:
        """The submodule (gitlink) path that ``rel`` lies inside, if any: its files are in
        another repository, so a commit or the index cannot show them."""
        return None

    def gitlinks(self) -> list[str]:
        """Every submodule (gitlink) path; asked only to explain why nothing was found."""
        if git_dir(self.root) is None:
            return []
        from hooks_manager import proc

        listing = proc.git(self.root, "ls-files", "-s", "-z", "--full-name")
        return [item.partition("\t")[2] for item in listing.decode("utf-8", "surrogateescape")
                .split("\0") if item.startswith("160000")]

    def show(self, path: str) -> str:
        """``path`` as the user knows it: relative to the root when inside it."""
        rel = os.path.relpath(path, self.root)
        return path if rel.startswith("..") else rel.replace(os.sep, "/")

    def revision_folders_below(self, locations: list[str]) -> list[str]:
        """Sub-folders of ``locations`` holding revision files (a `.py` that names a
        down_revision), shown relative to the root; asked only of an empty history."""
        found: list[str] = []
        for location in locations:
            for folder, data in self._below(location):
                shown = self.show(folder)
                if b"down_revision" in data and shown not in found:
                    found.append(shown)
        return sorted(found)

    def _below(self, location: str) -> list[tuple[str, bytes]]:
        """(folder, bytes) of each candidate revision file in a sub-folder of ``location``."""
        out = []
        for folder, _dirs, names in os.walk(location):
            if folder == location or "__pycache__" in folder:
                continue
            for name in sorted(names):
                if is_revision_name(name):
                    try:
                        out.append((folder, _read_file(os.path.join(folder, name))))
                    except OSError:
                        continue
        return out

    def rel(self, location: str) -> str:
        rel = os.path.relpath(location, self.root)
        if rel == ".." or rel.startswith("../") or os.path.isabs(rel):
            raise ConfigError(f"version location {location} is outside the repository "
                              f"{self.root}; git can only show files inside it")
        return "" if rel == "." else rel.replace(os.sep, "/")


# --- the work tree ------------------------------------------------------------------------------


class WorkTree(Source):
    kind = "worktree"
    cache_kind = "worktree"

    def _tracked_paths(self, names: tuple[str, ...], suffixes: tuple[str, ...]) -> list[str]:
        """The index entries the names match, remembered by the index file's identity: the
        listing is a function of the index alone, so `hookman check` in an unchanged clone
        asks git nothing."""
        folder = git_dir(self.root)
        if folder is None:
            return []
        from hooks_manager.memo import memo_for

        index = os.path.join(self.root, os.environ.get("GIT_INDEX_FILE")
                             or os.path.join(folder, "index"))
        try:
            st = os.stat(index)
        except OSError:
            return _tracked_names(self.root, names, suffixes)
        memo = memo_for(folder, "tracked")
        key = (index, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, names, suffixes)
        known = memo.get(key)
        if isinstance(known, list):
            return [str(path) for path in known]
        paths = _tracked_names(self.root, names, suffixes)
        memo.put(key, paths)
        memo.save()
        return paths

    def tracked(self, names: tuple[str, ...], suffixes: tuple[str, ...] = ()) -> dict[str, str]:
        # Tracked files as git lists them, plus the root's own files (a new alembic.ini is
        # checked before its first `git add`, as it always was); no folder is walked.
        paths = set(self._tracked_paths(names, suffixes))
        paths.update(names)
        if suffixes:
            # The root folder only: its own files, as git would list them.
            try:  # noqa: SIM105 - contextlib costs ~2 ms to import on the hook path
                paths.update(n for n in os.listdir(self.root) if n.endswith(suffixes))
            except OSError:
                pass
        found = {}
        for path in sorted(paths):
            try:
                st = os.stat(os.path.join(self.root, path))
            except OSError:
                continue  # tracked but deleted in the work tree: not there
            if not os.path.isdir(os.path.join(self.root, path)):
                found[path] = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"
        return found

    def identify(self, paths: list[str]) -> dict[str, str]:
        found = {}
        for path in paths:
            try:
                st = os.stat(os.path.join(self.root, path))
            except OSError:
                continue
            if not os.path.isdir(os.path.join(self.root, path)):
                found[path] = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"
        return found

    def read(self, paths: list[str]) -> dict[str, bytes]:
        out = {}
        for path in paths:
            try:
                out[path] = _read_file(os.path.join(self.root, path))
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as exc:
                raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from exc
        return out

    def has_dir(self, rel: str) -> bool:
        return os.path.isdir(os.path.join(self.root, rel))

    def files(self, locations: list[str], recursive: bool) -> tuple[list[File], list[Problem]]:
        found, problems = self._found(locations, recursive)
        out: list[File] = []
        for shown, path, st in found:
            if isinstance(st, OSError):
                out.append(_unreadable(shown, st))
                continue
            if st.st_mode & 0o170000 == _LINK:
                try:  # read through the link: its target's stat is what changes
                    st = os.stat(path)
                except OSError as exc:
                    out.append(_unreadable(shown, exc))
                    continue
            self._read(path, shown, _stat_key(shown, st), out)
        return out, problems

    def listing(self, locations: list[str], recursive: bool) -> list[tuple[str, Key]] | None:
        found, problems = self._found(locations, recursive)
        if problems:
            return None
        out: list[tuple[str, Key]] = []
        for shown, _, st in found:
            if isinstance(st, OSError) or st.st_mode & 0o170000 == _LINK:
                return None  # `files` says what it is, or reads through the link
            out.append((shown, _stat_key(shown, st)))
        return out

    def files_of(self, listing: list[tuple[str, Key]]) -> list[File]:
        out: list[File] = []
        for shown, key in listing:
            self._read(os.path.join(self.root, shown), shown, key, out)
        return out

    def _found(
        self, locations: list[str], recursive: bool
    ) -> tuple[list[tuple[str, str, os.stat_result | OSError]], list[Problem]]:
        """(shown path, path, lstat or why not) of every revision file in load order, and
        what is wrong."""
        found: list[tuple[str, str, os.stat_result | OSError]] = []
        problems: list[Problem] = []
        # alembic skips a file whose resolved path it already loaded ("loaded twice!
        # ignoring"): overlapping version locations, or a symlink to a sibling file.
        seen: set[str] = set()
        for location in locations:
            if not os.path.isdir(location):
                problems.append(Problem(
                    "missing-version-location",
                    f"version location {self._show(location)} does not exist",
                    path=self._show(location)))
                continue
            shown = self._show(location)
            self._walk(location, shown, recursive, found, problems, seen,
                       [os.path.realpath(location)])
        return found, problems

    def _show(self, path: str) -> str:
        rel = os.path.relpath(path, self.root)
        return path if rel.startswith("..") else rel.replace(os.sep, "/")

    def _walk(
        self,
        folder: str,
        shown: str,
        recursive: bool,
        out: list[tuple[str, str, os.stat_result | OSError]],
        problems: list[Problem],
        seen: set[str],
        parents: list[str],
    ) -> None:
        # The folder is listed through its descriptor, so each stat is relative to it (no
        # path to resolve each time), and only revision files are stat'ed at all (a folder
        # is known from the listing itself): the stats are most of a warm check's time.
        try:
            fd = os.open(folder, os.O_RDONLY | _DIRECTORY)
            try:
                with os.scandir(fd) as listing:
                    entries = sorted(listing, key=_entry_name)
            except OSError:
                os.close(fd)
                raise
        except OSError as exc:
            # Never a silent pass: a folder alembic could not read either is named.
            problems.append(Problem("unreadable-folder", f"{shown}: cannot be read "
                                    f"({exc.strerror}); its revisions were not checked",
                                    path=shown))
            return
        try:
            base = parents[-1] + os.sep  # this folder, resolved
            prefix = shown + "/"
            folders: list[str] = []
            for entry in entries:
                name = entry.name
                revision = is_revision_name(name)
                if not (revision or recursive):
                    continue
                try:
                    is_dir = entry.is_dir()  # the listing's own type: no stat but for a link
                except OSError:
                    is_dir = False  # as os.walk: an entry it cannot stat is listed as a file
                if is_dir:
                    if recursive:
                        folders.append(name)
                    continue
                if not revision:
                    continue
                path = folder + os.sep + name
                try:
                    st: os.stat_result | OSError = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    st = exc
                # Only a symlink needs resolving on its own; anything else is base + name.
                real = os.path.realpath(path) if entry.is_symlink() else base + name
                if real in seen:
                    continue
                seen.add(real)
                # Display paths are built by joining, not os.path.relpath: relpath per file
                # cost more than reading all the files.
                out.append((prefix + name, path, st))
        finally:
            os.close(fd)
        for name in folders:
            if name.endswith("__pycache__"):
                continue
            path = folder + os.sep + name
            if os.path.islink(path):
                problems.append(self._symlinked(path, parents))
                continue
            self._walk(path, f"{shown}/{name}", recursive, out, problems, seen,
                       [*parents, os.path.realpath(path)])

    def _symlinked(self, path: str, parents: list[str]) -> Problem:
        target = os.path.realpath(path)
        shown = self._show(path)
        if target in parents:
            return Problem("symlink-loop", f"{shown} is a symlink back to {self._show(target)}: "
                           "a loop (alembic does not follow it; remove the link)", path=shown)
        return Problem("symlinked-directory", f"{shown} is a symlinked folder; alembic does not "
                       "follow it, so revisions inside it are not part of the history",
                       severity=WARNING, path=shown)

    def _read(self, path: str, shown: str, key: Key, out: list[File]) -> None:
        known = self.cache.get(key, shown)
        if known is not None:
            out.append(File(shown, key=key, known=known))
            return
        try:
            data = _read_file(path)
        except OSError as exc:
            out.append(_unreadable(shown, exc))
            return
        out.append(File(shown, data, key=key))


def _stat_key(shown: str, st: os.stat_result) -> Key:
    """A work-tree file's cache key, git's own assumption: any write changes size or ctime.
    The listing a verdict is recalled by and the records it reads must use the same one."""
    return (shown, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _entry_name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _unreadable(shown: str, exc: OSError) -> File:
    return File(shown, problem=Problem("unreadable-file",
                                       f"{shown}: cannot be read ({exc.strerror})", path=shown))


def _read_file(path: str) -> bytes:
    # os.open/os.read: about four times cheaper than open().read() for small files.
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks: list[bytes] = []
        while True:
            chunk = os.read(fd, 1 << 18)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


# --- git objects -------------------------------------------------------------------------------


def read_blobs(root: str, oids: list[str]) -> dict[str, bytes]:
    """Many blobs in one `git cat-file --batch`."""
    wanted = list(dict.fromkeys(oids))
    blobs: dict[str, bytes] = {}
    for oid, (_, kind, data) in zip(wanted, cat_batch(root, wanted, True), strict=True):
        if kind == "missing":
            raise GitError(f"git object {oid} is missing from the repository")
        blobs[oid] = data
    return blobs


def cat_batch(root: str, names: list[str], contents: bool) -> list[tuple[str, str, bytes]]:
    """(oid, type, bytes) for each name (`<oid>`, `<rev>:<path>`...) in one `cat-file
    --batch` (``contents``) or `--batch-check`; ("", "missing", b"") for a name that names
    nothing."""
    from hooks_manager import proc

    if not names:
        return []
    mode = "--batch" if contents else "--batch-check"
    out = proc.git(root, "cat-file", mode, stdin=("\n".join(names) + "\n").encode())
    found = []
    pos = 0
    for _ in names:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3:
            found.append(("", "missing", b""))
            continue
        data = b""
        if contents:
            size = int(header[2])
            data = out[pos : pos + size]
            pos += size + 1
        found.append((header[0].decode(), header[1].decode(), data))
    return found


def read_spec(root: str, spec: str) -> bytes | None:
    """The blob ``spec`` names as `git cat-file` does (`:path` the index, `:2:path` a
    conflict's stage, `rev:path`); None when it names none."""
    from hooks_manager import proc

    result = proc.run(["git", "cat-file", "blob", spec], root)
    return result.out if result.code == 0 else None


def list_tree(root: str, rev: str) -> dict[str, str]:
    """path -> blob id of every regular file in commit or tree ``rev``, at any depth."""
    return _whole_tree(root, rev)[0]


def tree_paths(root: str, rev: str) -> set[str]:
    """Every path in commit ``rev`` (links and submodules too); empty when it names none."""
    from hooks_manager import proc

    result = proc.run(["git", "ls-tree", "-r", "-z", "--name-only", "--full-tree", rev], root)
    if result.code:
        return set()
    return {p for p in result.out.decode("utf-8", "surrogateescape").split("\0") if p}


def _ls_tree(rev: str, rels: list[str] | None) -> list[str]:
    """The one tree listing: every file of ``rev`` under ``rels`` (None: the whole tree)."""
    paths = [] if rels is None else ["--", *[r or "." for r in rels]]
    return ["git", "ls-tree", "-r", "-z", "--full-tree", rev, *paths]


def _tree_listed(rev: str, result: Result) -> bytes:
    if result.code:
        said = result.err.decode(errors="replace").strip()
        raise GitError(f"cannot read commit {rev!r}: {said}",
                       hint="name a branch, tag or commit that exists in this clone")
    return result.out


def _tree_entries(root: str, rev: str, rels: list[str]) -> dict[str, str]:
    """path -> blob id of every regular file under ``rels`` in commit ``rev``."""
    from hooks_manager import proc

    return parse_ls_tree(_tree_listed(rev, proc.run(_ls_tree(rev, rels), root)))


def parse_ls_tree(out: bytes) -> dict[str, str]:
    """`<mode> <type> <oid>\t<path>` records; regular files only."""
    entries = {}
    # One decode, then slicing: per-record splitting costs more than the git call itself.
    for item in out.decode("utf-8", "surrogateescape").split("\0"):
        tab = item.find("\t")
        # Symlinks (120000) hold a path, not source; trees and submodules are not files.
        if tab > 0 and item[7:12] == "blob " and not item.startswith("120000"):
            entries[item[tab + 1 :]] = item[12:tab]
    return entries


def _whole_tree(root: str, rev: str) -> tuple[dict[str, str], list[str]]:
    """(path -> blob of every regular file, the gitlink paths) of commit ``rev``."""
    from hooks_manager import proc

    out = _tree_listed(rev, proc.run(_ls_tree(rev, None), root))
    links = [item.partition("\t")[2] for item in out.decode("utf-8", "surrogateescape").split("\0")
             if item.startswith("160000 commit ")]
    return parse_ls_tree(out), links


def _matches(path: str, names: tuple[str, ...], suffixes: tuple[str, ...]) -> bool:
    name = path.rpartition("/")[2]
    return name in names or name.endswith(suffixes)


def _config_specs(names: tuple[str, ...], suffixes: tuple[str, ...]) -> list[str]:
    """git's own wildcard pathspecs (`*` crosses folders) for the configuration candidates,
    so the listing holds only them."""
    return [f"*{n}" for n in names] + [f"*{s}" for s in suffixes]


def _tracked_names(root: str, names: tuple[str, ...], suffixes: tuple[str, ...]) -> list[str]:
    """The index paths (any stage) the names match."""
    from hooks_manager import proc

    specs = _config_specs(names, suffixes)
    if not specs:
        return []
    listing = proc.git(root, "ls-files", "-z", "--full-name", "--", *specs)
    paths = listing.decode("utf-8", "surrogateescape").split("\0")
    # dict.fromkeys: an unmerged path is one entry per stage, and one name here.
    return [p for p in dict.fromkeys(paths) if p and _matches(p, names, suffixes)]


def _ls_stage(root: str, specs: list[str]) -> list[tuple[str, str, str, str]]:
    """(mode, blob id, stage, path) of every index entry ``specs`` match."""
    from hooks_manager import proc

    listing = proc.git(root, "ls-files", "-s", "-z", "--full-name", "--", *specs)
    items = []
    # `<mode> <oid> <stage>\t<path>`, decoded once and sliced (see parse_ls_tree).
    for item in listing.decode("utf-8", "surrogateescape").split("\0"):
        tab = item.find("\t")
        if tab >= 0:
            items.append((item[:6], item[7 : tab - 2], item[tab - 1], item[tab + 1 :]))
    return items


def _gitlink_in(links: list[str], rel: str) -> str | None:
    for link in links:
        if rel == link or rel.startswith(link + "/"):
            return link
    return None


def _select(
    entries: dict[str, str], rels: list[str], recursive: bool
) -> list[tuple[str, str]]:
    """(path, oid) of the revision files under each location, in alembic's order."""
    chosen: list[tuple[str, str]] = []
    taken: set[str] = set()
    for rel in rels:
        prefix = rel + "/" if rel else ""
        size = len(prefix)
        if recursive:
            inside = sorted((p for p in entries if p.startswith(prefix)),
                            key=lambda p: _walk_key(p[size:]))
            names = [p for p in inside if _wanted(p[size:], True)]
        else:  # one folder: a plain sort of the full paths is alembic's sorted(files)
            names = sorted(p for p in entries if p.startswith(prefix) and "/" not in p[size:]
                           and is_revision_name(p[size:]))
        for path in names:
            if path not in taken:  # the same file through two version locations: once
                taken.add(path)
                chosen.append((path, entries[path]))
    return chosen


class GitSource(Source):
    """Files from git objects; subclasses say which path -> blob map to use."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        self._config_blobs: dict[str, bytes] = {}  # blob id -> bytes, see read_identified

    def entries(self, rels: list[str]) -> dict[str, str]:
        raise NotImplementedError

    def tracked(self, names: tuple[str, ...], suffixes: tuple[str, ...] = ()) -> dict[str, str]:
        return {p: oid for p, oid in self.entries([""]).items() if _matches(p, names, suffixes)}

    def read(self, paths: list[str]) -> dict[str, bytes]:
        known = self.entries([""])
        return self.read_identified({p: known[p] for p in paths if p in known})

    def identify(self, paths: list[str]) -> dict[str, str]:
        return {p: oid for p, oid in self.entries(paths).items() if p in paths}

    def read_identified(self, identities: dict[str, str]) -> dict[str, bytes]:
        # Configuration bytes are asked for more than once (settings, then discovery, then
        # the project's own ini): each blob is read once per source, not once per question.
        known = self._config_blobs
        missing = [oid for oid in identities.values() if oid not in known]
        if missing:
            known.update(read_blobs(self.root, missing))
        return {p: known[oid] for p, oid in identities.items()}

    def has_dir(self, rel: str) -> bool:
        prefix = rel + "/" if rel else ""
        return any(p.startswith(prefix) for p in self.entries([""]))

    def gitlink_at(self, rel: str) -> str | None:
        return _gitlink_in(self.gitlinks(), rel)

    def _below(self, location: str) -> list[tuple[str, bytes]]:
        rel = self.rel(location)
        prefix = rel + "/" if rel else ""
        deeper = {p: oid for p, oid in self.entries([rel]).items()
                  if p.startswith(prefix) and "/" in p[len(prefix):]
                  and is_revision_name(p.rpartition("/")[2]) and "__pycache__" not in p}
        blobs = read_blobs(self.root, list(deeper.values()))
        return [(os.path.join(self.root, p.rpartition("/")[0]), blobs[oid])
                for p, oid in sorted(deeper.items())]

    def files(self, locations: list[str], recursive: bool) -> tuple[list[File], list[Problem]]:
        rels = [self.rel(loc) for loc in locations]
        return self.files_of(list(_select(self.entries(rels), rels, recursive))), self.notes()

    def listing(self, locations: list[str], recursive: bool) -> list[tuple[str, Key]] | None:
        rels = [self.rel(loc) for loc in locations]
        chosen = _select(self.entries(rels), rels, recursive)
        return None if self.notes() else list(chosen)

    def files_of(self, listing: list[tuple[str, Key]]) -> list[File]:
        get = self.cache.get
        files = [File(path, key=oid, known=get(oid, path)) for path, oid in listing]
        unseen = [file for file in files if file.known is None]
        if unseen:  # only blobs the cache has never seen are read
            blobs = read_blobs(self.root, [str(file.key) for file in unseen])
            for file in unseen:
                file.data = blobs[str(file.key)]
        return files

    def notes(self) -> list[Problem]:
        return []


class Commit(GitSource):
    kind = "rev"

    def __init__(self, root: str, rev: str) -> None:
        super().__init__(root)
        self.rev = rev
        self._full: tuple[dict[str, str], list[str]] | None = None

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "rev": self.rev}

    def entries(self, rels: list[str]) -> dict[str, str]:
        if rels == [""] or "" in rels:
            return self._whole()[0]
        if self._full is not None:  # listed whole already (discovery): no second ls-tree
            inside = tuple(r + "/" for r in rels)
            return {p: oid for p, oid in self._full[0].items() if p in rels
                    or p.startswith(inside)}
        return _tree_entries(self.root, self.rev, rels)

    def gitlinks(self) -> list[str]:
        return self._whole()[1]

    def memo_key(self) -> object:
        from hooks_manager.repo import tree_id

        tree = tree_id(self.root, self.rev)
        return ("tree", tree) if tree is not None else None

    def _whole(self) -> tuple[dict[str, str], list[str]]:
        # One listing of the whole tree serves every configuration question about it.
        if self._full is None:
            self._full = _whole_tree(self.root, self.rev)
        return self._full


class Index(GitSource):
    """What `git commit` would record: the index (GIT_INDEX_FILE is honoured, so a partial
    commit's temporary index is what gets checked)."""

    kind = "index"

    def __init__(self, root: str) -> None:
        super().__init__(root)
        # Paths a later reader will ask about (the head files): listed in the same
        # `git ls-files` as the revision files, so asking costs no process of its own.
        self.also: list[str] = []
        self._stages: dict[str, dict[str, str]] = {}
        # One listing for the whole hook: the configuration candidates (tracked) and the
        # folders and files the last run went on to ask about (remembered in the git folder),
        # so a healthy commit starts one `git ls-files`, not two.
        self._listed: list[tuple[str, str, str, str]] | None = None  # (mode, oid, stage, path)
        self._covered: set[str] = set()
        self._asked: set[str] = set()

    def stages_of(self, rel: str) -> dict[str, str] | None:
        """stage -> blob id of ``rel`` ({} when absent, "0" when merged), if a listing
        has covered it (see ``also``); None: not listed yet."""
        return self._stages.get(rel) if rel in self._stages else None

    def entries(self, rels: list[str]) -> dict[str, str]:
        wanted = [r or "." for r in rels]
        self._asked.update(wanted + self.also)
        # Answered from the shared listing when it covered exactly these (git reads `*?[` in
        # a pathspec as a pattern, which a plain prefix test would not).
        if self._listed is not None and all(w in self._covered for w in wanted + self.also) \
                and not any(c in w for w in wanted + self.also for c in "*?["):
            specs = wanted + self.also
            if "." in specs:
                items = self._listed
            else:  # one C-level test per entry: this runs over every file of the index listing
                exact, inside = set(specs), tuple(spec + "/" for spec in specs)
                items = [i for i in self._listed if i[3] in exact or i[3].startswith(inside)]
        else:
            items = _ls_stage(self.root, wanted + self.also)
            # Everything this run asked for (every project's folders), plus what the
            # listing covered: the next run lists all of it at once.
            self._remember_asked(sorted(self._covered | self._asked))
        for path in self.also:
            self._stages.setdefault(path, {})
        entries: dict[str, str] = {}
        for mode, oid, stage, path in items:
            if path in self.also:
                self._stages[path][stage] = oid
                if stage != "0":
                    continue  # a conflicted head file is its reader's to report
            if stage != "0":
                raise GitError(f"the index has unmerged paths ({path})",
                               hint="resolve the conflict and `git add` the file first")
            if mode not in ("120000", "160000"):
                entries[path] = oid
        return entries

    def tracked(self, names: tuple[str, ...], suffixes: tuple[str, ...] = ()) -> dict[str, str]:
        specs = _config_specs(names, suffixes)
        if not specs:
            return {}
        from hooks_manager.memo import memo_for

        asked = memo_for(git_dir(self.root), "index-asked").get("specs")
        more = [str(spec) for spec in asked] if isinstance(asked, list) else []
        items = _ls_stage(self.root, specs + more)
        if self._listed is None:
            self._listed, self._covered = items, set(more)
        ends = tuple(names) + tuple(suffixes)  # a cheap first cut, before the exact test
        return {path: oid for mode, oid, stage, path in items
                if path.endswith(ends) and stage == "0" and mode not in ("120000", "160000")
                and _matches(path, names, suffixes)}

    def _remember_asked(self, specs: list[str]) -> None:
        from hooks_manager.memo import memo_for

        memo = memo_for(git_dir(self.root), "index-asked")
        if memo.get("specs") != specs:
            memo.put("specs", specs)
            memo.save()

    def read(self, paths: list[str]) -> dict[str, bytes]:
        return self.read_identified(self.entries(paths) if paths else {})

    def has_dir(self, rel: str) -> bool:
        from hooks_manager import proc

        return bool(proc.git(self.root, "ls-files", "-z", "--full-name", "--", rel or "."))

    def gitlink_at(self, rel: str) -> str | None:
        from hooks_manager import proc

        parts = rel.split("/")
        above = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        listing = proc.git(self.root, "ls-files", "-s", "-z", "--full-name", "--", *above)
        links = [item.partition("\t")[2] for item in listing.decode("utf-8", "surrogateescape")
                 .split("\0") if item.startswith("160000")]
        return _gitlink_in(links, rel)


class PredictedMerge(GitSource):
    """The tree a merge of ``ours`` and ``theirs`` would have, path by path, the way git's
    three-way merge decides it: a side that left a file as the merge base had it takes the
    other side's version. Revision files are added, seldom edited, so textual conflicts are
    rare; when one happens, our side is read and a note says so."""

    kind = "merge"

    def __init__(self, root: str, ours: str, theirs: str) -> None:
        super().__init__(root)
        self.ours = ours
        self.theirs = theirs
        self.conflicts: list[str] = []
        self._merged: dict[str, str] | None = None
        self._all_conflicts: list[str] = []
        self._theirs_read: set[str] = set()
        self.unrelated = False

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "rev": self.ours, "against": self.theirs}

    def gitlinks(self) -> list[str]:
        # A submodule on either side hides its files from the prediction just the same.
        return sorted(set(_whole_tree(self.root, self.ours)[1])
                      | set(_whole_tree(self.root, self.theirs)[1]))

    def identify(self, paths: list[str]) -> dict[str, str]:
        # Settings, discovery and the revision files are all read from one listing of each
        # side (listing a few paths per question cost a git process each: 16 per check).
        merged = self.entries([""])
        return {p: merged[p] for p in paths if p in merged}

    def entries(self, rels: list[str]) -> dict[str, str]:
        if self._merged is None:  # each side listed whole, once; every question filters it
            self._merged, self._all_conflicts = self._merge()
        if "" in rels:
            self.conflicts = self._all_conflicts
            return self._merged
        # Only the conflicts under what was asked are this question's notes.
        prefixes = tuple(r + "/" for r in rels)
        self.conflicts = [p for p in self._all_conflicts if p in rels or p.startswith(prefixes)]
        return {p: oid for p, oid in self._merged.items() if p in rels or p.startswith(prefixes)}

    def _merge(self) -> tuple[dict[str, str], list[str]]:
        from hooks_manager import proc

        # Our side is listed in every case but one (ours already inside theirs), so its
        # listing runs beside merge-base and rev-parse: one round of git processes, not two.
        listing = proc.start(_ls_tree(self.ours, None), self.root)
        try:
            base, shas = merge_base_and_ids(self.root, self.ours, self.theirs)
        finally:
            listed = proc.finish(listing)  # drained even when merge_base raised
        self.unrelated = base is None  # git merges these only with --allow-unrelated-histories
        # One side already holding the other (a branch that took main in, a clone of main
        # itself) merges to that side: one listing, not three.
        if shas is not None and base == shas[0]:
            return _tree_entries(self.root, self.theirs, [""]), []
        ours = parse_ls_tree(_tree_listed(self.ours, listed))
        if shas is not None and base == shas[1]:
            return ours, []
        theirs = _tree_entries(self.root, self.theirs, [""])
        old = _tree_entries(self.root, base, [""]) if base else {}
        merged, conflicts = three_way(old, ours, theirs)
        # three_way reads ours, or theirs where ours deleted the file: the note says which.
        self._theirs_read = {path for path in conflicts if path not in ours}
        return merged, conflicts

    def sides(self, rels: list[str]) -> tuple[dict[str, str], dict[str, str]]:
        """Our and their trees under ``rels`` (path -> blob), to say which side a file is from."""
        return (_tree_entries(self.root, self.ours, rels),
                _tree_entries(self.root, self.theirs, rels))

    def notes(self) -> list[Problem]:
        return [Problem("merge-conflict", f"{path} differs on both sides; the prediction reads "
                        f"{self.theirs if path in self._theirs_read else self.ours}'s version"
                        + (f" ({self.ours} deleted it)" if path in self._theirs_read else ""),
                        severity=WARNING, path=path)
                for path in self.conflicts]


def three_way(
    base: dict[str, str], ours: dict[str, str], theirs: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Path-level three-way merge of path -> blob maps (absent = deleted): the one merge rule,
    for the predicted merge of two trees and for a push's (``SharedMerge``)."""
    merged: dict[str, str] = {}
    conflicts: list[str] = []
    for path in sorted(set(base) | set(ours) | set(theirs)):
        b, o, t = base.get(path), ours.get(path), theirs.get(path)
        if o == t or t == b:
            pick = o
        elif o == b:
            pick = t
        else:
            conflicts.append(path)
            pick = o if o is not None else t
        if pick is not None:
            merged[path] = pick
    return merged, conflicts


# --- one push's reads ---------------------------------------------------------------------------
# Shared by every pushed ref and both of its checks (the commit, then its predicted merge with
# the upstream): each tree is listed once, the listings run side by side, the upstream's side
# is read as its changes since the merge base (a few lines, not a second and third tree), and
# one scan cache serves every check, so a blob is read and scanned at most once.

ReadKey = tuple[str, tuple[str, ...]]
Change = tuple[str, str | None, str | None]  # path, blob before, blob after (None: absent)


class GitReads:
    def __init__(self, root: str) -> None:
        self.root = root
        self.trees: dict[ReadKey, dict[str, str]] = {}
        self.changed: dict[ReadKey, list[Change]] = {}
        self.pending: dict[ReadKey, Running] = {}
        self.cache: ScanCache | None = None  # the first source's, then shared by all

    def share_cache(self, cache: ScanCache) -> ScanCache:
        if self.cache is None:
            self.cache = cache
        return self.cache

    def start(self, rev: str, rels: list[str]) -> None:
        """Start listing ``rev``'s files under ``rels``; ``tree`` collects the listing."""
        from hooks_manager import proc

        key = (rev, tuple(rels))
        if key not in self.trees and key not in self.pending:
            self.pending[key] = proc.start(_ls_tree(rev, rels), self.root)

    def tree(self, rev: str, rels: list[str]) -> dict[str, str]:
        key = (rev, tuple(rels))
        if key not in self.trees:
            self.start(rev, rels)
            from hooks_manager import proc

            self.trees[key] = parse_ls_tree(_tree_listed(rev, proc.finish(self.pending.pop(key))))
        return self.trees[key]

    def start_changes(self, base: str, theirs: str, rels: list[str]) -> None:
        """Start listing what ``theirs`` changed under ``rels`` since ``base``."""
        from hooks_manager import proc

        key = (f"{base}..{theirs}", tuple(rels))
        if key not in self.changed and key not in self.pending:
            self.pending[key] = proc.start(["git", "diff-tree", "-r", "-z", "--no-renames",
                                            base, theirs, "--", *[r or "." for r in rels]],
                                           self.root)

    def changes(self, base: str, theirs: str, rels: list[str]) -> list[Change]:
        key = (f"{base}..{theirs}", tuple(rels))
        if key not in self.changed:
            self.start_changes(base, theirs, rels)
            self.changed[key] = _parse_diff_tree(self._finish(key, theirs))
        return self.changed[key]

    def _finish(self, key: ReadKey, rev: str) -> bytes:
        from hooks_manager import proc

        result = proc.finish(self.pending.pop(key))
        if result.code:
            raise GitError(f"cannot read commit {rev}: "
                           f"{result.err.decode(errors='replace').strip()}")
        return result.out


class SharedCommit(Commit):
    """A commit whose listing and scan cache come from the push's ``GitReads``."""

    def __init__(self, reads: GitReads, rev: str) -> None:
        super().__init__(reads.root, rev)
        self.reads = reads
        self.cache = reads.share_cache(self.cache)

    def entries(self, rels: list[str]) -> dict[str, str]:
        return self.reads.tree(self.rev, rels)


class SharedMerge(PredictedMerge):
    """The predicted merge of ``ours`` with the upstream (shown by name, read by sha), decided
    by three_way from our tree and the upstream's changes since the merge base."""

    def __init__(
        self, reads: GitReads, ours: str, theirs_name: str, theirs_sha: str, base: str | None
    ) -> None:
        super().__init__(reads.root, ours, theirs_name)
        self.reads = reads
        self.cache = reads.share_cache(self.cache)
        self.theirs_sha = theirs_sha
        self.base = base
        self.unrelated = base is None

    def entries(self, rels: list[str]) -> dict[str, str]:
        ours = self.reads.tree(self.ours, rels)
        if self.base is None:  # unrelated histories: nothing in common to start from
            merged, self.conflicts = three_way({}, ours, self.reads.tree(self.theirs_sha, rels))
            return merged
        merged, self.conflicts = merge_changes(
            ours, self.reads.changes(self.base, self.theirs_sha, rels))
        return merged

    def sides(self, rels: list[str]) -> tuple[dict[str, str], dict[str, str]]:
        # The listings the push has already made or started: no process of their own.
        return self.reads.tree(self.ours, rels), self.reads.tree(self.theirs_sha, rels)

    def same_as_ours(self, rels: list[str]) -> bool:
        """Whether the upstream changed nothing under ``rels`` since the merge base: then the
        prediction is the commit's own history."""
        return self.base is not None and not self.reads.changes(self.base, self.theirs_sha,
                                                                rels)


def merge_changes(
    ours: dict[str, str], changes: list[Change]
) -> tuple[dict[str, str], list[str]]:
    """three_way(base, ours, theirs) when only theirs' changes since base are known: a path
    theirs left alone has base == theirs, where three_way keeps ours, so only the changed
    paths need deciding, and three_way decides them."""
    touched = {path for path, _, _ in changes}
    base = {path: before for path, before, _ in changes if before is not None}
    theirs = {path: after for path, _, after in changes if after is not None}
    decided, conflicts = three_way(base, {p: ours[p] for p in touched if p in ours}, theirs)
    merged = {p: oid for p, oid in ours.items() if p not in touched}
    merged.update(decided)
    return merged, conflicts


def _parse_diff_tree(out: bytes) -> list[Change]:
    """`diff-tree -r -z` raw lines: `:<mode> <mode> <sha> <sha> <status>\\0<path>\\0`. Only
    regular files count, as in a tree listing: a symlink or submodule is absent."""
    fields = out.split(b"\0")
    changes: list[Change] = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        if not meta.startswith(b":"):
            continue
        old_mode, new_mode, old_sha, new_sha = meta[1:].split()[:4]
        changes.append((path.decode("utf-8", "surrogateescape"), _blob(old_mode, old_sha),
                        _blob(new_mode, new_sha)))
    return changes


def _blob(mode: bytes, sha: bytes) -> str | None:
    return sha.decode() if mode.startswith(b"100") else None
