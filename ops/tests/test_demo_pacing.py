"""The demo data shows every pacing state, early and late in a month: under, on and over pace,
exhausted and no monthly budget, for brands and for campaigns; some projected to run out of
their monthly budget this month (not yet exhausted), some near a cap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import Status
from ops.demo_plans import OVER, paced_budget
from ops.pacing import CONDITIONS, OwnerPacing, owners_pacing
from spending.pacing import PACING_HIGH, PacingInputs, PacingStatus
from spending.pacing_filters import matches
from spending.pacing_inputs import pacing_inputs

EARLY = dt.datetime(2026, 12, 2, 15, 20, tzinfo=dt.UTC)
LATE = dt.datetime(2027, 2, 24, 9, 5, tzinfo=dt.UTC)  # 83% of February gone in every zone


@pytest.mark.django_db
@pytest.mark.parametrize("moment", [EARLY, LATE], ids=["early", "late"])
def test_the_demo_data_shows_every_pacing_state(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        call_command("seed_demo_data", stdout=StringIO(), stderr=StringIO())

    brands = list(Brand.objects.filter(is_active=True))
    campaigns = list(Campaign.objects.filter(status=Status.ACTIVE).select_related("brand"))
    by_brand, by_campaign = owners_pacing(brands=brands, campaigns=campaigns, at=moment)
    brand_inputs, campaign_inputs = pacing_inputs(brands=brands, campaigns=campaigns, at=moment)

    def kept(found: dict[int, OwnerPacing], inputs: dict[int, PacingInputs], condition: str) -> set[int]:
        """The owners the console's filter ``condition`` keeps (the API's selector)."""
        criteria = CONDITIONS[condition][1]
        return {pk for pk, owner in found.items() if matches(owner.pacing, inputs[pk], criteria, at=moment)}

    for found, inputs in ((by_brand, brand_inputs), (by_campaign, campaign_inputs)):
        assert {owner.pacing.status for owner in found.values()} == set(PacingStatus)
        # projected to run out this month, not yet out; near a cap, not yet over it
        assert any(
            found[pk].pacing.status != PacingStatus.EXHAUSTED for pk in kept(found, inputs, "exhausts")
        )
        assert any(
            found[pk].pacing.status != PacingStatus.EXHAUSTED for pk in kept(found, inputs, "near_cap")
        )
        assert kept(found, inputs, "over_pace")
    initech = next(brand.pk for brand in brands if brand.name == "Initech")
    assert initech in kept(by_brand, brand_inputs, "over_pace")


@given(
    spend=st.decimals(min_value=Decimal("1"), max_value=Decimal("10000000"), places=2),
    elapsed=st.fractions(min_value=Fraction(1, 1000), max_value=Fraction(89, 100)),
)
def test_an_over_pace_budget_stays_above_the_spend_and_over_the_band(
    spend: Decimal, elapsed: Fraction
) -> None:
    budget = paced_budget(spend, OVER, elapsed)
    pace = Fraction(spend) / (Fraction(budget) * elapsed)
    assert budget > spend
    assert pace > Fraction(PACING_HIGH)
