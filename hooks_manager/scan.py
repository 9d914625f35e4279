"""The bytes of a revision file -> a Record and the problems found, without running it.

One reader: every file that compiles is read by one walk over the module-level statements
of the tree ``compile()`` returns (alembic compiles the whole file too, so a syntax error
anywhere is found). A byte-level reader of the template's four lines once ran beside it; the
walk is as fast (compile() is the cost either way), so it went. (Compiling to bytecode
instead of a tree was measured: no faster within the noise, and it prints the compiler's
SyntaxWarnings.)
A file that does not compile still keeps its place in the graph when its literal
``revision`` and ``down_revision`` can be read line by line (``_fallback``): dropping it
would make its parent look like a second head. Neither reads the docstring
("Revises:" lines go stale).
"""

from __future__ import annotations

from hooks_manager.graph import WARNING, Problem, Record

# The node classes compile() returns (`import ast` itself is not needed), imported where the
# tree is walked: creating them costs ~1.3 ms, and a warm commit reads no file at all.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import _ast

NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
# Values hookman can do without: a file whose labels or dependencies are computed keeps its
# place, and what could not be read is named.
_OPTIONAL = ("branch_labels", "depends_on")

# The fallback reader is plain bytes work, no `re`: importing re alone costs ~9 ms.
_QUOTES = (b"'", b'"')
_ONLY_AST = 0x400  # ast.PyCF_ONLY_AST, without `import ast`

Values = dict[str, tuple[object, int]]  # name -> (value, line number)


def scan(data: bytes, path: str, filename: str) -> Record | Problem:
    """The record, or the first problem when the file yields none."""
    record, problems = read(data, path, filename)
    if record is None or any(p.severity != WARNING for p in problems):
        return problems[0]  # read() never returns no record without saying why
    return record


def read(data: bytes, path: str, filename: str) -> tuple[Record | None, list[Problem]]:
    """Read one revision file. ``path`` is for messages; ``filename`` is its base name."""
    if not data.strip():
        return _finish({}, [], path, filename, "the file is empty")
    if b"\0" in data:
        return None, [Problem("unparseable-file", f"{path}: binary file (contains NUL bytes), "
                              "not Python source", path=path)]
    try:  # the whole file, as alembic compiles it: a syntax error anywhere breaks upgrade
        tree = compile(data, path, "exec", _ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return _fallback(data, path, filename, exc)
    values: Values = {}
    problems: list[Problem] = []
    for node in tree.body:
        _take_statement(node, path, values, problems)
    return _finish(values, problems, path, filename)


def _syntax_error(path: str, exc: SyntaxError | ValueError) -> Problem:
    if isinstance(exc, ValueError):  # e.g. "source code string cannot contain null bytes"
        return Problem("unparseable-file", f"{path}: {exc}", path=path)
    detail = exc.msg
    if "decode" in detail or "utf-8" in detail.lower() or "encoding" in detail:
        return Problem("unparseable-file", f"{path}: not valid UTF-8 and no coding "
                       f"declaration ({detail})", path=path)
    return Problem("unparseable-file", f"{path}:{exc.lineno}: syntax error: {detail}",
                   path=path, line=exc.lineno or 0)


def _literal(text: bytes) -> tuple[str, ...] | None:
    """None, 'x', "x", ('a', 'b'), ['a'] as alembic's to_tuple sees them; None for anything
    else (a comment, an escape, implicit concatenation, an expression): the fallback then
    cannot place the file."""
    text = text.strip()
    if text == b"None":
        return ()
    single = _quoted(text)
    if single is not None:
        return (single,)
    if text[:1] + text[-1:] not in (b"()", b"[]"):
        return None
    if not text[1:-1].strip():
        return ()  # () or []
    items = text[1:-1].split(b",")
    if len(items) > 1 and not items[-1].strip():
        items.pop()  # a trailing comma
    found = []
    for item in items:
        value = _quoted(item.strip())
        if value is None:
            return None
        found.append(value)
    return tuple(found)


def _quoted(text: bytes) -> str | None:
    """The value of a plain one-line string literal ('x', "x", u'x'), else None."""
    if text[:1] in (b"u", b"U"):
        text = text[1:]
    quote = text[:1]
    inner = text[1:-1]
    if (len(text) < 2 or quote not in _QUOTES or text[-1:] != quote or b"'" in inner
            or b'"' in inner or b"\\" in inner):
        return None
    return inner.decode()


# --- the tree walk ------------------------------------------------------------------------


def _take_statement(node: _ast.stmt, path: str, values: Values, problems: list[Problem]) -> None:
    import _ast

    if isinstance(node, _ast.Assign):
        targets: list[_ast.expr] = list(node.targets)
        value: _ast.expr | None = node.value
    elif isinstance(node, _ast.AnnAssign):
        targets, value = [node.target], node.value
    else:
        _hidden_assignment(node, path, values, problems)
        return
    if value is None:
        return  # a bare annotation assigns nothing
    for target in targets:
        if isinstance(target, _ast.Name):
            if target.id in NAMES:
                _take_value(target.id, value, node.lineno, path, values, problems)
            continue
        for sub in _walk(target):
            if isinstance(sub, _ast.Name) and sub.id in NAMES:
                _unknown(sub.id, path, node.lineno, "unpacked from a tuple", values, problems)


def _take_value(name: str, value: _ast.expr, line: int, path: str, values: Values,
                problems: list[Problem]) -> None:
    literal = _literal_of(value)
    if literal is _NOT_LITERAL:
        import ast  # only to quote the expression in the message

        _unknown(name, path, line, f"`{ast.unparse(value)}` is not a literal", values, problems)
        return
    values[name] = (literal, line)
    # A later literal assignment wins in Python: an earlier "not a literal" no longer counts.
    # (_unknown tags its problem with "?<name>" until _finish sets the real revision.)
    problems[:] = [p for p in problems if p.revisions != ("?" + name,)]


_NOT_LITERAL = object()


def _literal_of(node: _ast.expr) -> object:
    """The value of the literals alembic's fields hold (strings, None, bytes and numbers to
    name their wrong type, tuples and lists of them); _NOT_LITERAL for anything else."""
    import _ast

    if isinstance(node, _ast.Constant):
        return node.value
    if isinstance(node, _ast.Tuple | _ast.List):
        items = [_literal_of(e) for e in node.elts]
        return _NOT_LITERAL if _NOT_LITERAL in items else tuple(items)
    return _NOT_LITERAL


def _walk(node: _ast.AST) -> list[_ast.AST]:
    """ast.walk without `import ast`."""
    import _ast

    found = [node]
    for item in found:
        for field in item._fields:
            child = getattr(item, field, None)
            if isinstance(child, _ast.AST):
                found.append(child)
            elif isinstance(child, list):
                found.extend(c for c in child if isinstance(c, _ast.AST))
    return found


def _hidden_assignment(node: _ast.stmt, path: str, values: Values,
                       problems: list[Problem]) -> None:
    """An assignment inside if/try/with/for, an import or a `global`: only running it tells."""
    import _ast

    if isinstance(node, _ast.FunctionDef | _ast.AsyncFunctionDef | _ast.ClassDef):
        return
    # The statements every revision file has, read without the generic walk (a cold check
    # asks this of each statement of every file): a docstring assigns nothing, and an
    # import binds only its aliases.
    if isinstance(node, _ast.Expr) and isinstance(node.value, _ast.Constant):
        return
    if isinstance(node, _ast.Import | _ast.ImportFrom):
        for alias in node.names:
            bound = alias.asname or alias.name
            if bound in NAMES:
                _unknown(bound, path, node.lineno, "set by code that only runs on import",
                         values, problems)
                return
        return
    for sub in _walk(node):
        name = None
        if isinstance(sub, _ast.Name) and isinstance(sub.ctx, _ast.Store):
            name = sub.id
        elif isinstance(sub, _ast.alias):
            name = sub.asname or sub.name
        if name in NAMES:
            _unknown(name, path, node.lineno, "set by code that only runs on import", values,
                     problems)
            return


def _unknown(name: str, path: str, line: int, why: str, values: Values,
             problems: list[Problem]) -> None:
    """A value only running the file could tell. The optional fields are set aside (the file
    keeps its place, the problem says what was not read); revision and down_revision are not."""
    values.pop(name, None)
    optional = name in _OPTIONAL
    tail = ("; the rest of the file is read, this value is not checked" if optional else "")
    problems.append(Problem(
        "not-static", f"{path}:{line}: `{name}` {why}; hookman reads files without running "
        "them (set `static_fallback = true` in [tool.hookman] to ask alembic itself)" + tail,
        severity=WARNING if optional else "error", path=path, line=line,
        revisions=("?" + name,)))


# --- a file that does not compile ------------------------------------------------------------


def _fallback(data: bytes, path: str, filename: str,
              exc: SyntaxError | ValueError) -> tuple[Record | None, list[Problem]]:
    """The syntax problem, and the record still readable from the literal `revision` and
    `down_revision` lines (no compile needed), so the file keeps its place in the graph."""
    problem = _syntax_error(path, exc)
    values: Values = {}
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    for number, line in enumerate(lines, 1):
        for name in (b"down_revision", b"revision"):
            if not line.startswith(name):
                continue
            left, eq, right = line[len(name):].partition(b"=")
            if not eq or (left.strip() and left.strip()[:1] != b":") or right[:1] == b"=":
                break
            right = right.partition(b"#")[0].strip()
            follow = number
            while right[:1] in (b"(", b"[") and right[-1:] not in (b")", b"]") and \
                    follow < len(lines):  # a tuple over several lines
                right += b" " + lines[follow].partition(b"#")[0].strip()
                follow += 1
            try:
                value = _literal(right)
            except UnicodeDecodeError:  # an id in a file that is not UTF-8: not readable
                value = None
            if value is not None:
                values[name.decode()] = (value[0] if len(value) == 1 and right[:1] not in
                                         b"([" else value, number)
            break
    if "revision" not in values or "down_revision" not in values:
        return None, [problem]
    record, more = _finish(values, [], path, filename)
    problem.revisions = (record.revision,) if record is not None else ()
    return record, [problem, *more]


# --- values -> record -----------------------------------------------------------------------


def _finish(values: Values, problems: list[Problem], path: str, filename: str,
            why: str = "no `revision = ...` assignment") -> tuple[Record | None, list[Problem]]:
    if any(p.severity != WARNING for p in problems):
        for p in problems:
            p.revisions = ()
        return None, [p for p in problems if p.severity != WARNING][:1]
    found = record_from_values(values, path, filename, why)
    for p in problems:
        p.revisions = (found.revision,) if isinstance(found, Record) else ()
    if isinstance(found, Problem):
        return None, [found, *problems]
    return found, problems


def record_from_values(
    values: Values, path: str, filename: str, why: str = "no `revision = ...` assignment"
) -> Record | Problem:
    if "revision" in values:
        revision, line = values["revision"]
    elif _is_legacy_name(filename):
        revision, line = filename[:-3], 0
    else:
        return Problem("missing-revision", f"{path}: {why}; alembic cannot load it (add "
                       "`revision = \"...\"` or move the file out of the versions folder)",
                       path=path)
    if not isinstance(revision, str):
        return _bad_type("revision", path, line, "a string")
    if "down_revision" not in values:
        missing = "no `down_revision = ...` assignment" if values else why
        return Problem("missing-down-revision", f"{path}: {missing} (alembic fails with "
                       "AttributeError); use None for a first revision", path=path,
                       revisions=(revision,))
    fields = {}
    for name in ("down_revision", "depends_on", "branch_labels"):
        value, vline = values.get(name, (None, 0))
        ids = _to_tuple(value)
        if ids is None:
            return _bad_type(name, path, vline, "None, a string, or a tuple or list of strings")
        fields[name] = ids
    return Record(revision, fields["down_revision"], fields["depends_on"],
                  fields["branch_labels"], path, line)


def _to_tuple(value: object) -> tuple[str, ...] | None:
    """alembic's util.to_tuple + tuple_rev_as_scalar, restricted to the types it can use."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _bad_type(name: str, path: str, line: int, expected: str) -> Problem:
    return Problem("not-static", f"{path}:{line}: `{name}` must be {expected}", path=path,
                   line=line)


def _is_legacy_name(filename: str) -> bool:
    # alembic's legacy rule (_legacy_rev): a file named <hex>.py takes its id from the name.
    stem = filename[:-3]
    return bool(stem) and all(c in "0123456789abcdef" for c in stem)


# --- many files at once ----------------------------------------------------------------------

# Below this many unread files a second process costs more than it saves (fork ~1 ms).
_PARALLEL_FROM = 64
Read = tuple[Record | None, list[Problem]]


def read_many(items: list[tuple[bytes, str, str]]) -> list[Read]:
    """read() of each (data, path, filename). A cold check (a fresh clone, every CI run) is
    mostly compile(), one file at a time: with a second core, a forked child reads the last
    files meanwhile. The child hands back only clean records; anything else (a problem, a
    child that died) is read again here, so the answer never depends on the split."""
    import os

    if len(items) < _PARALLEL_FROM or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        return [read(*item) for item in items]
    # The child gets a little less: its allocations write to pages it shares with this
    # process (copy on write), so the same files take it longer (~45/55 measured on 2 cores).
    half = len(items) * 11 // 20
    import marshal

    try:
        reader, writer = os.pipe()
        pid = os.fork()
    except OSError:
        return [read(*item) for item in items]
    if pid == 0:  # the child: read, report, and leave without running anything of the parent's
        try:
            os.close(reader)
            clean = {}
            for index in range(half, len(items)):
                record, problems = read(*items[index])
                if record is not None and not problems:
                    clean[index] = (record.revision, record.down_revisions, record.depends_on,
                                    record.branch_labels, record.line)
            data = marshal.dumps(clean)
            with os.fdopen(writer, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    os.close(writer)
    try:
        results = [read(*item) for item in items[:half]]
    finally:
        with os.fdopen(reader, "rb") as inp:
            got = inp.read()
        os.waitpid(pid, 0)
    try:
        loaded = marshal.loads(got) if got else {}
    except (EOFError, ValueError, TypeError):
        loaded = {}  # a child that died half-way: its files are read again below
    clean = loaded if isinstance(loaded, dict) else {}
    for index in range(half, len(items)):
        found = clean.get(index)
        if found is None:
            results.append(read(*items[index]))
        else:
            revision, down, deps, labels, line = found
            results.append((Record(revision, down, deps, labels, items[index][1], line), []))
    return results
