from __future__ import annotations

import datetime as dt

from django.db import models

from campaigns.rules import PauseReason, Status
from core.fields import budget_field
from core.models import TimeStampedModel
from core.validators import validate_single_line_text


class Campaign(TimeStampedModel):
    """A campaign of a brand.

    ``status`` is what a person wants; ``is_active`` is whether it serves right now and
    is written only by the service layer; ``pause_reason`` says why a campaign whose
    status is ``active`` does not serve.
    """

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(max_length=200, validators=[validate_single_line_text])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    is_active = models.BooleanField(default=False, editable=False)
    pause_reason = models.CharField(
        max_length=32, choices=PauseReason.choices, blank=True, default="", editable=False
    )
    daily_budget = budget_field("Empty means no campaign daily cap (the brand's caps still apply).")
    monthly_budget = budget_field("Empty means no campaign monthly cap (the brand's caps still apply).")
    dayparting_schedule = models.ForeignKey(
        "scheduling.DaypartingSchedule",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
    )

    class Meta:
        ordering = ["brand_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "name"], name="campaign_name_unique_per_brand"),
            models.CheckConstraint(
                condition=models.Q(is_active=False) | models.Q(status=Status.ACTIVE),
                name="campaign_serves_only_when_status_active",
            ),
            models.CheckConstraint(
                condition=models.Q(pause_reason="") | models.Q(status=Status.ACTIVE, is_active=False),
                name="campaign_pause_reason_only_when_stopped_by_system",
            ),
            models.CheckConstraint(
                condition=models.Q(daily_budget__isnull=True) | models.Q(daily_budget__gte=0),
                name="campaign_daily_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_budget__isnull=True) | models.Q(monthly_budget__gte=0),
                name="campaign_monthly_budget_not_negative",
            ),
        ]
        indexes = [
            # The sweeps walk campaigns whose status is active in (brand, id) order.
            models.Index(
                fields=["brand", "id"], name="campaign_active_walk_idx", condition=models.Q(status="active")
            ),
            models.Index(fields=["brand", "status"], name="campaign_brand_status_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def local_today(self, moment: dt.datetime | None = None) -> dt.date:
        """Today in the brand's time zone (the campaign's days and months are its brand's)."""
        return self.brand.local_today(moment)
