"""Server-side prepared statements for the hot paths, on PostgreSQL.

Recording one spend is a handful of short statements, and PostgreSQL spends about as
long parsing and planning each of them as executing it. A statement run through
``execute`` is sent as ``PREPARE`` once per database connection and as ``EXECUTE`` from
then on. ``execute_together`` also sends several statements in one round trip.

The same on both drivers (``core/pgdriver.py``). psycopg 3 can prepare by itself, but only
with server-side binding, and Django's cursors bind on the client by default (psycopg2
always does): so the statements are prepared here, by name, on either driver. Turning on
``server_side_binding`` for psycopg 3 instead would change how every ORM query's
parameters are typed, prepare only after five executions of a text, and forbid several
statements in one query, which the lock-then-read of ``execute_together`` needs (the
extended protocol carries one statement per message).

Only statements whose text does not depend on their data belong here (ids travel as
one array parameter, rows as ``unnest`` arrays), so that a connection prepares a small,
fixed set. Statements are named after a hash of their text; the ``PREPARE`` is session
set-up and is not logged or counted as a query. Prepared statements belong
to the database session: the registry of what this connection prepared is cleared
whenever Django opens a new connection (``connection_created``), and ``PREPARE``
survives a rollback, so it stays true.

``DB_PREPARED_STATEMENTS=false`` sends the plain statements instead, for a pooler in
transaction mode (PgBouncer) that hands each transaction a different server session.
SQLite runs the plain statements one by one.

List parameters travel as one array literal each (``pgdriver.bind_arrays``): a batch's
``unnest`` columns are thousands of elements, which psycopg2 would otherwise send as an
``ARRAY[...]`` expression of one constant per element.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from core import pgdriver

_PLACEHOLDER = re.compile(r"%s")


class Write(Protocol):
    """A write a store has prepared but not sent, so that another store can send it in the
    same round trip as its own statements (``execute_together``): ``statement()`` on
    PostgreSQL; elsewhere ``run()`` performs it by itself."""

    def statement(self) -> tuple[str, list[Any]]: ...

    def run(self) -> None: ...


_REGISTRY = "budget_prepared_statements"


@receiver(connection_created)
def _forget_prepared(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """A new database session has prepared nothing yet."""
    setattr(connection, _REGISTRY, set())


def enabled() -> bool:
    return connection.vendor == "postgresql" and bool(getattr(settings, "DB_PREPARED_STATEMENTS", True))


@lru_cache(maxsize=256)
def _definition(sql: str) -> tuple[str, str, int]:
    """(name, ``PREPARE`` text, number of parameters) of a statement written with ``%s``."""
    if "%%" in sql or "$" in sql:
        raise ValueError("prepared statements are written with %s placeholders only")
    count = 0

    def number(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    numbered = _PLACEHOLDER.sub(number, sql)
    name = "budget_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:16]
    return name, f"PREPARE {name} AS {numbered}", count


def _execute_text(cursor: Any, sql: str) -> str:
    """``EXECUTE name(%s, ...)`` for ``sql``, preparing it on this connection first if needed."""
    name, prepare, count = _definition(sql)
    prepared: set[str] | None = getattr(connection, _REGISTRY, None)
    if prepared is None:  # opened before this module was imported: nothing prepared yet
        prepared = set()
        setattr(connection, _REGISTRY, prepared)
    if name not in prepared:
        # Session set-up, like the settings Django sends when it connects: on the driver's
        # own cursor, so that query counts and logs show the statements an operation runs.
        with connection.wrap_database_errors:
            cursor.cursor.execute(prepare)
        prepared.add(name)
    return f"EXECUTE {name}" + (f"({', '.join(['%s'] * count)})" if count else "")


def execute(cursor: Any, sql: str, params: Sequence[Any]) -> None:
    """``cursor.execute(sql, params)``, through a prepared statement where enabled."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    params = pgdriver.bind_arrays(params)
    cursor.execute(_execute_text(cursor, sql) if enabled() else sql, params)


def execute_together(cursor: Any, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Run ``statements`` in order, in one round trip on PostgreSQL (a multi-statement
    query; each statement still takes its own snapshot, so one that follows a lock sees
    what the lock waited for). The cursor holds the rows of the last one."""
    if connection.vendor != "postgresql":
        for sql, params in statements:
            cursor.execute(sql, params)
        return
    prepare = enabled()
    texts = [_execute_text(cursor, sql) if prepare else sql for sql, _ in statements]
    params = pgdriver.bind_arrays([param for _, params in statements for param in params])
    cursor.execute("; ".join(texts), params)
    with connection.wrap_database_errors:
        pgdriver.skip_to_last_result(cursor, len(statements))
