"""Spend: the ledger rows as read, the request bodies as the schema documents them, and
the outcome of recording.

The request serializers (``SpendCreateSerializer``, ``SpendBulkCreateSerializer``) only
document the schema: the views hand the JSON values to the record-spend service, whose
one validator (``spending.validation``) checks them, so the API cannot disagree with the
admin, the commands and the spend sources.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import BlankAsNullChoiceField, IdField, MoneyField, TextField
from campaigns.rules import PauseReason
from core.timeutils import DATE_PATTERN
from spending.models import (
    DESCRIPTION_MAX_LENGTH,
    EXTERNAL_ID_MAX_LENGTH,
    MANUAL_SOURCE,
    SOURCE_MAX_LENGTH,
    Spend,
)
from spending.services import MAX_BULK_RECORDS, SpendOutcome

from .common import InputSerializer, RecordsSerializer


class SpendSerializer(serializers.ModelSerializer[Spend]):
    class Meta:
        model = Spend
        fields = [
            "id",
            "campaign",
            "brand",
            "amount",
            "date",
            "description",
            "source",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_field({"type": "string", "format": "date", "pattern": DATE_PATTERN, "nullable": True})
class SpendDateField(serializers.DateField):
    """Documents the date of a spend: exactly ``YYYY-MM-DD`` (``core.timeutils.parse_date``)."""


class SpendCreateSerializer(InputSerializer):
    """One spend record (documentation only: ``spending.validation`` checks it)."""

    campaign = IdField()
    amount = MoneyField(help_text='Greater than zero, at most two decimals, as a string: "12.34".')
    date = SpendDateField(
        allow_null=True,
        default=None,
        help_text="The brand's local date the money was spent on; default: its today.",
    )
    description = TextField(
        max_length=DESCRIPTION_MAX_LENGTH,
        allow_blank=True,
        trim_whitespace=False,
        multiline=True,
        default="",
        help_text="Free text; tab and newline allowed, no other control characters.",
    )
    source = TextField(max_length=SOURCE_MAX_LENGTH, default=MANUAL_SOURCE)  # type: ignore[assignment]
    external_id = TextField(
        max_length=EXTERNAL_ID_MAX_LENGTH,
        allow_null=True,
        default=None,
        help_text="The integration's id of this record, unique per `source`: a repeat is not recorded twice.",
    )


class SpendBulkCreateSerializer(InputSerializer):
    spends = RecordsSerializer(
        child=SpendCreateSerializer(),
        min_length=1,
        max_length=MAX_BULK_RECORDS,
        help_text=f"1 to {MAX_BULK_RECORDS:,} records, validated all or nothing.",
    )


class CampaignStateSerializer(serializers.Serializer[Any]):
    is_active = serializers.BooleanField(read_only=True)
    pause_reason = BlankAsNullChoiceField(choices=PauseReason.choices)


class SpendOutcomeSerializer(serializers.Serializer[SpendOutcome]):
    """A recorded spend and the state of its campaign once the spend was applied."""

    id = serializers.IntegerField(source="spend.pk", read_only=True)
    campaign = serializers.IntegerField(source="spend.campaign_id", read_only=True)
    brand = serializers.IntegerField(source="spend.brand_id", read_only=True)
    amount = serializers.DecimalField(source="spend.amount", max_digits=12, decimal_places=2, read_only=True)
    date = serializers.DateField(source="spend.date", read_only=True)
    description = serializers.CharField(source="spend.description", read_only=True)
    source = serializers.CharField(source="spend.source", read_only=True)  # type: ignore[assignment]
    external_id = serializers.CharField(source="spend.external_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(source="spend.created_at", read_only=True)
    campaign_state = CampaignStateSerializer(read_only=True)


class SpendBulkResultSerializer(SpendOutcomeSerializer):
    result = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=["created", "duplicate"]))
    def get_result(self, outcome: SpendOutcome) -> str:
        return "created" if outcome.created else "duplicate"


def outcome_payload(outcome: SpendOutcome, *, with_result: bool = False) -> dict[str, Any]:
    """``SpendOutcomeSerializer(outcome).data`` (and the bulk ``result``), built directly.

    The ingestion endpoints answer with up to a thousand of these; DRF's field machinery
    costs more than the write itself there. ``test_outcome_payload_matches_the_serializer``
    keeps the two identical.
    """
    spend = outcome.spend
    created_at = timezone.localtime(spend.created_at, dt.UTC).isoformat()
    payload: dict[str, Any] = {
        "id": spend.pk,
        "campaign": spend.campaign_id,
        "brand": spend.brand_id,
        "amount": f"{spend.amount:.2f}",
        "date": spend.date.isoformat(),
        "description": spend.description,
        "source": spend.source,
        "external_id": spend.external_id,
        "created_at": created_at.removesuffix("+00:00") + "Z"
        if created_at.endswith("+00:00")
        else created_at,
        "campaign_state": {
            "is_active": outcome.campaign_state.is_active,
            "pause_reason": outcome.campaign_state.pause_reason or None,
        },
    }
    if with_result:
        payload["result"] = "created" if outcome.created else "duplicate"
    return payload


class SpendBulkResponseSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField(read_only=True, help_text="Records added to the ledger.")
    duplicates = serializers.IntegerField(
        read_only=True, help_text="Records whose `external_id` was seen before (nothing added)."
    )
    results = SpendBulkResultSerializer(many=True, read_only=True, help_text="One per record, in order.")
