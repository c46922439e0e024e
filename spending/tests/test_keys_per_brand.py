"""An integration's idempotency key (``source``, ``external_id``) is unique per brand: another
brand's record with the same key is never returned, never a conflict, never revealed."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from core.exceptions import ConflictError
from core.tests.factories import make_brand, make_campaign
from spending import store
from spending.models import Spend
from spending.services import SpendInput, spend_record, spend_record_many

pytestmark = pytest.mark.django_db


def test_the_same_key_in_two_brands_is_two_records() -> None:
    mine, theirs = make_campaign(brand=make_brand()), make_campaign(brand=make_brand())
    source, key = "google-ads", "row-991"

    first = spend_record(campaign_id=theirs.pk, amount="5.00", source=source, external_id=key)
    second = spend_record(campaign_id=mine.pk, amount="9.00", source=source, external_id=key)
    again = spend_record(campaign_id=mine.pk, amount="9.00", source=source, external_id=key)

    assert (first.created, second.created, again.created) == (True, True, False)
    assert again.spend.pk == second.spend.pk != first.spend.pk
    with pytest.raises(ConflictError) as conflict:
        spend_record(campaign_id=mine.pk, amount="1.00", source=source, external_id=key)
    assert f"used for spend {second.spend.pk} with" in conflict.value.message
    assert f"spend {first.spend.pk} " not in conflict.value.message


def test_a_bulk_repeating_a_key_of_another_brand_adds_its_own_record() -> None:
    mine, theirs = make_campaign(brand=make_brand()), make_campaign(brand=make_brand())
    spend_record(campaign_id=theirs.pk, amount="5.00", source="s", external_id="k")

    outcomes = spend_record_many(
        items=[
            SpendInput(mine.pk, "5.00", None, "", "s", "k"),
            SpendInput(mine.pk, "5.00", None, "", "s", "k"),
        ]
    )

    assert [outcome.created for outcome in outcomes] == [True, False]
    assert Spend.objects.filter(external_id="k").count() == 2


def test_the_store_looks_a_key_up_in_its_brand_only() -> None:
    a, b = make_brand(), make_brand()
    in_a = spend_record(
        campaign_id=make_campaign(brand=a).pk, amount="1.00", source="s", external_id="k"
    ).spend
    spend_record(campaign_id=make_campaign(brand=b).pk, amount="1.00", source="s", external_id="k")

    found = store.spends_with_keys([(a.pk, "s", "k"), (a.pk, "s", "other"), (a.pk, "t", "k")])

    assert {key: spend.pk for key, spend in found.items()} == {(a.pk, "s", "k"): in_a.pk}


def test_the_database_refuses_a_key_twice_in_one_brand() -> None:
    campaign = make_campaign()
    spend_record(campaign_id=campaign.pk, amount="1.00", source="s", external_id="k")
    duplicate = Spend(
        campaign=campaign, brand=campaign.brand, amount="1.00", date="2026-01-01", source="s", external_id="k"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
