"""Whole minutes between two timestamps as one SQL expression, on SQLite and PostgreSQL.

SQL has no portable date difference; without one the report's sums and maxima of lateness
would be computed in Python over every row. Times are naive UTC (``form_builder.clock``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class minutes_between(FunctionElement[int]):  # lower case: reads like the SQL function it is
    """``minutes_between(start, end)``: whole minutes from ``start`` to ``end``, truncated
    toward zero (for the non-negative spans lateness measures, the runtime's
    ``int(seconds // 60)``)."""

    type = Integer()
    inherit_cache = True


def _operands(element: minutes_between, compiler: Any, **kw: Any) -> tuple[str, str]:
    start, end = element.clauses
    return compiler.process(start, **kw), compiler.process(end, **kw)


@compiles(minutes_between)
def _unsupported(element: minutes_between, compiler: Any, **kw: Any) -> str:
    raise CompileError(f"minutes_between has no SQL for {compiler.dialect.name}")


@compiles(minutes_between, "sqlite")
def _sqlite(element: minutes_between, compiler: Any, **kw: Any) -> str:
    start, end = _operands(element, compiler, **kw)
    # julianday() is a float of days: round to whole seconds first, so that 180 minutes
    # never comes out as 179.99999; then integer division (no math functions needed).
    return f"(CAST(ROUND((julianday({end}) - julianday({start})) * 86400) AS INTEGER) / 60)"


@compiles(minutes_between, "postgresql")
def _postgresql(element: minutes_between, compiler: Any, **kw: Any) -> str:
    start, end = _operands(element, compiler, **kw)
    return f"CAST(trunc(EXTRACT(EPOCH FROM ({end} - {start})) / 60) AS INTEGER)"
