"""The event in the shape of API.md ("Events"), as the feed, the webhooks and a campaign's
audit trail show it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Event
from events.types import ActorKind, legacy_audit_fields

EVENT_EXAMPLE = {
    "id": 1042,
    "type": "campaign.paused",
    "occurred_at": "2026-11-21T18:04:05.123000Z",
    "brand": 1,
    "campaign": 7,
    "actor": {"kind": "system", "name": "spend"},
    "data": {"reason": "campaign_daily_budget", "reasons": ["campaign_daily_budget"]},
}


class LogActorSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ActorKind.choices, help_text="Who made the change.")
    name = serializers.CharField(help_text="The user, key or token owner, or the job (`spend` for a spend).")
    user = serializers.IntegerField(required=False, help_text="The user's id (kinds `user` and `token`).")
    api_key = serializers.IntegerField(required=False, help_text="The API key's id (kind `api_key`).")


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": (
            "By type: `campaign.paused`/`resumed`/`reason_changed`: `reason`, `reasons` (and "
            "`previous_reason`; `recorded_by` when a spend made it; `status` when a person's "
            "status stopped it); `*.created`/`*.updated` (campaign, brand, schedule, team): "
            "`changes` `{field: [from, to]}`; `api_key.created`/`revoked`: `api_key`, `name`, "
            "`prefix`, `team` (never the key); `budget.threshold_reached`: "
            "`scope`, `period`, `threshold`, `spend`, `budget`, `date`; `budget.forecast_exceeded`: "
            "`month`, `projected_spend`, `budget`, `projected_exhaustion`; "
            "`webhook_endpoint.disabled`: `endpoint`, `failing_since`; `ping`: `endpoint`."
        ),
    }
)
class EventDataField(serializers.JSONField):
    pass


class EventSerializer(serializers.Serializer[Event]):
    """One event, exactly as a webhook delivers it."""

    id = serializers.IntegerField(help_text="Assigned in commit order; never reused.")
    type = serializers.CharField(help_text="One of the types of API.md's table (or `ping`).")
    occurred_at = serializers.DateTimeField()
    brand = serializers.IntegerField(allow_null=True)
    campaign = serializers.IntegerField(allow_null=True)
    actor = LogActorSerializer()
    data = EventDataField()  # type: ignore[assignment]

    def to_representation(self, instance: Event) -> dict[str, Any]:
        return instance.payload()


class CampaignEventActorSerializer(LogActorSerializer):
    label = serializers.CharField(help_text="The same as `name` (kept for older clients).")  # type: ignore[assignment]
    user = serializers.IntegerField(allow_null=True, help_text="The user's id, if a user acted.")


class CampaignEventSerializer(EventSerializer):
    """An event of the campaign's audit trail: the log's event, plus the fields the audit
    trail had before the log (``kind``, ``from_value``, ``to_value``, ``reason``,
    ``created_at``), derived from it, so that older clients keep working."""

    id = serializers.IntegerField(allow_null=True, help_text="The event's id in the log.")
    actor = CampaignEventActorSerializer()
    kind = serializers.CharField(help_text="The old audit kind (`serving_stopped`, `budget_changed`, ...).")
    from_value = serializers.JSONField(allow_null=True)
    to_value = serializers.JSONField(allow_null=True)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField(help_text="The same as `occurred_at`.")

    def to_representation(self, instance: Event) -> dict[str, Any]:
        payload = instance.payload()
        actor = dict(payload["actor"])  # type: ignore[call-overload]
        payload["actor"] = {**actor, "label": actor["name"], "user": actor.get("user")}
        return {
            **payload,
            **legacy_audit_fields(instance.type, instance.data),
            "created_at": payload["occurred_at"],
        }
