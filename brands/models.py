from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Value

from core.alerts import EMAILS_HELP, THRESHOLDS_HELP, validate_alert_emails, validate_alert_thresholds
from core.fields import budget_field
from core.models import TimeStampedModel
from core.timeutils import local_date
from core.validators import validate_currency, validate_single_line_text, validate_timezone


def default_alert_thresholds() -> list[int]:
    """A new brand's thresholds: 50, 80 and 100 percent (API.md "Alerts")."""
    return [50, 80, 100]


class Brand(TimeStampedModel):
    """An advertiser. Its money is in ``currency``; its days and months are in ``timezone``."""

    name = models.CharField(max_length=200, unique=True, validators=[validate_single_line_text])
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    daily_budget = budget_field("Empty means no daily cap.")
    monthly_budget = budget_field("Empty means no monthly cap.")
    is_active = models.BooleanField(default=True)
    # API.md "Alerts": integer percents of every cap of the brand and its campaigns at which
    # a ``budget.threshold_reached`` event is written; ``[]`` turns threshold alerts off.
    alert_thresholds = models.JSONField(
        default=default_alert_thresholds,
        db_default=Value([50, 80, 100], output_field=models.JSONField()),
        blank=True,
        validators=[validate_alert_thresholds],
        help_text=THRESHOLDS_HELP,
    )
    # Addresses that receive the brand's threshold, forecast and pause alerts by email.
    alert_emails = models.JSONField(
        default=list,
        db_default=Value([], output_field=models.JSONField()),
        blank=True,
        validators=[validate_alert_emails],
        help_text=EMAILS_HELP,
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(daily_budget__isnull=True) | models.Q(daily_budget__gte=0),
                name="brand_daily_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_budget__isnull=True) | models.Q(monthly_budget__gte=0),
                name="brand_monthly_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def local_today(self, moment: dt.datetime | None = None) -> dt.date:
        """Today in the brand's time zone (default: now): its days and months are local."""
        return local_date(self.timezone, moment)
