"""``core.lookups.among``: the same rows as ``__in`` on every database, with the values as
one array parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign
from core.lookups import among
from core.tests.factories import make_brand, make_campaign


@pytest.mark.django_db
def test_among_selects_what_in_selects_by_foreign_key_primary_key_and_text() -> None:
    brands = [make_brand() for _ in range(3)]
    campaigns = [make_campaign(brand=brand, pause_reason="") for brand in brands for _ in range(2)]
    wanted_brands = [brands[0].pk, brands[2].pk]
    wanted_campaigns = [campaigns[1].pk, campaigns[4].pk, 10**12]

    for name, values, lookup in (
        ("brand", wanted_brands, "brand_id__in"),
        ("id", wanted_campaigns, "pk__in"),
        ("name", [campaigns[0].name, 'a "quoted", {odd} name'], "name__in"),
        ("brand", [], "brand_id__in"),
    ):
        found = set(Campaign.objects.filter(among(Campaign, name, values)).values_list("pk", flat=True))
        expected = set(Campaign.objects.filter(**{lookup: values}).values_list("pk", flat=True))
        assert found == expected, name
    assert len(set(Campaign.objects.filter(among(Campaign, "brand", wanted_brands)))) == 4


@pytest.mark.postgres
@pytest.mark.django_db
def test_among_sends_thousands_of_ids_as_one_parameter() -> None:
    ids = list(range(1, 5001))
    with CaptureQueriesContext(connection) as queries:
        list(Campaign.objects.filter(among(Campaign, "id", ids)).values_list("pk", flat=True))

    (sql,) = [query["sql"] for query in queries.captured_queries]
    assert '"campaigns_campaign"."id" = ANY(' in sql
    assert " IN (" not in sql  # one array, not five thousand placeholders
