"""The hand-built spend answers equal what the documented serializers would render."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from api.serializers import SpendBulkResultSerializer, SpendOutcomeSerializer, outcome_payload
from core.tests.factories import make_campaign
from spending.services import spend_record

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 11, 20, 10, 30, 15, 123456, tzinfo=dt.UTC), tick=False)
def test_outcome_payload_matches_the_serializer() -> None:
    campaign = make_campaign(daily_budget=Decimal("5.00"))
    plain = spend_record(
        campaign_id=campaign.pk, amount="1.50", description="a", source="gads", external_id="x1"
    )
    pausing = spend_record(campaign_id=campaign.pk, amount="4", date=dt.date(2026, 11, 20))
    repeat = spend_record(campaign_id=campaign.pk, amount="1.50", source="gads", external_id="x1")

    for outcome in (plain, pausing, repeat):
        assert outcome_payload(outcome) == dict(SpendOutcomeSerializer(outcome).data)
        assert outcome_payload(outcome, with_result=True) == dict(SpendBulkResultSerializer(outcome).data)
    assert outcome_payload(pausing)["campaign_state"] == {
        "is_active": False,
        "pause_reason": "campaign_daily_budget",
    }
    assert outcome_payload(repeat, with_result=True)["result"] == "duplicate"
