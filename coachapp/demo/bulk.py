"""Writing many new rows at once: the demo's mapped objects inserted table by table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Table, insert, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import MANYTOONE

from coachapp.db import Base


def insert_objects(db: Session, objects: Iterable[object]) -> None:
    """Inserts new (transient) mapped objects, one executemany INSERT per table and set of
    columns, parents before children, and sets the ids (and foreign keys given as
    relationships, e.g. ``PlanGoal(plan=plan)``) on the objects.

    The objects never join the session: its unit of work and identity map cost more than the
    INSERTs themselves for the demo's hundreds of thousands of rows. Only what the objects
    were given is written (database and column defaults fill the rest) and nothing is read
    back but the ids, so this is for rows made to be written, not objects to work with.
    """
    by_table: dict[Table, list[object]] = defaultdict(list)
    for obj in objects:
        mapper = inspect(type(obj))
        by_table[mapper.local_table].append(obj)
    for table in Base.metadata.sorted_tables:
        waiting = by_table.pop(table, [])
        # A table that refers to itself (a manager above people): those whose targets have
        # ids go first, in waves.
        while waiting:
            ready = [obj for obj in waiting if _targets_have_ids(obj)]
            if not ready:
                raise ValueError(f"{table.name}: rows refer to objects that are not written")
            _insert(db, table, ready)
            waiting = [obj for obj in waiting if not _written(obj)]
    if by_table:
        raise ValueError(f"not tables of coachapp's models: {', '.join(map(str, by_table))}")


def _targets_have_ids(obj: object) -> bool:
    state = inspect(obj)
    for relationship in state.mapper.relationships:
        if relationship.direction is MANYTOONE and relationship.key in state.dict:
            target = state.dict[relationship.key]
            if target is not None and not _written(target):
                return False
    return True


def _written(obj: object) -> bool:
    return getattr(obj, "id", None) is not None


def _insert(db: Session, table: Table, objects: list[object]) -> None:
    groups: dict[tuple[str, ...], list[tuple[object, dict[str, object]]]] = defaultdict(list)
    for obj in objects:
        row = _row(obj)
        groups[tuple(row)].append((obj, row))
    for group in groups.values():
        rows = [row for _obj, row in group]
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = db.execute(statement, rows).scalars().all()
        linked = _foreign_keys_set_by_relationship(group[0][0])
        for (obj, row), new_id in zip(group, ids, strict=True):
            set_committed_value(obj, "id", new_id)
            for attribute, column in linked:
                set_committed_value(obj, attribute, row[column])


def _row(obj: object) -> dict[str, object]:
    state = inspect(obj)
    row = {
        prop.columns[0].key: state.dict[prop.key]
        for prop in state.mapper.column_attrs
        if prop.key in state.dict
    }
    for relationship in state.mapper.relationships:
        if relationship.direction is MANYTOONE and relationship.key in state.dict:
            target = state.dict[relationship.key]
            for local, remote in relationship.local_remote_pairs:
                row[local.key] = None if target is None else _value(target, remote)
    return row


def _value(obj: object, column: ColumnElement[object]) -> object:
    return getattr(obj, inspect(obj).mapper.get_property_by_column(column).key)


def _foreign_keys_set_by_relationship(obj: object) -> list[tuple[str, str]]:
    """(attribute, column) of the foreign keys the object was given as a relationship: set
    on it once written, as a flush would (the builder reads a person's manager_id)."""
    state = inspect(obj)
    mapper = state.mapper
    return [
        (mapper.get_property_by_column(local).key, local.key)
        for relationship in mapper.relationships
        if relationship.direction is MANYTOONE and relationship.key in state.dict
        for local, _remote in relationship.local_remote_pairs
    ]
