"""New runtime rows written at once by a Core ``INSERT ... RETURNING id``, then kept as ORM
objects; and the changes to instances, activations and tasks written at commit by Core
``UPDATE`` statements built once, version-checked as the ORM checks them.

The engine needs a new task's or activation's id as soon as it exists (the trail, timers and
notices name it), which an ORM ``add`` only gets from a flush, and a flush scans and writes
everything pending in the session: two or three of them per step were a large share of a
step's cost. Here the row is inserted by a statement compiled once per table, with every
column's value given (so nothing is left to read back), and the object is attached to the
session as persistent: later changes to it are ordinary ORM updates (version-checked for
tasks), flushed with the rest. Its many-to-one relationships and its parent's loaded
collection are set as loaded state, as a flush would have left them.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from flask_appbuilder import Model
from sqlalchemy import Connection, Insert, Table, Update, bindparam, insert, inspect, update
from sqlalchemy.orm import InstanceState, Mapper, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import (
    NO_VALUE,
    instance_state,
    manager_of_class,
    set_committed_value,
)
from sqlalchemy.orm.exc import StaleDataError

M = TypeVar("M", bound=Model)


def insert_row(
    session: Session,
    model: type[M],
    values: dict[str, Any],
    parents: dict[str, tuple[Any, str | None]] | None = None,
) -> M:
    """Insert a ``model`` row of ``values`` (columns by attribute name; the others take their
    defaults) and return it as a persistent object of ``session``.

    ``parents`` names the many-to-one relationships to set, {name: (parent object, name of
    the parent's collection of these or None)}; a collection already loaded gets the object
    appended, as ``back_populates`` would have done."""
    table: Table = model.__table__
    row = {**_defaults(table), **values}
    # Empty columns are left out, as a flush leaves them (a JSON column given None would hold
    # JSON's null, not SQL's). On the session's connection, with no flush: the row needs
    # only its parents' rows, which exist already.
    given = {key: value for key, value in row.items() if value is not None}
    row["id"] = session.connection().execute(_insert(table), given).scalar_one()
    # Built with the row as its loaded state, not through the constructor, whose attribute
    # events record every value as a change only for ``make_transient_to_detached`` to
    # forget them again.
    found = manager_of_class(model).new_instance()
    instance_state(found).dict.update(row)
    make_transient_to_detached(found)  # the values given are what the row holds
    session.add(found)
    for name, (parent, collection) in (parents or {}).items():
        set_committed_value(found, name, parent)
        if collection is not None and collection in parent.__dict__:
            set_committed_value(parent, collection, [*parent.__dict__[collection], found])
    return found


def write_updates(session: Session, models: tuple[type[Model], ...]) -> None:
    """Write the changed columns of ``session``'s modified objects of ``models`` (in that
    order, each kind by id: transactions lock shared rows in one order), one ``UPDATE`` each
    by a statement built once per table and set of columns, instead of a pass of the ORM's
    unit of work; the objects are then clean, as a flush leaves them.

    A versioned row (``version_id_col``) is updated only at the version the object was
    read at, and its version is bumped; an update that matches no row raises the ORM's
    :class:`StaleDataError`, the conflict the unit of work runs the command again on.
    Changes the ORM alone knows how to write (a relationship set without its foreign key)
    are left to its flush, which then checks and bumps the version written here."""
    dirty = [inspect(obj) for obj in session.dirty if isinstance(obj, models)]
    if not dirty:
        return
    connection = session.connection()
    for model in models:
        states = sorted((s for s in dirty if s.class_ is model), key=lambda s: s.identity)
        for state in states:
            _write_update(session, connection, state)


def _write_update(session: Session, connection: Connection, state: InstanceState) -> None:
    mapper = state.mapper
    # ``committed_state`` holds the value each attribute set since the object was loaded
    # or flushed had then: set to the same value again is no change (as the ORM compares).
    columns = [key for key in state.committed_state if key in mapper.column_attrs]
    changed = {
        key: state.dict.get(key)
        for key in columns
        if (old := state.committed_state[key]) is NO_VALUE or old != state.dict.get(key)
    }
    if changed:
        params = {f"new_{key}": value for key, value in changed.items()}
        params["oa_id"] = state.identity[0]
        version = _version_key(mapper)
        if version is not None:
            params["oa_version"] = state.dict[version]
            changed[version] = params[f"new_{version}"] = state.dict[version] + 1
        if connection.execute(_update(mapper, frozenset(changed)), params).rowcount != 1:
            raise StaleDataError(
                f"UPDATE statement on table '{mapper.local_table.name}' expected to update 1 "
                "row(s); 0 were matched."
            )
    obj = state.obj()
    for key in {*columns, *changed}:
        set_committed_value(obj, key, state.dict.get(key) if key not in changed else changed[key])
    if not state.committed_state:
        # Nothing else pending: clean, as the ORM's flush leaves what it wrote, so the next
        # flush does not go through it again.
        state._commit_all(state.dict, session.identity_map)


def _version_key(mapper: Mapper) -> str | None:
    column = mapper.version_id_col
    return None if column is None else mapper.get_property_by_column(column).key


@cache
def _update(mapper: Mapper, keys: frozenset[str]) -> Update:
    """``UPDATE <table> SET <keys> WHERE id = :oa_id [AND <version> = :oa_version]``."""
    table = mapper.local_table
    where = [table.c.id == bindparam("oa_id")]
    if mapper.version_id_col is not None:
        where.append(mapper.version_id_col == bindparam("oa_version"))
    columns = {
        mapper.column_attrs[key].columns[0].key: bindparam(f"new_{key}") for key in sorted(keys)
    }
    return update(table).where(*where).values(columns)


@cache
def _insert(table: Table) -> Insert:
    return insert(table).returning(table.c.id)


def _defaults(table: Table) -> dict[str, Any]:
    """Every column but the id, at its default (called now: a timestamp is now)."""
    values = {}
    for column in table.columns:
        if column.primary_key:
            continue
        default = column.default
        if default is None:
            values[column.key] = None
        elif default.is_callable:
            values[column.key] = default.arg(None)
        else:
            values[column.key] = default.arg
    return values
