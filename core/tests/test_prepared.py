"""Prepared statements (core/prepared.py): prepared once per connection, right after a
reconnect or a rollback, off by setting; statements sent together see what a lock waited for."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from campaigns.models import Campaign
from campaigns.store import load_campaigns as lock_and_load_campaigns
from core import prepared
from core.tests.factories import make_brand, make_campaign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SQL = "SELECT %s::int + %s::int, 'core.tests.test_prepared'"


@pytest.fixture(autouse=True)
def _prepared_statements_on(settings: Any) -> None:
    """On, as by default, even when the suite runs with DB_PREPARED_STATEMENTS=false."""
    settings.DB_PREPARED_STATEMENTS = True


def _session_statements() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def _run(sql: str, params: list[object]) -> tuple[list[tuple[object, ...]], list[str]]:
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        rows = cursor.fetchall()
    return rows, [query["sql"] for query in captured.captured_queries]


def test_a_statement_is_prepared_once_then_executed_by_name() -> None:
    name = prepared._definition(SQL)[0]

    first_rows, first = _run(SQL, [1, 2])
    again_rows, again = _run(SQL, [40, 2])

    assert first_rows == [(3, "core.tests.test_prepared")]
    assert again_rows == [(42, "core.tests.test_prepared")]
    # The PREPARE is session set-up, sent on the driver's cursor: not counted as a query.
    assert first == [f"EXECUTE {name}(1, 2)"]
    assert again == [f"EXECUTE {name}(40, 2)"]
    assert (
        _session_statements()[name]
        == f"PREPARE {name} AS SELECT $1::int + $2::int, 'core.tests.test_prepared'"
    )


@pytest.mark.django_db(transaction=True)  # no test transaction around the reconnect
def test_a_new_connection_prepares_again() -> None:
    sql = "SELECT %s::text || '-reconnect'"
    name = prepared._definition(sql)[0]
    _run(sql, ["a"])
    connection.close()
    assert name not in _session_statements()  # a new session

    rows, queries = _run(sql, ["b"])

    assert rows == [("b-reconnect",)]
    assert queries == [f"EXECUTE {name}('b')"]
    assert name in _session_statements()


@pytest.mark.django_db(transaction=True)  # a real rollback, not a savepoint's
def test_a_rolled_back_transaction_keeps_what_it_prepared() -> None:
    sql = "SELECT %s::int * 2, 'rollback'"

    def prepare_then_fail() -> None:
        with transaction.atomic():
            _run(sql, [1])
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        prepare_then_fail()
    rows, queries = _run(sql, [21])

    assert rows == [(42, "rollback")]
    assert len(queries) == 1
    assert queries[0].startswith("EXECUTE ")


@override_settings(DB_PREPARED_STATEMENTS=False)
def test_turned_off_the_plain_statement_is_sent() -> None:
    rows, queries = _run("SELECT %s::int - 1, 'plain'", [43])

    assert rows == [(42, "plain")]
    assert queries == ["SELECT 43::int - 1, 'plain'"]


def test_statements_sent_together_run_in_order_and_answer_with_the_last() -> None:
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        prepared.execute_together(cursor, [("SELECT %s::int, 'first'", [1]), ("SELECT %s::int, 'last'", [2])])
        rows = cursor.fetchall()

    assert rows == [(2, "last")]
    assert captured.captured_queries[-1]["sql"].count("EXECUTE ") == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepare", [True, False], ids=["prepared", "plain"])
def test_the_read_after_the_lock_sees_what_the_lock_waited_for(prepare: bool) -> None:
    # given: another transaction holds the brand's lock and is changing the campaign
    brand = make_brand(name="Locked", daily_budget=Decimal("100.00"))
    campaign = make_campaign(brand=brand, name="c", daily_budget=Decimal("10.00"))
    locked, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def other_writer() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT id FROM brands_brand WHERE id = %s FOR NO KEY UPDATE", [brand.pk])
                Campaign.objects.filter(pk=campaign.pk).update(daily_budget=Decimal("25.00"))
                locked.set()
                release.wait(10)
        except BaseException as error:  # re-raised in the main thread
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert locked.wait(10)

    # when: this transaction locks and loads while the other one still holds the lock
    timer = threading.Timer(0.3, release.set)
    timer.start()
    started = time.monotonic()
    with override_settings(DB_PREPARED_STATEMENTS=prepare), transaction.atomic():
        _, campaigns, _ = lock_and_load_campaigns([campaign.pk])
    waited = time.monotonic() - started
    thread.join(10)
    timer.cancel()

    # then: it waited for the lock and read the campaign as the other transaction left it
    assert not failures, failures
    assert waited >= 0.2
    assert campaigns[campaign.pk].daily_budget == Decimal("25.00")
