"""The single and the bulk spend endpoints give the same answer for every input
(hypothesis): both hand the JSON values to the one spend validator, so a record is accepted
by both or refused by both with the same messages (the bulk under ``spends[0]``)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.tests.factories import make_campaign

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)

json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.text(alphabet="0123456789.-+e ", max_size=14),
    st.lists(st.integers(), max_size=2),
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "amount": json_values,
        "date": st.one_of(json_values, st.dates().map(dt.date.isoformat)),
        "description": json_values,
        "source": json_values,
        "external_id": json_values,
        "extra": json_values,
    },
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(record=fields)
@example(record={"amount": "1e3"})
@example(record={"amount": "12.50", "description": "a\u0000b"})
@example(record={"amount": "1.00", "source": "\ud800"})
@example(record={"amount": "1.00", "daily_budjet": "1"})
def test_single_and_bulk_agree(ops: APIClient, record: dict[str, Any]) -> None:
    campaign = make_campaign()
    body = {"campaign": campaign.pk, **record}
    if isinstance(body.get("external_id"), str):
        body["external_id"] += f"-{campaign.pk}"  # each example its own key

    with time_machine.travel(NOON, tick=False):
        single = ops.post("/api/v1/spends/", json.dumps(body), content_type="application/json")
        if isinstance(body.get("external_id"), str):
            body["external_id"] += "-bulk"
        bulk = ops.post(
            "/api/v1/spends/bulk/", json.dumps({"spends": [body]}), content_type="application/json"
        )

    assert single.status_code in (201, 400), single.content
    assert bulk.status_code == single.status_code, (single.json(), bulk.json())
    if single.status_code == 400:
        assert bulk.json() == {"spends": [single.json()]}
    else:
        assert bulk.json()["results"][0]["amount"] == single.json()["amount"]
