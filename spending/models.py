from __future__ import annotations

from django.db import models

from core.fields import MoneyField
from core.models import TimeStampedModel
from core.money import MONEY_DECIMAL_PLACES, TOTAL_MAX_DIGITS
from core.validators import validate_multiline_text, validate_single_line_text

MANUAL_SOURCE = "manual"
# Field sizes of the ledger, shared by the service's and the API's validation.
DESCRIPTION_MAX_LENGTH = 500
SOURCE_MAX_LENGTH = 64
EXTERNAL_ID_MAX_LENGTH = 200


class Spend(TimeStampedModel):
    """The append-only ledger of money a campaign spent.

    Never edited: a correction is a new record. ``date`` is the brand's local calendar
    date the money was spent on. ``external_id`` is an integration's idempotency key,
    unique per brand and ``source`` (a key another team used neither conflicts with nor
    reveals anything to this brand's integrations). ``brand`` repeats ``campaign.brand``
    so brand totals and the brand rollup need no join.
    """

    # No single-column indexes: the (campaign, date) and (brand, date) indexes serve them.
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="spends", db_index=False
    )
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="spends", db_index=False)
    amount = MoneyField(allow_zero=False)
    date = models.DateField()
    description = models.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, blank=True, default="", validators=[validate_multiline_text]
    )
    source = models.CharField(
        max_length=SOURCE_MAX_LENGTH, default=MANUAL_SOURCE, validators=[validate_single_line_text]
    )
    external_id = models.CharField(
        max_length=EXTERNAL_ID_MAX_LENGTH, null=True, blank=True, validators=[validate_single_line_text]
    )

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="spend_amount_positive"),
            models.UniqueConstraint(
                fields=["brand", "source", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="spend_external_id_unique_per_brand",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "date"], name="spend_campaign_date_idx"),
            models.Index(fields=["brand", "date"], name="spend_brand_date_idx"),
        ]

    def __str__(self) -> str:
        # What a person reads in the admin: "Acme / Black Friday: 42.00 USD on 2026-12-03"
        # (loads the campaign and the brand unless they came with the spend).
        return (
            f"{self.brand.name} / {self.campaign.name}: {self.amount:,.2f} {self.brand.currency} "
            f"on {self.date:%Y-%m-%d}"
        )


class CampaignDailySpend(models.Model):
    """Rollup: a campaign's spend per local date, kept in the ledger insert's transaction."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date = models.DateField()
    amount = models.DecimalField(max_digits=TOTAL_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "date"], name="campaign_daily_spend_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.date} {self.amount}"


class BrandDailySpend(models.Model):
    """Rollup: a brand's spend per local date, kept in the ledger insert's transaction."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField()
    amount = models.DecimalField(max_digits=TOTAL_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "date"], name="brand_daily_spend_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} {self.date} {self.amount}"


class CampaignMonthlySpend(models.Model):
    """Rollup: a campaign's spend per local calendar month (``month`` is its first day).

    With it, month-to-date totals read one row (minus any spend dated after today)
    instead of summing a month of daily rows: the sweep's hot query."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()
    amount = models.DecimalField(max_digits=TOTAL_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "month"], name="campaign_monthly_spend_unique"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="campaign_monthly_spend_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.month:%Y-%m} {self.amount}"


class BrandMonthlySpend(models.Model):
    """Rollup: a brand's spend per local calendar month (``month`` is its first day)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    amount = models.DecimalField(max_digits=TOTAL_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "month"], name="brand_monthly_spend_unique"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="brand_monthly_spend_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} {self.month:%Y-%m} {self.amount}"


class AlertMark(models.Model):
    """An alert already written (API.md "Alerts"): the guard that makes each alert exactly once.

    A threshold alert is marked per owner (``brand``/``campaign``), cap (``daily``/``monthly``),
    period (``period_start``: the local day, or the month's first day) and threshold percent;
    the forecast alert per brand and month (``period="forecast"``, ``threshold=0``). The
    event is written only when the mark's insert is new (``spending.marks``); a budget
    raised mid-period deletes the marks above the new usage (re-arming them), and a new
    day or month has a new ``period_start``, so it re-arms by itself.
    """

    owner_kind = models.CharField(max_length=8)
    owner_id = models.BigIntegerField()
    period = models.CharField(max_length=8)
    period_start = models.DateField()
    threshold = models.SmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner_kind", "owner_id", "period", "period_start", "threshold"],
                name="alert_mark_unique",
            ),
        ]
        indexes = [models.Index(fields=["period_start"], name="alert_mark_period_start")]

    def __str__(self) -> str:
        return f"{self.owner_kind} {self.owner_id} {self.period} {self.period_start} {self.threshold}"
