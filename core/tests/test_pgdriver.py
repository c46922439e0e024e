"""The PostgreSQL driver (core/pgdriver.py): DB_DRIVER picks the one Django loads, and the
project's SQL gets the same answers from psycopg2 and psycopg 3.

CI runs the whole suite once per driver (``.ci/run``); the tests here that start a process
check both drivers in every pass."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core import pgdriver, prepared
from core.tests.servers import database_url

ROOT = Path(settings.BASE_DIR)
ON_POSTGRES = pytest.mark.postgres


def _other(driver: str) -> str:
    return pgdriver.PSYCOPG3 if driver == pgdriver.PSYCOPG2 else pgdriver.PSYCOPG2


def test_an_unknown_driver_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="DB_DRIVER must be one of psycopg2, psycopg"):
        pgdriver.select("mysqlclient")


def test_a_driver_that_cannot_be_imported_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)

    with pytest.raises(ImproperlyConfigured, match="DB_DRIVER=psycopg, but psycopg cannot be imported"):
        pgdriver.select("psycopg")


def test_a_connection_of_the_other_driver_is_refused() -> None:
    postgres = SimpleNamespace(vendor="postgresql")
    pgdriver.check_connection(sender=None, connection=postgres)  # the driver in use: accepted

    with (
        override_settings(DB_DRIVER=_other(pgdriver.in_use())),
        pytest.raises(ImproperlyConfigured, match="before the settings"),
    ):
        pgdriver.check_connection(sender=None, connection=postgres)


@ON_POSTGRES
@pytest.mark.django_db
def test_the_selected_driver_is_the_one_in_use() -> None:
    connection.ensure_connection()
    module = type(connection.connection).__module__

    assert module.split(".")[0] == settings.DB_DRIVER
    assert pgdriver.in_use() == settings.DB_DRIVER
    with pytest.raises(ImportError):
        importlib.import_module(_other(settings.DB_DRIVER))


@ON_POSTGRES
@pytest.mark.django_db
@pytest.mark.parametrize("driver", pgdriver.DRIVERS)
def test_a_process_started_with_db_driver_connects_with_that_driver(driver: str) -> None:
    code = (
        "import django, importlib, json; django.setup(); from django.db import connection; "
        "from core import pgdriver; connection.ensure_connection(); "
        "other = [d for d in pgdriver.DRIVERS if d != pgdriver.in_use()][0]\n"
        "try:\n    importlib.import_module(other); importable = True\n"
        "except ImportError:\n    importable = False\n"
        "print(json.dumps([type(connection.connection).__module__, pgdriver.in_use(), other, importable]))"
    )
    env = {**os.environ, "DATABASE_URL": database_url(), "DB_DRIVER": driver}
    env["DJANGO_SETTINGS_MODULE"] = "budget_system.settings"

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    module, in_use, other, importable = json.loads(result.stdout.strip().splitlines()[-1])
    assert module.split(".")[0] == driver
    assert in_use == driver
    assert (other, importable) == (_other(driver), False)


# --- The same answers on both drivers ---------------------------------------------------------


EVENING_IN_KOLKATA = dt.datetime(2026, 11, 30, 18, 31, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
ROUND_TRIP: list[tuple[str, Any, Any]] = [  # (expression, parameter, what comes back)
    ("%s::bigint[]", [3, 1, 10**12], [3, 1, 10**12]),
    ("%s::bigint[]", [], []),
    ("%s::text[]", ["a,b", None, 'quote"d', "{brace}"], ["a,b", None, 'quote"d', "{brace}"]),
    ("%s::numeric[]", [Decimal("1.50"), Decimal("-0.01")], [Decimal("1.50"), Decimal("-0.01")]),
    ("%s::date[]", [dt.date(2026, 2, 28)], [dt.date(2026, 2, 28)]),
    ("%s::numeric", Decimal("12345678.90"), Decimal("12345678.90")),
    ("%s::date", dt.date(2026, 11, 30), dt.date(2026, 11, 30)),
    ("%s::timestamptz", EVENING_IN_KOLKATA, dt.datetime(2026, 11, 30, 13, 1, tzinfo=dt.UTC)),
    ("%s::text", "it's", "it's"),
    ("cardinality(%s::bigint[])", [], 0),
]


@ON_POSTGRES
@pytest.mark.django_db
@pytest.mark.parametrize("prepare", [True, False], ids=["prepared", "plain"])
def test_parameters_and_types_round_trip(prepare: bool) -> None:
    sql = "SELECT " + ", ".join(expression for expression, _, _ in ROUND_TRIP)
    with override_settings(DB_PREPARED_STATEMENTS=prepare), connection.cursor() as cursor:
        prepared.execute(cursor, sql, [parameter for _, parameter, _ in ROUND_TRIP])
        row = cursor.fetchone()

    assert row is not None
    assert list(row) == [answer for _, _, answer in ROUND_TRIP]
    assert row[7].utcoffset() == dt.timedelta(0)


@ON_POSTGRES
@pytest.mark.django_db
@pytest.mark.parametrize("prepare", [True, False], ids=["prepared", "plain"])
def test_any_of_an_empty_or_a_small_int_array_matches_bigint_ids(prepare: bool) -> None:
    sql = "SELECT x FROM unnest(%s::bigint[]) AS t(x) WHERE x = ANY(%s) ORDER BY x"
    with override_settings(DB_PREPARED_STATEMENTS=prepare), connection.cursor() as cursor:
        prepared.execute(cursor, sql, [[1, 2, 3, 10**12], [3, 10**12]])
        matched = cursor.fetchall()
        prepared.execute(cursor, sql, [[1, 2], []])
        none = cursor.fetchall()

    assert matched == [(3,), (10**12,)]
    assert none == []


@ON_POSTGRES
@pytest.mark.django_db
@pytest.mark.parametrize("prepare", [True, False], ids=["prepared", "plain"])
def test_three_statements_together_answer_with_the_last_one(prepare: bool) -> None:
    statements: list[tuple[str, list[Any]]] = [
        ("SELECT x, 'first' FROM unnest(%s::int[]) AS t(x)", [[1, 2, 3]]),
        ("SELECT %s::int", [2]),
        ("SELECT %s::text, %s::numeric, 'last'", ["three", Decimal("3.00")]),
    ]
    with override_settings(DB_PREPARED_STATEMENTS=prepare), connection.cursor() as cursor:
        prepared.execute_together(cursor, statements)
        rows = cursor.fetchall()

    assert rows == [("three", Decimal("3.00"), "last")]


# --- Raw connections (the benchmark's baselines) ---------------------------------------------


def _insert_then_fail(raw: Any, statement: Any) -> None:
    with pgdriver.transaction(raw) as cursor:
        cursor.execute(statement)
        raise RuntimeError("roll back")


@ON_POSTGRES
@pytest.mark.django_db
def test_a_raw_connection_copies_commits_rolls_back_and_stays_open() -> None:
    sql = pgdriver.sql_composition()
    table = sql.Identifier("pgdriver raw test")
    raw = pgdriver.connect(database_url())
    try:
        with pgdriver.transaction(raw) as cursor:
            cursor.execute(
                sql.SQL("CREATE TEMP TABLE {} (id bigint, amount numeric, day date)").format(table)
            )
            copy = sql.SQL("COPY {} FROM STDIN").format(table).as_string(cursor)
            pgdriver.copy_in(cursor, copy, "1\t1.50\t2026-11-30\n2\t\\N\t2026-12-01\n")
        with pytest.raises(RuntimeError, match="roll back"):
            _insert_then_fail(raw, sql.SQL("INSERT INTO {} VALUES (3, 3, '2026-12-02')").format(table))
        with pgdriver.transaction(raw) as cursor:
            cursor.execute(sql.SQL("SELECT id, amount, day FROM {} ORDER BY id").format(table))
            rows = cursor.fetchall()
    finally:
        raw.close()

    assert rows == [(1, Decimal("1.50"), dt.date(2026, 11, 30)), (2, None, dt.date(2026, 12, 1))]


# --- Arrays: one literal per list (pgdriver.bind_arrays) -------------------------------------

ARRAYS: list[tuple[str, list[Any]]] = [
    ("bigint", [1, 2, None, 10**12]),
    ("boolean", [True, False, True]),
    ("text", ['say "hi"', "back\\slash", "", "NULL", "a,b", "{}", "café", None, 'say "hi"']),
    ("jsonb", ['{"reason":null,"reasons":["a\\"b"]}', '{"reason":"x"}']),
    ("numeric", [Decimal("1.00"), Decimal("-0.05"), None]),
    ("date", [dt.date(2026, 11, 30), dt.date(2027, 1, 1)]),
    ("timestamptz", [EVENING_IN_KOLKATA, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)]),
    ("text", []),
]


def test_lists_become_one_literal_each_on_psycopg2_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pgdriver, "in_use", lambda: pgdriver.PSYCOPG2)
    assert pgdriver.bind_arrays([[1, 2], "x", [True, None], [[1], [2]]]) == [
        "{1,2}",
        "x",
        "{t,NULL}",
        [[1], [2]],
    ]
    assert pgdriver.array_literal(['a"b', "c\\d", ""]) == '{"a\\"b","c\\\\d",""}'
    monkeypatch.setattr(pgdriver, "in_use", lambda: pgdriver.PSYCOPG3)
    assert pgdriver.bind_arrays([[1, 2]]) == [[1, 2]]


@ON_POSTGRES
@pytest.mark.django_db
@pytest.mark.parametrize("prepare", [True, False], ids=["prepared", "plain"])
@pytest.mark.parametrize(("kind", "values"), ARRAYS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(ARRAYS)])
def test_arrays_round_trip_element_by_element(prepare: bool, kind: str, values: list[Any]) -> None:
    sql = f"SELECT x FROM unnest(%s::{kind}[]) WITH ORDINALITY AS t(x, n) ORDER BY n"  # noqa: S608
    with override_settings(DB_PREPARED_STATEMENTS=prepare), connection.cursor() as cursor:
        prepared.execute(cursor, sql, [values])
        back = [row[0] for row in cursor.fetchall()]

    if kind == "jsonb":
        assert [json.loads(value) for value in back] == [json.loads(value) for value in values]
    else:
        assert back == values


@ON_POSTGRES
@pytest.mark.django_db
@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.characters(exclude_characters="\x00")))))
def test_any_text_array_round_trips(values: list[str | None]) -> None:
    with connection.cursor() as cursor:
        prepared.execute(cursor, "SELECT array_length(%s::text[], 1), %s::text[]", [values, values])
        row = cursor.fetchone()

    assert row is not None
    assert list(row[1]) == values
