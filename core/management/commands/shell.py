"""``manage.py shell`` with the names ops staff know already imported.

Besides Django's automatic imports (every model), the session starts with the selector
functions named as in the source documents (``get_daily_spend(brand)``,
``can_be_activated(campaign)``, ...) and the services ops staff call by hand
(``campaign_activate``, ``campaign_pause``, ``spend_record``). Given as dotted paths: core
imports no app.
"""

from __future__ import annotations

from django.core.management.commands import shell

OPS_NAMES = (
    "spending.selectors.get_daily_spend",
    "spending.selectors.get_monthly_spend",
    "spending.selectors.get_daily_budget_limit",
    "spending.selectors.get_monthly_budget_limit",
    "spending.selectors.get_daily_budget_remaining",
    "spending.selectors.get_monthly_budget_remaining",
    "spending.selectors.has_daily_budget_available",
    "spending.selectors.has_monthly_budget_available",
    "spending.selectors.can_activate_campaigns",
    "spending.selectors.get_daily_total",
    "spending.selectors.get_monthly_total",
    "spending.selectors.get_brand_daily_total",
    "spending.selectors.get_brand_monthly_total",
    "campaigns.selectors.can_be_activated",
    "campaigns.selectors.should_be_paused",
    "campaigns.selectors.is_within_dayparting_schedule",
    "campaigns.selectors.decide",
    "campaigns.selectors.get_active_campaigns",
    "campaigns.services.campaign_activate",
    "campaigns.services.campaign_pause",
    "spending.services.spend_record",
)


class Command(shell.Command):
    def get_auto_imports(self) -> list[str]:
        return [*(super().get_auto_imports() or []), *OPS_NAMES]
