"""What each line of a fork changes, read statically from the `upgrade()` bodies (``ast``;
nothing is imported or run), and where the two lines collide.

Advisory only: a static read cannot see everything (raw SQL, names built at run time), and
says so ("not read") rather than guessing. A collision is a warning, never a block on its own.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence

from hooks_manager.graph import Record

# op.<name> calls that change nothing in the schema (or are helpers): not worth a note.
_QUIET_OPS = frozenset({"get_bind", "get_context", "f", "inline_literal", "implementation_for",
                        "invoke", "run_async"})


class Change:
    """One schema change one revision makes."""

    __slots__ = ("kind", "line", "path", "revision", "table", "target")

    def __init__(self, revision: str, path: str, line: int, kind: str, table: str,
                 target: str = "") -> None:
        self.revision = revision
        self.path = path
        self.line = line
        self.kind = kind  # e.g. "add-column"; "raw-sql" and "not-read" say what was not seen
        self.table = table  # "schema.table" when schema= is given; "" when none applies
        self.target = target  # the column, index or constraint name, or a note

    def describe(self) -> str:
        what = self.kind.replace("-", " ")
        return f"{what} {self.target}".rstrip() if self.target else what

    def as_json(self) -> dict[str, object]:
        return {"revision": self.revision, "path": self.path, "line": self.line,
                "op": self.kind, "table": self.table or None, "target": self.target or None}


class Collision:
    __slots__ = ("fails", "kind", "message", "revisions", "table")

    def __init__(self, kind: str, table: str, message: str, revisions: tuple[str, ...],
                 fails: bool) -> None:
        self.kind = kind
        self.table = table
        self.message = message
        self.revisions = revisions
        self.fails = fails  # True: `upgrade head` after a merge revision is expected to fail

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "table": self.table, "message": self.message,
                "revisions": list(self.revisions), "expected_to_fail": self.fails}


class Overlap:
    """Per line (keyed by its head): the changes since the fork, and the collisions."""

    __slots__ = ("collisions", "fork_points", "lines")

    def __init__(self, fork_points: list[str], lines: dict[str, list[Change]]) -> None:
        self.fork_points = fork_points
        self.lines = lines
        self.collisions: list[Collision] = []

    def tables(self) -> dict[str, dict[str, list[Change]]]:
        """table -> head -> changes, tables in first-seen order."""
        out: dict[str, dict[str, list[Change]]] = {}
        for head, changes in self.lines.items():
            for change in changes:
                if change.table:
                    out.setdefault(change.table, {}).setdefault(head, []).append(change)
        return out

    def unread(self) -> list[Change]:
        return [c for changes in self.lines.values() for c in changes
                if c.kind in ("raw-sql", "not-read")]

    def as_json(self) -> dict[str, object]:
        return {"fork_points": self.fork_points,
                "lines": {h: [c.as_json() for c in v] for h, v in self.lines.items()},
                "collisions": [c.as_json() for c in self.collisions],
                "not_read": [c.as_json() for c in self.unread()]}


def find_overlaps(
    records: Sequence[Record], heads: Sequence[str], read: Callable[[str], bytes | None],
    forks: Sequence[str] | None = None, since: Mapping[str, Sequence[str]] | None = None,
) -> Overlap:
    """Read every revision each head's line added since the fork and compare the lines.
    ``read(path)`` gives a file's bytes (None when it cannot be read); ``forks`` and ``since``
    (graph.fork_points / since_fork) may be passed when already known."""
    from hooks_manager.graph import fork_points, since_fork

    recs = list(records)
    by_id = {r.revision: r for r in recs}
    lines: dict[str, list[Change]] = {}
    if since is None:
        since = since_fork(recs, list(heads))
    for head, revs in since.items():
        changes: list[Change] = []
        for rev in revs:
            rec = by_id.get(rev)
            if rec is None:
                continue
            data = read(rec.path)
            if data is None:
                changes.append(Change(rev, rec.path, 0, "not-read", "", "file not readable"))
            else:
                changes += read_changes(data, rec.path, rev)
        lines[head] = changes
    overlap = Overlap(list(forks) if forks is not None else fork_points(recs, list(heads)),
                      lines)
    overlap.collisions = collisions(lines)
    return overlap


# --- reading one file --------------------------------------------------------------------------


def read_changes(data: bytes, path: str, revision: str) -> list[Change]:
    try:
        tree = ast.parse(data, filename=path)
    except (SyntaxError, ValueError):
        return [Change(revision, path, 0, "not-read", "", "the file does not parse")]
    reader = _Reader(tree, path, revision)
    upgrade = reader.functions.get("upgrade")
    if upgrade is None:
        return [Change(revision, path, 0, "not-read", "", "no upgrade() function")]
    reader.visit(upgrade.body, {}, {"upgrade"})
    return reader.changes


class _Reader:
    def __init__(self, tree: ast.Module, path: str, revision: str) -> None:
        self.path = path
        self.revision = revision
        self.changes: list[Change] = []
        self.consts: dict[str, str] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.op_names = {"op"}
        for node in tree.body:  # module level: constants, functions, how op is imported
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.consts[target.id] = node.value.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                self.consts[node.target.id] = node.value.value
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions[node.name] = node
            elif isinstance(node, ast.ImportFrom) and node.module == "alembic":
                for alias in node.names:
                    if alias.name == "op":
                        self.op_names.add(alias.asname or "op")

    def add(self, node: ast.AST, kind: str, table: str, target: str = "") -> None:
        self.changes.append(Change(self.revision, self.path, getattr(node, "lineno", 0), kind,
                                   table, target))

    def visit(self, body: list[ast.stmt], batch: dict[str, str], calling: set[str]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.With | ast.AsyncWith):
                inner = dict(batch)
                for item in stmt.items:
                    table = self._batch_table(item.context_expr)
                    if table is not None and isinstance(item.optional_vars, ast.Name):
                        inner[item.optional_vars.id] = table
                    else:
                        self._calls(item.context_expr, batch, calling)
                self.visit(stmt.body, inner, calling)
                continue
            nested = [getattr(stmt, f) for f in ("body", "orelse", "finalbody")
                      if isinstance(getattr(stmt, f, None), list)]
            if isinstance(stmt, ast.Try):
                nested += [h.body for h in stmt.handlers]
            if nested and not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef
                                         | ast.ClassDef):
                for part in ("test", "iter", "subject"):
                    expr = getattr(stmt, part, None)
                    if isinstance(expr, ast.expr):
                        self._calls(expr, batch, calling)
                for block in nested:
                    self.visit(block, batch, calling)
            elif not nested:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant) \
                        and isinstance(stmt.value.value, str):
                    # a local name for a table (`T = "users"`), read as the code runs it
                    self.consts.update({t.id: stmt.value.value for t in stmt.targets
                                        if isinstance(t, ast.Name)})
                self._calls(stmt, batch, calling)

    def _calls(self, node: ast.AST, batch: dict[str, str], calling: set[str]) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                self._call(sub, batch, calling)

    def _batch_table(self, expr: ast.expr) -> str | None:
        if not isinstance(expr, ast.Call):
            return None
        func = expr.func
        # op.batch_alter_table, or a project's own wrapper of the same name (seen in real
        # projects: `from migrations import batch_alter_table`, adding a naming convention)
        name = func.attr if isinstance(func, ast.Attribute) else \
            func.id if isinstance(func, ast.Name) else ""
        if self._op_method(expr) == "batch_alter_table" or name == "batch_alter_table":
            return self._table(expr, 0, "table_name", "schema") or "?"
        return None

    def _op_method(self, call: ast.Call) -> str | None:
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id in self.op_names:
            return func.attr
        return None

    def _call(self, call: ast.Call, batch: dict[str, str], calling: set[str]) -> None:
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.functions and func.id not in calling:
            # A helper of this file called from upgrade(): read it too (one file, no imports).
            self.visit(self.functions[func.id].body, batch, calling | {func.id})
            return
        method = self._op_method(call)
        if method is not None:
            self._op(call, method)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id in batch:
            self._batch(call, func.attr, batch[func.value.id])

    def _op(self, call: ast.Call, method: str) -> None:
        t = self._table
        if method == "create_table":
            table = t(call, 0, "table_name", "schema")
            self.add(call, "create-table", table)
            for arg in call.args[1:]:
                name = self._column_name(arg)
                if name:
                    self.add(call, "column", table, name)
        elif method == "drop_table":
            self.add(call, "drop-table", t(call, 0, "table_name", "schema"))
        elif method == "add_column":
            column = self._arg(call, 1, "column")
            self.add(call, "add-column", t(call, 0, "table_name", "schema"),
                     self._column_name(column) if column is not None else "?")
        elif method == "drop_column":
            self.add(call, "drop-column", t(call, 0, "table_name", "schema"),
                     self._name(self._arg(call, 1, "column_name")))
        elif method == "alter_column":
            self.add(call, "alter-column", t(call, 0, "table_name", "schema"),
                     self._alter_target(call, 1))
        elif method == "create_index":
            self.add(call, "create-index", t(call, 1, "table_name", "schema"),
                     self._name(self._arg(call, 0, "index_name")))
        elif method == "drop_index":
            table = t(call, 1, "table_name", "schema") if self._arg(call, 1, "table_name") \
                is not None else ""
            self.add(call, "drop-index", table, self._name(self._arg(call, 0, "index_name")))
        elif method == "create_foreign_key":
            self.add(call, "create-foreign-key", t(call, 1, "source_table", "source_schema"),
                     self._name(self._arg(call, 0, "constraint_name")))
        elif method in ("create_unique_constraint", "create_check_constraint",
                        "create_primary_key", "drop_constraint"):
            kind = method.replace("_", "-")
            self.add(call, kind, t(call, 1, "table_name", "schema"),
                     self._name(self._arg(call, 0, "constraint_name")))
        elif method == "rename_table":
            old = t(call, 0, "old_table_name", "schema")
            new = t(call, 1, "new_table_name", "schema")
            self.add(call, "rename-table", old, f"to {new}")
            self.add(call, "create-table", new, f"(renamed from {old})")
        elif method == "execute":
            self.add(call, "raw-sql", "", "op.execute: raw SQL, not read")
        elif method == "bulk_insert":
            target = self._arg(call, 0, "table")
            table = "?"
            if isinstance(target, ast.Call) and target.args:
                table = self._name(target.args[0])
            self.add(call, "insert-rows", table)
        elif method not in _QUIET_OPS and method != "batch_alter_table":
            self.add(call, "not-read", "", f"op.{method}: not read")

    def _batch(self, call: ast.Call, method: str, table: str) -> None:
        arg0 = self._arg
        if method == "add_column":
            column = arg0(call, 0, "column")
            self.add(call, "add-column", table,
                     self._column_name(column) if column is not None else "?")
        elif method == "drop_column":
            self.add(call, "drop-column", table, self._name(arg0(call, 0, "column_name")))
        elif method == "alter_column":
            self.add(call, "alter-column", table, self._alter_target(call, 0))
        elif method == "create_index":
            self.add(call, "create-index", table, self._name(arg0(call, 0, "index_name")))
        elif method == "drop_index":
            self.add(call, "drop-index", table, self._name(arg0(call, 0, "index_name")))
        elif method == "create_foreign_key":
            self.add(call, "create-foreign-key", table,
                     self._name(arg0(call, 0, "constraint_name")))
        elif method in ("create_unique_constraint", "create_check_constraint",
                        "create_primary_key", "drop_constraint"):
            self.add(call, method.replace("_", "-"), table,
                     self._name(arg0(call, 0, "constraint_name")))
        elif method == "execute":
            self.add(call, "raw-sql", table, "batch execute: raw SQL, not read")
        else:
            self.add(call, "not-read", table, f"batch_op.{method}: not read")

    def _alter_target(self, call: ast.Call, pos: int) -> str:
        name = self._name(self._arg(call, pos, "column_name"))
        new = self._arg(call, pos + 10, "new_column_name")  # keyword only in practice
        return f"{name} (renamed to {self._name(new)})" if new is not None else name

    @staticmethod
    def _arg(call: ast.Call, pos: int, keyword: str) -> ast.expr | None:
        for kw in call.keywords:
            if kw.arg == keyword:
                return kw.value
        args = [a for a in call.args if not isinstance(a, ast.Starred)]
        return args[pos] if len(args) > pos else None

    def _name(self, node: ast.expr | None) -> str:
        """A literal, a module-level constant, or op.f(...) of one; '?' for anything else."""
        if node is None:
            return "?"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.consts:
            return self.consts[node.id]
        if isinstance(node, ast.Call) and self._op_method(node) == "f" and node.args:
            return self._name(node.args[0])
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "f" and node.args:
            return self._name(node.args[0])
        return "?"

    def _table(self, call: ast.Call, pos: int, keyword: str, schema_kw: str) -> str:
        name = self._name(self._arg(call, pos, keyword))
        schema = next((kw.value for kw in call.keywords if kw.arg == schema_kw), None)
        if schema is None or (isinstance(schema, ast.Constant) and schema.value is None):
            return name
        return f"{self._name(schema)}.{name}"

    def _column_name(self, node: ast.expr) -> str:
        if not isinstance(node, ast.Call):
            return "?"
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else \
            func.id if isinstance(func, ast.Name) else ""
        if called != "Column":
            return ""  # a constraint or index inside create_table: not a column
        for kw in node.keywords:
            if kw.arg == "name":
                return self._name(kw.value)
        if node.args and not (isinstance(node.args[0], ast.Call | ast.Attribute)):
            return self._name(node.args[0])
        return "?"


# --- comparing the lines -------------------------------------------------------------------------

_ADDS = {"add-column": "add column", "create-index": "create index",
         "create-foreign-key": "create foreign key", "create-table": "create table",
         "drop-column": "drop column", "drop-index": "drop index", "drop-table": "drop table",
         "rename-table": "rename table", "create-unique-constraint": "create unique constraint"}
_FAILS = {"add-column": "duplicate column", "create-index": "index already exists",
          "create-table": "table already exists", "drop-column": "no such column",
          "drop-index": "no such index", "drop-table": "no such table",
          "rename-table": "no such table", "create-foreign-key": "constraint already exists",
          "create-unique-constraint": "constraint already exists"}


def collisions(lines: Mapping[str, list[Change]]) -> list[Collision]:
    """Where two lines meet: the same thing done twice (expected to fail once both run), a
    table dropped by one and changed by the other, or just the same table touched by both."""
    found: list[Collision] = []
    heads = list(lines)
    for i, a in enumerate(heads):
        for b in heads[i + 1:]:
            found += _pair(a, lines[a], b, lines[b])
    return found


def _pair(a: str, ours: list[Change], b: str, theirs: list[Change]) -> list[Collision]:
    out: list[Collision] = []
    seen: set[tuple[str, str, str]] = set()
    index_by_name: dict[tuple[str, str], Change] = {(c.kind, c.target): c for c in theirs
                                        if c.kind in ("create-index", "drop-index")}
    flagged_tables: set[str] = set()
    for mine in ours:
        for other in theirs:
            if mine.kind != other.kind or mine.kind not in _FAILS:
                continue
            if mine.kind in ("create-index", "drop-index"):
                continue  # by name, below: an index name is unique per schema, not per table
            same_target = mine.target == other.target or mine.kind in (
                "create-table", "drop-table", "rename-table")
            if mine.table == other.table and mine.table != "?" and same_target \
                    and "?" not in (mine.target, other.target):
                key = (mine.kind, mine.table, mine.target)
                if key in seen:
                    continue
                seen.add(key)
                flagged_tables.add(mine.table)
                thing = f"{mine.table}.{mine.target}" if mine.target and mine.kind not in (
                    "create-table", "drop-table", "rename-table") else mine.table
                out.append(Collision(
                    f"both-{mine.kind}", mine.table,
                    f"both lines {_ADDS[mine.kind]} {thing} ({mine.revision} and "
                    f"{other.revision}): once both run, `upgrade head` fails "
                    f"({_FAILS[mine.kind]})", (mine.revision, other.revision), True))
    for mine in ours:
        if mine.kind not in ("create-index", "drop-index") or mine.target == "?":
            continue
        match = index_by_name.get((mine.kind, mine.target))
        if match is not None:
            other = match
            key = (mine.kind, "", mine.target)
            if key not in seen:
                seen.add(key)
                flagged_tables.update(t for t in (mine.table, other.table) if t)
                out.append(Collision(
                    f"both-{mine.kind}", mine.table or other.table,
                    f"both lines {_ADDS[mine.kind]} {mine.target} ({mine.revision} and "
                    f"{other.revision}): once both run, `upgrade head` fails "
                    f"({_FAILS[mine.kind]})", (mine.revision, other.revision), True))
    for dropper, dropped, other_side in ((ours, a, theirs), (theirs, b, ours)):
        for drop in (c for c in dropper if c.kind == "drop-table" and c.table != "?"):
            touching = [c for c in other_side if c.table == drop.table and c.kind not in (
                "drop-table", "column")]
            if touching:
                flagged_tables.add(drop.table)
                out.append(Collision(
                    "dropped-and-altered", drop.table,
                    f"line {dropped} drops table {drop.table} ({drop.revision}) while the "
                    f"other line changes it ({', '.join(c.describe() for c in touching[:3])} "
                    f"in {touching[0].revision}): whichever runs second may fail or act on "
                    "a table that is gone", (drop.revision, touching[0].revision), True))
    mine_tables = {c.table for c in ours if c.table and c.table != "?"}
    their_tables = {c.table for c in theirs if c.table and c.table != "?"}
    for table in sorted((mine_tables & their_tables) - flagged_tables):
        out.append(Collision("same-table", table,
                             f"both lines touch table {table}: read both before merging "
                             "(a merge revision joins the heads, it does not reconcile them)",
                             tuple(sorted({c.revision for c in (*ours, *theirs)
                                           if c.table == table})), False))
    return out
