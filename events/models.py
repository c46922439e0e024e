"""The event log (a transactional outbox) and the webhook endpoints fed from it.

``Event`` rows are appended inside the transaction of the change they record, with no
public id yet. Their public ``id`` (the ``position`` column) is assigned after they commit,
by a serialized positioning step (``events.store.position_pending``): positions therefore
grow in commit order, and a reader that follows ``next_after`` never skips an event that
committed late with a smaller insertion number.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from core.models import TimeStampedModel
from events.types import ALL_TYPES, ActorKind, EventType


def iso_timestamp(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as the API renders timestamps."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class Event(models.Model):
    """One thing that happened. Append-only: rows are never updated but for their position."""

    # Insertion order (taken at INSERT, not at commit): internal, never shown.
    seq = models.BigAutoField(primary_key=True)
    # The public id: assigned after commit in commit order; NULL until then.
    position = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    type = models.CharField(max_length=64, choices=EventType.choices)
    occurred_at = models.DateTimeField()
    # Plain references (no database constraint): the log outlives what it mentions. No index
    # of their own: the (brand, position) and (campaign, position) indexes lead with them, and
    # every event written (a busy day's sweep writes tens of thousands) maintains each index.
    brand = models.ForeignKey(
        "brands.Brand",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_name = models.CharField(max_length=150)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_api_key_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    # A budget change: kept AUDIT_RETENTION_DAYS instead of EVENT_RETENTION_DAYS.
    audit = models.BooleanField(default=False)
    # Set on a ping only: delivered to this endpoint alone and absent from the feed.
    endpoint = models.ForeignKey(
        "events.WebhookEndpoint",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["position", "seq"]
        indexes = [
            models.Index(
                fields=["seq"], condition=models.Q(position__isnull=True), name="event_unpositioned_idx"
            ),
            models.Index(fields=["type", "position"], name="event_type_position_idx"),
            models.Index(fields=["brand", "position"], name="event_brand_position_idx"),
            models.Index(fields=["campaign", "position"], name="event_campaign_position_idx"),
            models.Index(fields=["occurred_at"], name="event_occurred_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.position or '-'} {self.type}"

    def payload(self) -> dict[str, object]:
        """The event as the feed shows it and as a webhook delivers it."""
        return {
            "id": self.position,
            "type": self.type,
            "occurred_at": iso_timestamp(self.occurred_at),
            "brand": self.brand_id,
            "campaign": self.campaign_id,
            "actor": self.actor_payload(),
            "data": self.data,
        }

    def actor_payload(self) -> dict[str, object]:
        """``{"kind", "name"}`` plus the ids that identify the actor."""
        actor: dict[str, object] = {"kind": self.actor_kind, "name": self.actor_name}
        if self.actor_user_id is not None:
            actor["user"] = self.actor_user_id
        if self.actor_api_key_id is not None:
            actor["api_key"] = self.actor_api_key_id
        return actor


class FeedState(models.Model):
    """One row: the last position assigned. Its row lock serializes the positioning step."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"feed at {self.last_position}"


def all_event_types() -> list[str]:
    return [ALL_TYPES]


class WebhookEndpoint(TimeStampedModel):
    """A receiver of signed deliveries of the events it subscribes to."""

    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=500, blank=True, default="")
    event_types = models.JSONField(default=all_event_types, help_text='Event types, or ["*"] for all.')
    brands = models.ManyToManyField(
        "brands.Brand",
        blank=True,
        related_name="+",
        help_text="Empty: every brand the owner may see.",
    )
    enabled = models.BooleanField(default=True)
    # Whose scope the endpoint has (``events.selectors.endpoint_scope``). None: made by the
    # system (a setting, or code), covering every brand. A person owning endpoints cannot be
    # deleted (deactivate them, or delete their endpoints first): with SET_NULL their
    # endpoints would widen to every brand.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Endpoints configured by a setting (ALERT_WEBHOOK_URL) are found again by this key.
    key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Delivery state: events up to this position have been queued for the endpoint.
    queued_through = models.BigIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=200, blank=True, default="", editable=False)
    # A dispatcher's claim on the endpoint (one sender at a time keeps the order).
    lease_token = models.CharField(max_length=32, blank=True, default="", editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.pk} {self.url}"


class MessageState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (retries exhausted)"


class WebhookMessage(models.Model):
    """One event to send to one endpoint, retried until delivered or given up."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.DO_NOTHING, related_name="+")
    position = models.BigIntegerField()  # the event's public id: the sending order
    ordered = models.BooleanField(default=True)  # False for pings: never held back
    state = models.CharField(max_length=16, choices=MessageState.choices, default=MessageState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [
            models.Index(
                fields=["endpoint", "position", "id"],
                condition=models.Q(state="pending"),
                name="message_pending_idx",
            ),
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(state="pending"), name="message_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"event {self.position} to endpoint {self.endpoint_id}: {self.state}"


class WebhookDelivery(models.Model):
    """One attempt to deliver a message: the delivery log."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(WebhookMessage, on_delete=models.DO_NOTHING, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.DO_NOTHING, related_name="+")
    attempt = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, default="")
    at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["endpoint", "-at"], name="delivery_endpoint_at_idx")]

    def __str__(self) -> str:
        return f"attempt {self.attempt} of event {self.event_id} to endpoint {self.endpoint_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class AlertEmailFeed(models.Model):
    """One row: the log has been read for alert e-mails up to this position (the scan's
    cursor, in commit order like every reader's; its row lock serializes the scan)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    scanned_through = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"alert e-mails scanned through {self.scanned_through}"


class AlertEmailState(models.Model):
    """Per brand and alert type: what the alert e-mails have summarised, and when the last
    one went (``events.alert_emails``). A row exists once the brand, having addresses, had
    an event of the type."""

    # A plain reference, like the log's: the state outlives nothing but costs a brand's
    # deletion nothing either (a deleted brand's row is skipped).
    brand = models.ForeignKey(
        "brands.Brand", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    event_type = models.CharField(max_length=64, choices=EventType.choices)
    # The last position of the brand's events of this type that the scan has seen...
    pending_through = models.BigIntegerField(default=0)
    # ...and the last one summarised in a message (or skipped: no address left).
    sent_through = models.BigIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    messages_sent = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "event_type"], name="alert_email_state_brand_type_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} e-mails of brand {self.brand_id}: through {self.sent_through}"
