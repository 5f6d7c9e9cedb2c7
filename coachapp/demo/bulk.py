"""Writing many new rows at once: the demo's mapped objects inserted table by table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, insert, inspect, text
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import MANYTOONE

from coachapp.dashboard import summaries
from coachapp.db import Base

# PostgreSQL: n ids of a table, drawn from its id column's sequence as INSERTs would.
NEW_IDS = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")


def insert_objects(db: Session, objects: Iterable[object]) -> None:
    """Inserts new (transient) mapped objects, one COPY or executemany INSERT per table and
    set of columns, parents before children, and sets the ids (and foreign keys given as
    relationships, e.g. ``PlanGoal(plan=plan)``) on the objects.

    The objects never join the session: its unit of work and identity map cost more than the
    INSERTs themselves for the demo's hundreds of thousands of rows. Only what the objects
    were given is written (column and database defaults fill the rest) and nothing is read
    back but the ids, so this is for rows made to be written, not objects to work with.
    """
    by_table: dict[Table, list[object]] = defaultdict(list)
    for obj in objects:
        by_table[_shape(type(obj)).table].append(obj)
    for table in Base.metadata.sorted_tables:
        waiting = by_table.pop(table, [])
        # A table that refers to itself (a manager above people): those whose targets have
        # ids go first, in waves.
        while waiting:
            ready = [obj for obj in waiting if _targets_have_ids(obj)]
            if not ready:
                raise ValueError(f"{table.name}: rows refer to objects that are not written")
            _insert(db, table, ready)
            waiting = [obj for obj in waiting if getattr(obj, "id", None) is None]
    if by_table:
        raise ValueError(f"not tables of coachapp's models: {', '.join(map(str, by_table))}")


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the rows of a mapped class are made of."""

    table: Table
    # (attribute, column) of each column.
    columns: tuple[tuple[str, str], ...]
    # Each many-to-one relationship: its attribute, and (our column, our attribute, the
    # target's attribute) of each pair of columns it joins by.
    references: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...]


_SHAPES: dict[type, _Shape] = {}


def _shape(cls: type) -> _Shape:
    if cls in _SHAPES:
        return _SHAPES[cls]
    mapper: Mapper[Any] = inspect(cls)
    references = tuple(
        (
            relationship.key,
            tuple(
                (
                    local.key,
                    mapper.get_property_by_column(local).key,
                    relationship.mapper.get_property_by_column(remote).key,
                )
                for local, remote in relationship.local_remote_pairs
            ),
        )
        for relationship in mapper.relationships
        if relationship.direction is MANYTOONE
    )
    columns = tuple((prop.key, prop.columns[0].key) for prop in mapper.column_attrs)
    _SHAPES[cls] = _Shape(mapper.local_table, columns, references)  # type: ignore[arg-type]
    return _SHAPES[cls]


def _targets_have_ids(obj: object) -> bool:
    given = vars(obj)
    for key, _pairs in _shape(type(obj)).references:
        target = given.get(key)
        if target is not None and getattr(target, "id", None) is None:
            return False
    return True


def _insert(db: Session, table: Table, objects: list[object]) -> None:
    groups: dict[tuple[str, ...], list[tuple[object, dict[str, object]]]] = defaultdict(list)
    for obj in objects:
        row = _row(obj)
        groups[tuple(row)].append((obj, row))
    for group in groups.values():
        ids = insert_rows(db, table, [row for _obj, row in group])
        # The foreign keys given as relationships are set on the objects, as a flush would
        # (the builder reads a person's manager_id).
        given = vars(group[0][0])
        linked = [
            (attribute, column)
            for key, pairs in _shape(type(group[0][0])).references
            if key in given
            for column, attribute, _target in pairs
        ]
        for (obj, row), new_id in zip(group, ids, strict=True):
            set_committed_value(obj, "id", new_id)
            for attribute, column in linked:
                set_committed_value(obj, attribute, row[column])


def _row(obj: object) -> dict[str, object]:
    """The object's row: the columns it was given, and those of the relationships it was
    given (``plan=plan`` is plan_id: plan.id)."""
    given = vars(obj)
    shape = _shape(type(obj))
    row = {column: given[attribute] for attribute, column in shape.columns if attribute in given}
    for key, pairs in shape.references:
        if key in given:
            target = given[key]
            for column, _attribute, target_attribute in pairs:
                row[column] = None if target is None else getattr(target, target_attribute)
    return row


def insert_rows(db: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Inserts rows of `table` that all have the same keys; their new ids, in order. On
    PostgreSQL with COPY; elsewhere one executemany INSERT."""
    if not rows:
        return []
    if db.get_bind().dialect.name == "postgresql" and _copyable(table, rows[0]):
        ids = _copy(db, table, rows)
        # COPY goes around the session: the dashboard's stored figures are marked as an
        # INSERT statement on the table marks them (coachapp.dashboard.summaries).
        if table in summaries.WATCHED_TABLES:
            summaries.mark_changed(db)
        return ids
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.execute(statement, rows).scalars())


def _copyable(table: Table, row: dict[str, object]) -> bool:
    """Whether COPY can write such rows: the defaults of the columns they leave out are
    values or Python functions (no SQL expressions or sequences to evaluate)."""
    return all(
        column.default.is_scalar or column.default.is_callable
        for column in _defaulted(table, row)
        if column.default is not None
    )


def _defaulted(table: Table, row: dict[str, object]) -> list[Column[Any]]:
    """The columns the rows leave out that have a default of SQLAlchemy's (not the id)."""
    return [
        column
        for column in table.columns
        if column.key not in row and column.key != "id" and column.default is not None
    ]


def _copy(db: Session, table: Table, rows: list[dict[str, object]]) -> list[int]:
    """PostgreSQL: the rows' ids drawn from the table's sequence, then the rows written with
    COPY, several times faster than INSERTs of the same rows (the demo's --scale 50 seeding
    writes about 300,000). Values go through the columns' types as in an INSERT, and the
    columns the rows leave out get their defaults as an INSERT would give them."""
    connection = db.connection()
    dialect = connection.dialect
    ids = list(
        connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": len(rows)},
        ).scalars()
    )
    given = [table.c[key] for key in rows[0]]
    defaulted = _defaulted(table, rows[0])
    processors = [
        column.type.dialect_impl(dialect).bind_processor(dialect)
        for column in (table.c.id, *given, *defaulted)
    ]
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(column.name) for column in (table.c.id, *given, *defaulted))
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
        for new_id, row in zip(ids, rows, strict=True):
            values = [new_id, *row.values(), *(_default(column) for column in defaulted)]
            copy.write_row(
                [
                    value if process is None or value is None else process(value)
                    for process, value in zip(processors, values, strict=True)
                ]
            )
    return ids


def _default(column: Column[Any]) -> object:
    default = column.default
    assert default is not None
    return default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
