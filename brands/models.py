from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models

from core.fields import budget_field
from core.models import TimeStampedModel
from core.validators import validate_currency, validate_single_line_text, validate_timezone

if TYPE_CHECKING:
    from campaigns.models import Campaign


class Brand(TimeStampedModel):
    """An advertiser. Its money is in ``currency``; its days and months are in ``timezone``."""

    name = models.CharField(max_length=200, unique=True, validators=[validate_single_line_text])
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    daily_budget = budget_field("Empty means no daily cap.")
    monthly_budget = budget_field("Empty means no monthly cap.")
    is_active = models.BooleanField(default=True)

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

    # --- The names ops staff know; each delegates to a selector or service. -----------

    def local_today(self, moment: dt.datetime | None = None) -> dt.date:
        from core.timeutils import local_date

        return local_date(self.timezone, moment)

    def get_daily_spend(self, day: dt.date | None = None) -> Decimal:
        from spending.selectors import brand_day_spend

        return brand_day_spend(brand=self, day=day or self.local_today())

    def get_monthly_spend(self, day: dt.date | None = None) -> Decimal:
        from spending.selectors import brand_month_spend

        return brand_month_spend(brand=self, day=day or self.local_today())

    def get_daily_budget_remaining(self, day: dt.date | None = None) -> Decimal | None:
        from core.budgets import remaining

        return remaining(self.daily_budget, self.get_daily_spend(day))

    def get_monthly_budget_remaining(self, day: dt.date | None = None) -> Decimal | None:
        from core.budgets import remaining

        return remaining(self.monthly_budget, self.get_monthly_spend(day))

    def has_daily_budget_available(self, day: dt.date | None = None) -> bool:
        from core.budgets import is_available

        return is_available(self.daily_budget, self.get_daily_spend(day))

    def has_monthly_budget_available(self, day: dt.date | None = None) -> bool:
        from core.budgets import is_available

        return is_available(self.monthly_budget, self.get_monthly_spend(day))

    def get_active_campaigns(self) -> models.QuerySet[Campaign]:
        """The brand's campaigns that are serving right now."""
        from campaigns.selectors import serving_campaigns

        return serving_campaigns(brand=self)

    def can_activate_campaigns(self, day: dt.date | None = None) -> bool:
        """True when the brand itself blocks nothing: active, and both its budgets available."""
        return (
            self.is_active and self.has_monthly_budget_available(day) and self.has_daily_budget_available(day)
        )
