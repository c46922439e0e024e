"""The pacing criteria selector (``spending.pacing_filters``): what it keeps, and its queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.selectors import campaigns_for_evaluation
from core.tests.factories import make_brand, make_campaign
from scheduling.models import DaypartingSchedule
from spending.pacing import PacingStatus
from spending.pacing_filters import PacingCriteria, filter_by_pacing, matching_ids
from spending.services import SpendInput, spend_record_many

pytestmark = pytest.mark.django_db
D = Decimal
CREATED = dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.UTC)
NOON = dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC)  # UTC: 9.5 of April's 30 days gone


def owners() -> dict[str, Campaign]:
    """One campaign per case (its brand uncapped), created on April 1 (UTC)."""
    cases = {
        # name: (daily, monthly, spend on April 9, spend today)
        "near cap": ("100.00", None, None, "85.00"),  # 85% of today's cap, no_budget
        "over": (None, "1000.00", "500.00", None),  # pace 500 / 316.67; exhausts April 16
        "late": (None, "3000.00", None, "10.00"),  # under pace, never exhausts
        "spent": (None, "100.00", "100.00", None),  # exhausted: exhaustion today
    }
    made: dict[str, Campaign] = {}
    with time_machine.travel(CREATED, tick=False):
        brand = make_brand(timezone="UTC")
        for name, (daily, monthly, _, _) in cases.items():
            made[name] = make_campaign(
                brand=brand,
                name=name,
                daily_budget=None if daily is None else D(daily),
                monthly_budget=None if monthly is None else D(monthly),
            )
    items = [
        SpendInput(made[name].pk, amount, date)
        for name, (_, _, yesterday, today) in cases.items()
        for amount, date in ((yesterday, dt.date(2026, 4, 9)), (today, dt.date(2026, 4, 10)))
        if amount is not None
    ]
    spend_record_many(items=items, moment=NOON)
    return made


def kept(criteria: PacingCriteria) -> set[str]:
    ids = matching_ids(Campaign.objects.all(), at=NOON, criteria=criteria)
    return set(Campaign.objects.filter(pk__in=ids).values_list("name", flat=True))


def test_each_criterion_and_their_combination() -> None:
    owners()

    assert kept(PacingCriteria.of(used_at_least=80)) == {"near cap", "spent"}
    assert kept(PacingCriteria.of(statuses=["over_pace"])) == {"over"}
    assert kept(PacingCriteria.of(projected_to_exhaust=True)) == {"over", "spent"}
    assert kept(PacingCriteria.of(projected_to_exhaust=False)) == {"near cap", "late"}
    assert kept(PacingCriteria.of(statuses=["over_pace", "exhausted"], used_at_least=80)) == {"spent"}
    assert kept(PacingCriteria.of(statuses=[PacingStatus.NO_BUDGET], used_at_least=Decimal("85"))) == {
        "near cap"
    }
    assert kept(PacingCriteria.of(statuses=[PacingStatus.NO_BUDGET], used_at_least=Decimal("85.01"))) == set()
    assert kept(PacingCriteria()) == {"near cap", "over", "late", "spent"}


def test_the_month_is_the_owners_local_month() -> None:
    # April 30, 20:00 UTC: still April in Honolulu (10:00), May 1 in Kiritimati (10:00).
    moment = dt.datetime(2026, 4, 30, 20, 0, tzinfo=dt.UTC)
    with time_machine.travel(CREATED, tick=False):
        honolulu = make_brand(name="H", timezone="Pacific/Honolulu", monthly_budget=D("600.00"))
        kiritimati = make_brand(name="K", timezone="Pacific/Kiritimati", monthly_budget=D("600.00"))
        campaigns = [make_campaign(brand=honolulu), make_campaign(brand=kiritimati)]
    # 30.00 a day April 22-29 (local), for both
    spend_record_many(
        items=[SpendInput(c.pk, "30.00", dt.date(2026, 4, d)) for c in campaigns for d in range(22, 30)],
        moment=moment,
    )

    ids = matching_ids(Brand.objects.all(), at=moment, criteria=PacingCriteria.of(projected_to_exhaust=False))

    # Honolulu, April 30: 240 spent, today ends at 270, and the month with it: no exhaustion.
    # Kiritimati, May 1: the week (April 24-30) averages 6 x 30 / 7 = 25.71; 25.71 + 25.71k
    # reaches 600 for k = 23: May 24, within its month.
    assert ids == {honolulu.pk}


@pytest.mark.parametrize("count", [1, 8])
def test_two_queries_whatever_the_number_of_owners(count: int, django_assert_num_queries: Any) -> None:
    for _ in range(count):
        owners()
    queryset = campaigns_for_evaluation(Campaign.objects.all()).order_by("-name", "pk")
    criteria = PacingCriteria.of(statuses=["over_pace", "exhausted"])

    with django_assert_num_queries(2):  # the candidates, their rollups
        filtered = filter_by_pacing(queryset, at=NOON, criteria=criteria)
    with django_assert_num_queries(1):  # the rows, brands and schedules joined (no windows here)
        names = [campaign.name for campaign in filtered]

    assert names == ["spent"] * count + ["over"] * count  # the queryset's ordering is kept


def test_sql_decides_no_budget_alone(django_assert_num_queries: Any) -> None:
    owners()
    with django_assert_num_queries(0):
        filtered = filter_by_pacing(
            Campaign.objects.all(), at=NOON, criteria=PacingCriteria.of(statuses=["no_budget"])
        )
    assert {c.name for c in filtered} == {"near cap"}


def test_only_brands_and_campaigns() -> None:
    with pytest.raises(TypeError, match="DaypartingSchedule"):
        matching_ids(DaypartingSchedule.objects.all(), at=NOON, criteria=PacingCriteria.of(used_at_least=1))  # type: ignore[type-var]
