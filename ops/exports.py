"""Exports of the admin lists: CSV and XLSX of exactly the rows the list shows, filters and
search applied (django-import-export, export only: nothing is ever imported, and the spend
ledger stays append-only).

Money is written in the console's one format ("1,026.82", the currency in its own column)
in CSV; XLSX cells keep numbers as numbers. Each resource reads only what its admin's
queryset already loaded (annotations and ``list_select_related``), so an export is a fixed
number of queries whatever the number of rows; the brand and campaign exports add the
pacing columns of their lists (``ops.pacing``: one more query for all the rows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm
from import_export.resources import ModelResource
from import_export.widgets import Widget

from brands.models import Brand
from campaigns.models import Campaign
from core.budgets import remaining
from core.timeutils import now
from ops.display import money, percent_text
from ops.pacing import attach_pacing, pacing_of
from ops.selectors import annotated
from spending.models import Spend

if TYPE_CHECKING:

    class ExportMixin:
        """What the admin classes set of django-import-export's ``ExportMixin`` (untyped)."""

        resource_classes: Sequence[type[Any]]
        export_formats: Sequence[type[Any]]
        export_form_class: type[Any]

else:
    from import_export.admin import ExportMixin


class MoneyWidget(Widget):  # type: ignore[misc]
    def render(self, value: Decimal | None, obj: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("force_native_type"):  # XLSX: a number
            return value
        return "" if value is None else money(value)


class YesNoWidget(Widget):  # type: ignore[misc]
    def render(self, value: bool | None, obj: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else ("yes" if value else "no")


class Computed(Field):  # type: ignore[misc]
    """A column computed from the row (the admin's annotations and loaded relations)."""

    def __init__(self, column_name: str, compute: Callable[[Any], Any], widget: Widget | None = None) -> None:
        super().__init__(column_name=column_name, widget=widget or Widget(), readonly=True)
        self.compute = compute

    def get_value(self, instance: Any) -> Any:
        return self.compute(instance)


def _money(column: str, compute: Callable[[Any], Decimal | None]) -> Computed:
    return Computed(column, compute, MoneyWidget())


def _exhaustion(row: Any) -> str:
    day = pacing_of(row).pacing.projected_exhaustion
    return "" if day is None else day.isoformat()


class PacingExport(ModelResource):  # type: ignore[misc]
    """The pacing columns of the brand and campaign lists, computed once for the whole
    export before the rows are written."""

    pacing = Computed("Pacing", lambda o: pacing_of(o).pacing.status.value)
    month_pace = Computed("Month pace", lambda o: percent_text(pacing_of(o).pacing.month_pace))
    cap_used = Computed("Largest share of a cap used", lambda o: percent_text(pacing_of(o).used))
    projected_monthly_spend = _money(
        "Projected month-end spend", lambda o: pacing_of(o).pacing.projected_monthly_spend
    )
    projected_exhaustion = Computed("Projected exhaustion", _exhaustion)

    def export(self, queryset: Any = None, **kwargs: Any) -> Any:
        rows = list(self.get_queryset() if queryset is None else queryset)
        attach_pacing(rows, now())
        return super().export(queryset=rows, **kwargs)


PACING_FIELDS = ("pacing", "month_pace", "cap_used", "projected_monthly_spend", "projected_exhaustion")


class BrandExport(PacingExport):
    name = Computed("Brand", lambda b: b.name)
    timezone = Computed("Time zone", lambda b: b.timezone)
    currency = Computed("Currency", lambda b: b.currency)
    daily_budget = _money("Daily budget", lambda b: b.daily_budget)
    today_spend = _money("Today's spend", lambda b: annotated(b, "today_spend"))
    daily_remaining = _money(
        "Daily remaining", lambda b: remaining(b.daily_budget, annotated(b, "today_spend"))
    )
    monthly_budget = _money("Monthly budget", lambda b: b.monthly_budget)
    month_spend = _money("Month's spend", lambda b: annotated(b, "month_spend"))
    monthly_remaining = _money(
        "Monthly remaining", lambda b: remaining(b.monthly_budget, annotated(b, "month_spend"))
    )
    serving = Computed("Serving campaigns", lambda b: int(getattr(b, "serving_campaigns", 0) or 0))
    is_active = Computed("Active", lambda b: b.is_active, YesNoWidget())

    class Meta:
        model = Brand
        name = "Brands"
        fields = (
            "name",
            "timezone",
            "currency",
            "daily_budget",
            "today_spend",
            "daily_remaining",
            "monthly_budget",
            "month_spend",
            "monthly_remaining",
            *PACING_FIELDS,
            "serving",
            "is_active",
        )


def _reason(campaign: Campaign) -> str:
    return str(campaign.get_pause_reason_display()) if campaign.pause_reason else ""


class CampaignExport(PacingExport):
    brand = Computed("Brand", lambda c: c.brand.name)
    name = Computed("Campaign", lambda c: c.name)
    status = Computed("Status", lambda c: c.status)
    serving = Computed("Serving", lambda c: c.is_active, YesNoWidget())
    pause_reason = Computed("Pause reason", _reason)
    currency = Computed("Currency", lambda c: c.brand.currency)
    daily_budget = _money("Daily budget", lambda c: c.daily_budget)
    today_spend = _money("Today's spend", lambda c: annotated(c, "today_spend"))
    monthly_budget = _money("Monthly budget", lambda c: c.monthly_budget)
    month_spend = _money("Month's spend", lambda c: annotated(c, "month_spend"))
    schedule = Computed(
        "Dayparting schedule", lambda c: c.dayparting_schedule.name if c.dayparting_schedule else ""
    )

    class Meta:
        model = Campaign
        name = "Campaigns"
        fields = (
            "brand",
            "name",
            "status",
            "serving",
            "pause_reason",
            "currency",
            "daily_budget",
            "today_spend",
            "monthly_budget",
            "month_spend",
            *PACING_FIELDS,
            "schedule",
        )


class SpendExport(ModelResource):  # type: ignore[misc]
    date = Computed("Date", lambda s: s.date.isoformat())
    brand = Computed("Brand", lambda s: s.brand.name)
    campaign = Computed("Campaign", lambda s: s.campaign.name)
    amount = _money("Amount", lambda s: s.amount)
    currency = Computed("Currency", lambda s: s.brand.currency)
    source = Computed("Source", lambda s: s.source)
    external_id = Computed("External id", lambda s: s.external_id or "")
    description = Computed("Description", lambda s: s.description)
    recorded_at = Computed("Recorded at (UTC)", lambda s: s.created_at.isoformat())

    class Meta:
        model = Spend
        name = "Spend"
        fields = (
            "date",
            "brand",
            "campaign",
            "amount",
            "currency",
            "source",
            "external_id",
            "description",
            "recorded_at",
        )


class ListExportMixin(ExportMixin):
    """An "Export" button on the list: CSV or XLSX of the filtered rows (no field picking)."""

    export_formats = (CSV, XLSX)
    export_form_class = ExportForm
