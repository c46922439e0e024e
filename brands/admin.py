"""Brands in the ops console: spend against budget at a glance; every write through the services.

Scoped (``ops.scope``): staff who are not ops see their teams' brands only, change those their
role lets them change, and add a brand to a team they manage."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from access.services import brand_create_in_team
from brands.models import Brand
from brands.services import AUDITED_FIELDS, brand_set_active, brand_update
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from core.actors import Actor
from core.budgets import remaining
from core.forms import AlertEmailsFormField, AlertThresholdsFormField
from core.timeutils import timezone_names
from ops.admin_base import ServiceModelAdmin, budgets_not_negative
from ops.display import money, usage_bar
from ops.exports import BrandExport, ListExportMixin
from ops.generics import ModelForm, TabularInline
from ops.pacing import PacingFilter, PacingListMixin
from ops.scope import TEAM_PLACEHOLDER, JoinsTeamOnAdd, ScopedAdmin
from ops.selectors import annotated, brands_with_spend

EDITABLE = AUDITED_FIELDS  # what a person edits is what the brand's events audit


class BrandForm(ModelForm[Brand]):
    timezone = forms.ChoiceField(
        choices=[(name, name) for name in sorted(timezone_names())],
        initial="UTC",
        help_text="The brand's days and months (and so its budgets) follow this time zone.",
    )
    alert_thresholds = AlertThresholdsFormField(
        required=False,
        initial="50, 80, 100",
        help_text=(
            "Percents of each cap of the brand and its campaigns that alert, separated by commas "
            "(1-1000, at most 10, e.g. 50, 80, 100); empty: no threshold alerts."
        ),
    )
    alert_emails = AlertEmailsFormField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Addresses that receive the brand's alerts, separated by commas or lines (at most 20).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        budgets_not_negative(self)

    class Meta:
        model = Brand
        fields = EDITABLE


class BrandAddForm(BrandForm):
    team = TEAM_PLACEHOLDER  # the user's own choices: ops.scope.team_field


class OverBudgetFilter(admin.SimpleListFilter):
    title = "budget today"
    parameter_name = "budget"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("daily", "Daily budget exhausted"),
            ("monthly", "Monthly budget exhausted"),
            ("any", "Any budget exhausted"),
            ("within", "Within budgets"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        daily = Q(daily_budget__isnull=False, today_spend__gte=F("daily_budget"))
        monthly = Q(monthly_budget__isnull=False, month_spend__gte=F("monthly_budget"))
        conditions = {
            "daily": daily,
            "monthly": monthly,
            "any": daily | monthly,
            "within": ~(daily | monthly),
        }
        condition = conditions.get(self.value() or "")
        return queryset if condition is None else queryset.filter(condition)


class CampaignInline(TabularInline[Campaign, Brand]):
    """Read-mostly: the brand's campaigns at a glance; each links to its own change form."""

    model = Campaign
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("name", "status", "serving", "pause_reason_words", "daily_cap", "monthly_cap")
    readonly_fields = fields

    @admin.display(description="Daily budget")
    def daily_cap(self, obj: Campaign) -> str:
        return "no cap" if obj.daily_budget is None else money(obj.daily_budget, obj.brand.currency)

    @admin.display(description="Monthly budget")
    def monthly_cap(self, obj: Campaign) -> str:
        return "no cap" if obj.monthly_budget is None else money(obj.monthly_budget, obj.brand.currency)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return super().get_queryset(request).select_related("brand")

    @admin.display(description="Serving", boolean=True)
    def serving(self, obj: Campaign) -> bool:
        return obj.is_active

    @admin.display(description="Pause reason")
    def pause_reason_words(self, obj: Campaign) -> str:
        return obj.get_pause_reason_display() or "-"

    def has_add_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return False


@admin.register(Brand)
class BrandAdmin(JoinsTeamOnAdd, ScopedAdmin, PacingListMixin, ListExportMixin, ServiceModelAdmin[Brand]):
    form = BrandForm
    add_form = BrandAddForm
    new_what = "brand"
    scope_field = "pk"
    resource_classes = (BrandExport,)
    # The budgets are in the spend columns ("spend / budget"): every column fits 1440 px.
    list_display = ("name", "zone", "today", "month", "pacing", "remaining_budget", "serving", "is_active")
    list_filter = ("is_active", "timezone", OverBudgetFilter, PacingFilter)
    search_fields = ("name",)
    list_per_page = 50
    inlines = (CampaignInline,)
    actions = ("activate_brands", "deactivate_brands")
    readonly_fields = ("today", "month", "pacing", "remaining_budget", "serving", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "timezone", "currency", "is_active")}),
        ("Budgets", {"fields": ("daily_budget", "monthly_budget")}),
        ("Alerts", {"fields": ("alert_thresholds", "alert_emails")}),
        (
            "Spend (brand-local day and month)",
            {"fields": ("today", "month", "pacing", "remaining_budget", "serving")},
        ),
        ("History", {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brand]:
        return brands_with_spend(super().get_queryset(request))

    def get_fieldsets(self, request: HttpRequest, obj: Brand | None = None) -> Any:
        if obj is not None:
            return self.fieldsets
        return (
            (None, {"fields": ("name", "team", "timezone", "currency", "is_active")}),
            *self.fieldsets[1:],
        )

    # --- Columns -------------------------------------------------------------------------

    @admin.display(description="Time zone, currency", ordering="timezone")
    def zone(self, obj: Brand) -> SafeString:
        return format_html("{}<br><small>{}</small>", obj.timezone, obj.currency)

    @admin.display(description="Today vs daily budget", ordering="today_spend")
    def today(self, obj: Brand) -> SafeString:
        return usage_bar(annotated(obj, "today_spend"), obj.daily_budget, obj.currency)

    @admin.display(description="Month vs monthly budget", ordering="month_spend")
    def month(self, obj: Brand) -> SafeString:
        return usage_bar(annotated(obj, "month_spend"), obj.monthly_budget, obj.currency)

    @admin.display(description="Remaining (day / month)")
    def remaining_budget(self, obj: Brand) -> str:
        day = remaining(obj.daily_budget, annotated(obj, "today_spend"))
        month = remaining(obj.monthly_budget, annotated(obj, "month_spend"))
        day_text = "no cap" if day is None else money(day)
        month_text = "no cap" if month is None else money(month)
        return f"{day_text} / {month_text} {obj.currency}"

    @admin.display(description="Serving campaigns", ordering="serving_campaigns")
    def serving(self, obj: Brand) -> SafeString:
        count = int(getattr(obj, "serving_campaigns", 0) or 0)
        url = reverse("admin:campaigns_campaign_changelist")
        return format_html('<a href="{}?brand__id__exact={}&is_active__exact=1">{}</a>', url, obj.pk, count)

    # --- Writes: through the services ------------------------------------------------------

    def service_save(self, request: HttpRequest, form: Any, formsets: list[Any], change: bool) -> Brand:
        data = form.cleaned_data
        if not change:
            return brand_create_in_team(
                team_id=self.new_team_id(request, data),
                actor=Actor.for_user(request.user),
                **{name: data[name] for name in EDITABLE if data.get(name, "") is not None},
            )
        changes = {name: data[name] for name in form.changed_data if name in EDITABLE}
        return brand_update(brand_id=form.instance.pk, actor=Actor.for_user(request.user), **changes)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Brand], is_active: bool) -> None:
        actor = Actor.for_user(request.user)
        queryset, refused = self.changeable(request, queryset)
        brands = list(queryset.order_by("pk").values_list("pk", "is_active"))
        ids = [pk for pk, _ in brands]
        serving_before = Campaign.objects.filter(brand_id__in=ids, is_active=True).count()
        changed = 0
        for pk, current in brands:
            if current != is_active:
                brand_set_active(brand_id=pk, is_active=is_active, actor=actor)
                changed += 1
        serving_after = Campaign.objects.filter(brand_id__in=ids, is_active=True).count()
        verb = "Activated" if is_active else "Deactivated"
        text = f"{verb} {changed} brand(s)"
        if len(brands) > changed:
            text += f" ({len(brands) - changed} already {'active' if is_active else 'inactive'})"
        text += f". Serving campaigns of the selected brands: {serving_before} before, {serving_after} now."
        if refused:
            text += f" {refused} skipped: your role does not change them."
        stopped = Counter(
            Campaign.objects.filter(brand_id__in=ids, status=Status.ACTIVE, is_active=False).values_list(
                "pause_reason", flat=True
            )
        )
        if stopped:
            reasons = ", ".join(
                f"{count} {PauseReason(reason).label.lower() if reason else 'not evaluated yet'}"
                for reason, count in sorted(stopped.items())
            )
            text += f" Not serving: {reasons}."
        self.message_user(request, text, messages.SUCCESS if is_active or changed else messages.INFO)

    @admin.action(description="Activate selected brands (re-evaluates their campaigns)")
    def activate_brands(self, request: HttpRequest, queryset: QuerySet[Brand]) -> None:
        self._set_active(request, queryset, True)

    @admin.action(description="Deactivate selected brands (stops their campaigns)")
    def deactivate_brands(self, request: HttpRequest, queryset: QuerySet[Brand]) -> None:
        self._set_active(request, queryset, False)
