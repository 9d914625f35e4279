"""The bytes of a revision file -> a Record or a Problem, without importing or executing it.

Two readers. The fast one finds the four module-level assignments alembic reads with
``bytes.find`` and a tiny literal parser (a few microseconds a file). Whenever a file holds
anything it cannot vouch for — the name used elsewhere, a value that is not a plain literal,
an odd string — the file goes to the ``ast`` reader, which is exact but ~20x slower.
Neither ever trusts the docstring ("Revises:" lines go stale).
"""

from __future__ import annotations

from hooks_manager.graph import WARNING, Problem, Record

NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
_SEEK = (b"revision", b"branch_labels", b"depends_on")


# Tier one reads the four consecutive lines alembic's templates write. It is plain bytes work,
# no `re`: importing re alone costs ~9 ms, a third of what the whole check may take.
_BLOCK_NAMES = (b"revision", b"down_revision", b"branch_labels", b"depends_on")
_QUOTES = (b"'", b'"')


class _NeedsAst(Exception):
    """The fast reader cannot vouch for this file."""


def scan(data: bytes, path: str, filename: str) -> Record | Problem:
    """Read one revision file. ``path`` is for messages; ``filename`` is its base name."""
    if not data.strip():
        return record_from_values({}, path, filename, "the file is empty")
    if b"\0" in data:
        return Problem("unparseable-file", f"{path}: binary file (contains NUL bytes), not "
                       "Python source", path=path)
    if not (data.isascii() or _is_utf8(data)):
        return _scan_ast(data, path, filename)
    found: Record | Problem | None = _block_values(data, path)
    if found is None:
        try:
            found = record_from_values(_fast_values(data), path, filename)
        except _NeedsAst:
            return _scan_ast(data, path, filename)
    # The fast readers look at four lines; alembic compiles the whole file, so a syntax error
    # anywhere breaks `upgrade head`. The scan cache means each file's text is compiled once.
    return _syntax_problem(data, path) or found


_ONLY_AST = 0x400  # ast.PyCF_ONLY_AST: parse without generating code, and without `import ast`


def _syntax_problem(data: bytes, path: str) -> Problem | None:
    try:
        compile(data, path, "exec", _ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return _syntax_error(path, exc)
    except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
        return Problem("unparseable-file", f"{path}: {exc}", path=path)
    return None


def _syntax_error(path: str, exc: SyntaxError) -> Problem:
    detail = exc.msg
    if "decode" in detail or "utf-8" in detail.lower() or "encoding" in detail:
        return Problem("unparseable-file", f"{path}: not valid UTF-8 and no coding "
                       f"declaration ({detail})", path=path)
    return Problem("unparseable-file", f"{path}:{exc.lineno}: syntax error: {detail}",
                   path=path, line=exc.lineno or 0)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


# --- fast readers ----------------------------------------------------------------------------

Values = dict[str, tuple[object, int]]  # name -> (value, line number)


def _block_values(data: bytes, path: str) -> Record | None:
    """The template's four consecutive lines. What comes before them cannot matter (a later
    assignment wins in Python); what comes after must not mention the names again."""
    start = data.find(b"\nrevision") + 1
    if not start or data.count(b'"""', 0, start) % 2 or data.count(b"'''", 0, start) % 2:
        return None  # absent, or inside a triple-quoted string
    values = []
    pos = start
    for name in _BLOCK_NAMES:
        end = data.find(b"\n", pos)
        if end == -1 or not data.startswith(name, pos):
            return None
        left, eq, right = data[pos + len(name) : end].partition(b"=")
        pos = end + 1
        left = left.strip()
        if not eq or (left and left[:1] != b":") or right[:1] == b"=":
            return None  # not `name = ...` / `name: annotation = ...`
        value = _literal(right)
        if value is None:
            return None
        values.append(value)
    end = pos
    if (data.find(b"revision", end) != -1 or data.find(b"branch_labels", end) != -1
            or data.find(b"depends_on", end) != -1):
        return None
    rev, down, labels, deps = values
    if len(rev) != 1:
        return None
    return Record(rev[0], down, deps, labels, path, data.count(b"\n", 0, start) + 1)


def _literal(text: bytes) -> tuple[str, ...] | None:
    """None, 'x', "x", ('a', 'b'), ['a'] as alembic's to_tuple sees them; None for anything
    else (a comment, an escape, implicit concatenation, an expression): the slower readers
    decide those."""
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


def _fast_values(data: bytes) -> Values:
    values: Values = {}
    for word in _SEEK:
        start = data.find(word)
        while start != -1:
            _take_occurrence(data, word, start, values)
            start = data.find(word, start + len(word))
    return values


def _take_occurrence(data: bytes, word: bytes, start: int, values: Values) -> None:
    name_start = start
    if word == b"revision" and data[start - 5 : start] == b"down_":
        name_start = start - 5
    line_start = data.rfind(b"\n", 0, name_start) + 1
    if line_start != name_start:
        if data[line_start:name_start].lstrip().startswith(b"#"):
            return  # a comment such as "# revision identifiers, used by Alembic."
        raise _NeedsAst  # used in code or a string: only the ast can tell what it means
    name = data[name_start : start + len(word)].decode()
    if name in values:
        raise _NeedsAst  # assigned twice: let Python's rules decide which wins
    if data.count(b'"""', 0, name_start) % 2 or data.count(b"'''", 0, name_start) % 2:
        raise _NeedsAst  # inside a triple-quoted string, e.g. a docstring
    pos = _skip_annotation(data, start + len(word))
    values[name] = (_parse_value(data, pos), data.count(b"\n", 0, name_start) + 1)


def _skip_annotation(data: bytes, pos: int) -> int:
    pos = _skip_blank(data, pos)
    if data[pos : pos + 1] == b":":
        eq = data.find(b"=", pos)
        nl = data.find(b"\n", pos)
        if eq == -1 or (nl != -1 and nl < eq):
            raise _NeedsAst  # annotation without a value, or over several lines
        pos = eq
    if data[pos : pos + 1] != b"=" or data[pos + 1 : pos + 2] == b"=":
        raise _NeedsAst  # not an assignment (e.g. another name that starts the same way)
    return pos + 1


def _parse_value(data: bytes, pos: int) -> object:
    pos = _skip_blank(data, pos)
    if data.startswith(b"None", pos):
        value: object = None
        pos += 4
    elif data[pos : pos + 1] in (b"(", b"["):
        value, pos = _parse_sequence(data, pos)
    else:
        value, pos = _parse_string(data, pos)
    pos = _skip_blank(data, pos)
    if data[pos : pos + 1] == b"#":
        pos = data.find(b"\n", pos)
    if pos != -1 and pos < len(data) and data[pos : pos + 1] not in (b"\n", b"\r"):
        raise _NeedsAst  # something follows the literal: an expression, not a literal
    return value


def _parse_sequence(data: bytes, pos: int) -> tuple[object, int]:
    close = b")" if data[pos : pos + 1] == b"(" else b"]"
    items: list[str] = []
    pos += 1
    commas = 0
    while True:
        pos = _skip_space_and_comments(data, pos)
        if data[pos : pos + 1] == close:
            break
        item, pos = _parse_string(data, pos)
        items.append(item)
        pos = _skip_space_and_comments(data, pos)
        if data[pos : pos + 1] == b",":
            commas += 1
            pos += 1
        elif data[pos : pos + 1] != close:
            raise _NeedsAst
    # ("a") is just the string "a"; ("a",) and ["a"] are sequences. alembic treats both alike,
    # but keep the distinction for messages.
    if close == b")" and len(items) == 1 and not commas:
        return items[0], pos + 1
    return tuple(items), pos + 1


def _parse_string(data: bytes, pos: int) -> tuple[str, int]:
    if data[pos : pos + 1] in (b"u", b"U"):
        pos += 1
    quote = data[pos : pos + 1]
    if quote not in (b"'", b'"') or data[pos : pos + 3] == quote * 3:
        raise _NeedsAst
    end = data.find(quote, pos + 1)
    if end == -1:
        raise _NeedsAst
    raw = data[pos + 1 : end]
    if b"\\" in raw or b"\n" in raw:
        raise _NeedsAst  # escapes and broken strings: the ast decides
    return raw.decode(), end + 1


def _skip_blank(data: bytes, pos: int) -> int:
    while data[pos : pos + 1] in (b" ", b"\t"):
        pos += 1
    return pos


def _skip_space_and_comments(data: bytes, pos: int) -> int:
    while True:
        char = data[pos : pos + 1]
        if char in (b" ", b"\t", b"\n", b"\r"):
            pos += 1
        elif char == b"#":
            end = data.find(b"\n", pos)
            pos = len(data) if end == -1 else end
        else:
            return pos


# --- exact reader ----------------------------------------------------------------------------


def _scan_ast(data: bytes, path: str, filename: str) -> Record | Problem:
    import ast  # only for files the fast reader passes on

    try:
        tree = ast.parse(data, filename=path)
    except SyntaxError as exc:
        return _syntax_error(path, exc)
    except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
        return Problem("unparseable-file", f"{path}: {exc}", path=path)
    values: Values = {}
    for node in tree.body:
        problem = _take_statement(node, path, values)
        if problem is not None:
            return problem
    return record_from_values(values, path, filename)


def _take_statement(node: object, path: str, values: Values) -> Problem | None:
    import ast as _ast

    if isinstance(node, _ast.Assign):
        targets: list[_ast.expr] = list(node.targets)
        value: _ast.expr | None = node.value
    elif isinstance(node, _ast.AnnAssign):
        targets, value = [node.target], node.value
    else:
        return _hidden_assignment(node, path)
    for target in targets:
        for name_node in _ast.walk(target):
            if isinstance(name_node, _ast.Name) and name_node.id in NAMES:
                if not isinstance(target, _ast.Name) or value is None:
                    if value is None:
                        continue  # a bare annotation assigns nothing
                    return _not_static(name_node.id, path, node.lineno, "unpacked from a tuple")
                try:
                    literal = _ast.literal_eval(value)
                except ValueError:
                    return _not_static(name_node.id, path, node.lineno,
                                       f"`{_ast.unparse(value)}` is not a literal")
                values[name_node.id] = (literal, node.lineno)
    return None


def _hidden_assignment(node: object, path: str) -> Problem | None:
    """An assignment inside if/try/with/for, an import or a `global`: only running it tells."""
    import ast as _ast

    assert isinstance(node, _ast.stmt)
    if isinstance(node, _ast.FunctionDef | _ast.AsyncFunctionDef | _ast.ClassDef):
        return None
    for sub in _ast.walk(node):
        name = None
        if isinstance(sub, _ast.Name) and isinstance(sub.ctx, _ast.Store):
            name = sub.id
        elif isinstance(sub, _ast.alias):
            name = sub.asname or sub.name
        if name in NAMES:
            return _not_static(name, path, node.lineno, "set by code that only runs on import")
    return None


def _not_static(name: str, path: str, line: int, why: str) -> Problem:
    return Problem("not-static", f"{path}:{line}: `{name}` {why}; hookman reads files without "
                   "running them (set `static_fallback = true` in [tool.hookman] to ask alembic "
                   "itself)", path=path, line=line)


# --- values -> record -----------------------------------------------------------------------


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


def filename_warning(rec: Record, filename: str) -> Problem | None:
    """alembic's file_template puts the id first ("<rev>_<slug>.py"); a file whose name starts
    with another id is confusing when two files are compared by name."""
    stem = filename[:-3]
    if rec.revision in stem:
        return None
    head = stem.split("_", 1)[0]
    if len(head) >= 8 and all(c in "0123456789abcdef" for c in head):
        return Problem("filename-mismatch", f"{rec.path}: the file name starts with {head} but "
                       f"its revision id is {rec.revision}", severity=WARNING, path=rec.path,
                       line=rec.line, revisions=(rec.revision,))
    return None


