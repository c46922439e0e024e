"""The PostgreSQL driver, psycopg2 or psycopg 3: which one a process uses, and every
difference between them that the project's own code meets.

Both are installed (``requirements.txt``). Django 5.2 loads psycopg 3 whenever it can be
imported and psycopg2 otherwise, so the choice is made by making the other one
unimportable before Django's PostgreSQL backend is loaded: ``select`` (called by the
settings with ``DB_DRIVER``) puts ``None`` in ``sys.modules`` under the other driver's
name. A process then has exactly one driver, and code that imports the other one fails
at once instead of working by accident on one driver only.

The differences handled here:

- several statements sent in one query: psycopg2's cursor holds the rows of the last,
  psycopg 3's those of the first until ``nextset()`` (``skip_to_last_result``);
- the session set-up statement of ``core.prepared`` goes to the driver's own cursor,
  which both have as ``cursor.cursor`` behind Django's wrapper;
- raw connections outside Django (``bench``): ``connect``, ``transaction`` (psycopg 3's
  ``with connection:`` closes the connection, psycopg2's only commits), ``copy_in``
  (``copy_expert`` against ``cursor.copy``) and ``sql_composition`` (each has its own
  ``sql`` module, with the same API).

Parameters are bound on the client with both (Django's default for psycopg 3, the only
way of psycopg2): lists become arrays (psycopg2: ``ARRAY[...]``, psycopg 3: ``'{...}'``
with the element type, untyped when empty, so a statement casts what it needs:
``%s::bigint[]``), ``Decimal`` comes back for ``numeric``, ``date`` for ``date`` and an
aware UTC ``datetime`` for ``timestamptz``. The hand-written SQL passes its lists through
``bind_arrays``, so that psycopg2 sends the ``'{...}'`` form too (one constant, however many
elements). ``core/tests/test_pgdriver.py`` pins these.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured

PSYCOPG2 = "psycopg2"
PSYCOPG3 = "psycopg"
DRIVERS = (PSYCOPG2, PSYCOPG3)
_BACKEND = "django.db.backends.postgresql.psycopg_any"  # imports the driver Django uses


def select(name: str) -> str:
    """Make ``name`` the driver that Django (and everything else in this process) loads.

    Called by the settings, before Django's PostgreSQL backend is loaded. Raises
    ``ImproperlyConfigured`` for an unknown name or a driver that is not installed. When
    the backend is already loaded (a tool imported ``django.contrib.postgres`` before the
    settings, as the mypy plugin does) it is too late to choose: ``check_connection``
    then refuses every connection of the other driver.
    """
    if name not in DRIVERS:
        raise ImproperlyConfigured(f"DB_DRIVER must be one of {', '.join(DRIVERS)}, not {name!r}")
    if sys.modules.get(name, False) is None or (
        name not in sys.modules and importlib.util.find_spec(name) is None
    ):
        raise ImproperlyConfigured(f"DB_DRIVER={name}, but {name} cannot be imported")
    if _BACKEND not in sys.modules:
        # ``import other`` now raises ImportError, and Django's backend takes ``name``.
        sys.modules[PSYCOPG3 if name == PSYCOPG2 else PSYCOPG2] = None  # type: ignore[assignment]
    return name


def check_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: a PostgreSQL connection must be of ``DB_DRIVER``."""
    from django.conf import settings

    if connection.vendor == "postgresql" and in_use() != settings.DB_DRIVER:
        raise ImproperlyConfigured(
            f"DB_DRIVER={settings.DB_DRIVER}, but Django's backend had loaded {in_use()} before the settings"
        )


def in_use() -> str:
    """The driver that Django's PostgreSQL backend loaded (the settings are loaded first, so
    that they choose it when nothing has imported the backend yet)."""
    from django.conf import settings

    getattr(settings, "DB_DRIVER", None)
    from django.db.backends.postgresql.psycopg_any import is_psycopg3  # the _BACKEND module

    return PSYCOPG3 if is_psycopg3 else PSYCOPG2


def skip_to_last_result(cursor: Any, statements: int) -> None:
    """After one query of ``statements`` statements, make the cursor hold the last one's rows."""
    if in_use() == PSYCOPG3:
        for _ in range(statements - 1):
            cursor.nextset()


def _array_element(value: Any) -> str:
    """One element of an array literal: ``NULL``, a bare integer or boolean, or a quoted
    string (what PostgreSQL's array input reads back as the same value)."""
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if type(value) is int:
        return str(value)
    return _quoted(value if type(value) is str else str(value))  # Decimal, date, datetime: ISO text


_SCALARS = (str, int, bool, Decimal, dt.date, type(None))  # dt.datetime is a dt.date


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def array_literal(values: Sequence[Any]) -> str | None:
    """``values`` as PostgreSQL's text form of an array (``'{1,2,NULL}'``), or ``None`` when an
    element is not a scalar this knows (a nested list: left to the driver).

    The columns of a batch are of one type each, and their strings repeat (an event's data,
    a pause reason): each type has its loop, and each distinct string is quoted once."""
    types = set(map(type, values))
    if types <= {int}:  # ids: the common case
        return "{" + ",".join(map(str, values)) + "}"
    if types <= {bool}:
        return "{" + ",".join(["t" if value else "f" for value in values]) + "}"
    if types <= {str, type(None)}:
        quoted: dict[str | None, str] = {None: "NULL"}
        parts = []
        for value in values:
            part = quoted.get(value)
            if part is None:
                part = quoted[value] = _quoted(value)
            parts.append(part)
        return "{" + ",".join(parts) + "}"
    if not all(isinstance(value, _SCALARS) for value in values):
        return None
    return "{" + ",".join(map(_array_element, values)) + "}"


def bind_arrays(params: Sequence[Any]) -> Sequence[Any]:
    """``params`` with each list sent as one array literal on psycopg2.

    psycopg2 binds a list as ``ARRAY[1, 2, ...]``: an expression of one constant per
    element that the client builds and the server parses and folds, which for the
    thousands of elements of a sweep batch's ``unnest`` columns cost more than the
    statement itself. One string (``'{1,2,...}'``, read by the array type's input function
    where the statement casts it: ``%s::bigint[]``) is one constant. psycopg 3 already
    sends that form: its params are returned as they are.
    """
    if in_use() == PSYCOPG3 or not any(type(param) is list for param in params):
        return params
    bound: list[Any] = []
    for param in params:
        literal = array_literal(param) if type(param) is list else None
        bound.append(param if literal is None else literal)
    return bound


def array_param(values: Iterable[Any]) -> Any:
    """``values`` as one array parameter of the driver in use (``bind_arrays``)."""
    return bind_arrays([list(values)])[0]


def connect(dsn: str) -> Any:
    """A raw connection of the driver in use (no autocommit: use ``transaction``)."""
    if in_use() == PSYCOPG3:
        import psycopg

        return psycopg.connect(dsn)
    import psycopg2

    return psycopg2.connect(dsn)


@contextmanager
def transaction(raw: Any) -> Iterator[Any]:
    """A transaction on a raw connection, committed at the end (rolled back on error) and
    the connection left open, on both drivers; yields a cursor."""
    cursor = raw.cursor()
    try:
        yield cursor
    except BaseException:
        raw.rollback()
        raise
    else:
        raw.commit()
    finally:
        cursor.close()


def sql_composition() -> Any:
    """The driver's ``sql`` module (``SQL``, ``Identifier``; the same API on both)."""
    if in_use() == PSYCOPG3:
        from psycopg import sql

        return sql
    from psycopg2 import sql as sql2

    return sql2


def copy_in(cursor: Any, sql: str, data: str) -> None:
    """``COPY ... FROM STDIN`` of ``data`` (text format) on a raw cursor."""
    if in_use() == PSYCOPG3:
        with cursor.copy(sql) as copy:
            copy.write(data)
        return
    import io

    cursor.copy_expert(sql, io.StringIO(data))
