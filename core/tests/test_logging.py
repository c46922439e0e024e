"""JSON log lines, request ids, and the fail-open cache."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from campaigns.alerts import ServingChange, notify_serving_changes
from core.cache import FailOpenRedisCache
from core.logging import REQUEST_ID, JsonFormatter, RequestIdFilter


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Records of the ``budget`` loggers as the JSON formatter writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("budget")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_an_alert_is_one_json_line_with_its_extra_fields(captured: io.StringIO) -> None:
    change = ServingChange(
        campaign_id=7,
        brand_id=3,
        campaign_name="Black\nFriday",
        kind="serving_stopped",
        was_active=True,
        is_active=False,
        pause_reason="campaign_daily_budget",
        reasons=("campaign_daily_budget", "outside_schedule"),
        actor="system:enforce_budgets",
    )

    notify_serving_changes([change])

    text = captured.getvalue()
    assert text.count("\n") == 1  # the newline in the name is escaped, not written
    [entry] = _lines(captured)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "budget.alerts"
    assert entry["message"] == "campaign 7 paused: campaign_daily_budget"
    assert entry["campaign_id"] == 7
    assert entry["brand_id"] == 3
    assert entry["pause_reason"] == "campaign_daily_budget"
    assert entry["reasons"] == ["campaign_daily_budget", "outside_schedule"]
    assert entry["event"] == "campaign_serving_stopped"
    assert "request_id" not in entry  # outside a request
    assert str(entry["time"]).endswith("+00:00")


def test_exceptions_and_odd_values_stay_on_one_json_line(captured: io.StringIO) -> None:
    from decimal import Decimal

    logger = logging.getLogger("budget.test")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed", extra={"amount": Decimal("1.50"), "ids": {1, 2}})
    [entry] = _lines(captured)
    assert entry["amount"] == "1.50"
    assert sorted(entry["ids"]) == [1, 2]  # type: ignore[call-overload]
    assert "ValueError: boom" in str(entry["exc_info"])


@pytest.mark.django_db
def test_a_request_id_is_taken_from_the_request_and_stamped_on_its_log_lines(captured: io.StringIO) -> None:
    response = Client().get("/api/v1/health/", HTTP_X_REQUEST_ID="abc-123")

    assert response["X-Request-ID"] == "abc-123"
    [line] = [entry for entry in _lines(captured) if entry["logger"] == "budget.requests"]
    assert line["request_id"] == "abc-123"
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/health/"
    assert line["status"] == response.status_code
    assert REQUEST_ID.get() is None  # reset after the request


@pytest.mark.django_db
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_generated_one(captured: io.StringIO) -> None:
    plain = Client().get("/api/v1/health/")
    forged = Client().get("/api/v1/health/", HTTP_X_REQUEST_ID="x\nINFO forged line")

    for response in (plain, forged):
        assert len(response["X-Request-ID"]) == 32
    assert plain["X-Request-ID"] != forged["X-Request-ID"]
    ids = [entry["request_id"] for entry in _lines(captured) if entry["logger"] == "budget.requests"]
    assert ids == [plain["X-Request-ID"], forged["X-Request-ID"]]


@pytest.mark.django_db
def test_django_s_own_error_lines_carry_the_request_id_too() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    django_request = logging.getLogger("django.request")
    django_request.addHandler(handler)
    try:
        response = Client().get("/api/v1/brands/", HTTP_X_REQUEST_ID="unauthorized-1")
    finally:
        django_request.removeHandler(handler)

    assert response.status_code == 401
    [entry] = _lines(stream)  # logged by Django after the middleware chain has returned
    assert entry["request_id"] == "unauthorized-1"
    assert entry["status_code"] == 401
    assert REQUEST_ID.get() is None  # cleared when the response was closed


def test_the_plain_format_shows_the_request_id() -> None:
    record = logging.LogRecord("budget.x", logging.INFO, __file__, 1, "hello", None, None)
    token = REQUEST_ID.set("req-9")
    try:
        RequestIdFilter().filter(record)
    finally:
        REQUEST_ID.reset(token)
    formatter = logging.Formatter("%(levelname)s [%(request_id)s] %(message)s")
    assert formatter.format(record) == "INFO [req-9] hello"


def test_the_cache_fails_open_when_redis_is_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    cache = FailOpenRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    )

    cache.set("k", 1, 60)
    assert cache.get("k", "missing") == "missing"
    assert cache.add("k", 1, 60) is False
    assert cache.get_many(["k"]) == {}
    assert cache.delete("k") is False
    assert "continuing without the cache" in caplog.text
