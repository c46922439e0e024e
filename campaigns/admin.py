"""Campaigns in the ops console: serving state and why, spend against each cap, and the
person's actions (activate, pause, re-evaluate), all through the services.

Scoped (``ops.scope``): staff who are not ops see their teams' campaigns and audit trail only,
and change, activate, pause or re-evaluate those of brands their role changes; the brand and
schedule choices (and the spend form's campaign autocomplete) offer what they may act on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from access.selectors import check_schedule_for_campaign
from campaigns.models import Campaign
from campaigns.rules import Status
from campaigns.services import campaign_activate, campaign_create, campaign_pause, campaign_update, reevaluate
from core.actors import Actor
from events.selectors import campaign_events
from ops import audit
from ops.admin_base import ServiceModelAdmin, budgets_not_negative
from ops.display import campaign_label, local_time, usage_bar
from ops.exports import CampaignExport, ListExportMixin
from ops.generics import ModelForm
from ops.pacing import PacingFilter, PacingListMixin
from ops.scope import AddedByTeamManagers, ScopedAdmin, ScopedRelatedFilter
from ops.selectors import annotated, campaigns_with_spend, schedule_names

AUDIT_ROWS = 20
NAMES_IN_MESSAGE = 10


class CampaignForm(ModelForm[Campaign]):
    change_reason = forms.CharField(
        required=False,
        max_length=200,
        label="Reason for this change",
        help_text="Optional; kept in the audit trail with your name.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        budgets_not_negative(self)

    class Meta:
        model = Campaign
        fields = ("brand", "name", "status", "daily_budget", "monthly_budget", "dayparting_schedule")


def label(campaign: Campaign) -> str:
    """ "Acme / Black Friday" (load the brand with the campaign: ``select_related``)."""
    return campaign_label(campaign.brand.name, campaign.name)


def not_serving_summary(campaigns: Iterable[Campaign]) -> str:
    """ "Acme / Alpha (Brand daily budget exhausted), Globex / Beta (Outside dayparting
    schedule)" for the campaigns whose status is active but which do not serve."""
    stopped = [c for c in campaigns if c.status == Status.ACTIVE and not c.is_active]
    parts = [f"{label(c)} ({c.get_pause_reason_display() or 'not evaluated'})" for c in stopped]
    if len(parts) > NAMES_IN_MESSAGE:
        parts = [*parts[:NAMES_IN_MESSAGE], f"and {len(parts) - NAMES_IN_MESSAGE} more"]
    return ", ".join(parts)


@admin.register(Campaign)
class CampaignAdmin(
    AddedByTeamManagers, ScopedAdmin, PacingListMixin, ListExportMixin, ServiceModelAdmin[Campaign]
):
    form = CampaignForm
    resource_classes = (CampaignExport,)
    list_display = (
        "name",
        "brand",
        "status",
        "serving",
        "pause_reason_words",
        "today",
        "month",
        "pacing",
        "schedule",
    )
    list_filter = (
        "status",
        ("is_active", admin.BooleanFieldListFilter),
        "pause_reason",
        ("brand", ScopedRelatedFilter),
        ("dayparting_schedule", ScopedRelatedFilter),
        PacingFilter,
    )
    list_select_related = ("brand", "dayparting_schedule")
    search_fields = ("name", "brand__name")
    list_per_page = 50
    actions = ("activate_campaigns", "pause_campaigns", "reevaluate_campaigns")
    autocomplete_fields = ("brand",)
    readonly_fields = (
        "serving",
        "pause_reason_words",
        "today",
        "month",
        "pacing",
        "audit_trail",
        "created_at",
        "updated_at",
    )

    def get_fieldsets(self, request: HttpRequest, obj: Campaign | None = None) -> Any:
        fieldsets: list[tuple[str | None, dict[str, Any]]] = [
            (None, {"fields": ("brand", "name", "status", "dayparting_schedule")}),
            (
                "Budgets (empty: no campaign cap; the brand's caps still apply)",
                {"fields": ("daily_budget", "monthly_budget")},
            ),
            (None, {"fields": ("change_reason",)}),
        ]
        if obj is not None:
            fieldsets.insert(
                1,
                (
                    "Serving now (decided by the service layer)",
                    {"fields": ("serving", "pause_reason_words", "today", "month", "pacing")},
                ),
            )
            fieldsets.append(("Audit trail", {"fields": ("audit_trail", "created_at", "updated_at")}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Campaign | None = None) -> Any:
        fields = tuple(self.readonly_fields)
        # A campaign stays with its brand (its spend history belongs to it).
        return (*fields, "brand") if obj is not None else fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return campaigns_with_spend(super().get_queryset(request))

    # --- Picking a campaign (the spend form's autocomplete: ops.sites) --------------------

    def get_autocomplete_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return Campaign.objects.select_related("brand").order_by("brand__name", "name")

    def autocomplete_label(self, obj: Campaign) -> str:
        return label(obj)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Campaign], search_term: str
    ) -> tuple[QuerySet[Campaign], bool]:
        # A label as shown ("Acme / Black") searches like "Acme Black": each word must match
        # the brand's name or the campaign's.
        words = " ".join(word for word in search_term.split() if word != "/")
        return super().get_search_results(request, queryset, words)

    # --- Columns -------------------------------------------------------------------------

    @admin.display(description="Serving", boolean=True, ordering="is_active")
    def serving(self, obj: Campaign) -> bool:
        return obj.is_active

    @admin.display(description="Pause reason", ordering="pause_reason")
    def pause_reason_words(self, obj: Campaign) -> str:
        if obj.pause_reason:
            return obj.get_pause_reason_display()
        if obj.status != Status.ACTIVE:
            return f"Status {obj.get_status_display().lower()} (set by a person)"
        return "-"

    @admin.display(description="Dayparting schedule", ordering="dayparting_schedule__name")
    def schedule(self, obj: Campaign) -> str:
        # Not the foreign key itself: the admin keeps those on one line (too wide at 1440 px).
        return obj.dayparting_schedule.name if obj.dayparting_schedule else "-"

    @admin.display(description="Today vs daily cap", ordering="today_spend")
    def today(self, obj: Campaign) -> SafeString:
        return usage_bar(annotated(obj, "today_spend"), obj.daily_budget, obj.brand.currency)

    @admin.display(description="Month vs monthly cap", ordering="month_spend")
    def month(self, obj: Campaign) -> SafeString:
        return usage_bar(annotated(obj, "month_spend"), obj.monthly_budget, obj.brand.currency)

    @admin.display(description="Latest events")
    def audit_trail(self, obj: Campaign) -> SafeString:
        events = list(campaign_events(campaign_id=obj.pk)[:AUDIT_ROWS])
        names = schedule_names(audit.schedule_ids(events))
        link = format_html(
            '<p><a href="{}?campaign__id__exact={}">Full audit trail</a></p>',
            reverse("admin:events_event_changelist"),
            obj.pk,
        )
        if not events:
            return format_html("<p>No events yet.</p>{}", link)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    local_time(event.occurred_at, obj.brand.timezone),
                    audit.what(event),
                    audit.why(event),
                    audit.who(event),
                    audit.change(event, names),
                )
                for event in events
            ),
        )
        return format_html(
            '<table class="ops-audit"><thead><tr><th>When ({}; UTC on hover)</th><th>What</th>'
            "<th>Why</th><th>Who</th><th>Change</th></tr></thead><tbody>{}</tbody></table>{}",
            obj.brand.timezone,
            rows,
            link,
        )

    # --- Writes: through the services ------------------------------------------------------

    def service_save(self, request: HttpRequest, form: Any, formsets: list[Any], change: bool) -> Campaign:
        data = form.cleaned_data
        actor = Actor.for_user(request.user)
        schedule = data.get("dayparting_schedule")
        brand_id = data["brand"].pk if not change else form.instance.brand_id
        if schedule is not None and (not change or "dayparting_schedule" in form.changed_data):
            check_schedule_for_campaign(request.user, schedule_id=schedule.pk, brand_id=brand_id)
        if not change:
            campaign = campaign_create(
                brand_id=data["brand"].pk,
                name=data["name"],
                status=data["status"],
                daily_budget=data.get("daily_budget"),
                monthly_budget=data.get("monthly_budget"),
                dayparting_schedule_id=schedule.pk if schedule else None,
                actor=actor,
            )
        else:
            changes: dict[str, Any] = {
                name: data[name]
                for name in ("name", "status", "daily_budget", "monthly_budget")
                if name in form.changed_data
            }
            if "dayparting_schedule" in form.changed_data:
                changes["dayparting_schedule_id"] = schedule.pk if schedule else None
            campaign = campaign_update(
                campaign_id=form.instance.pk, actor=actor, reason=data.get("change_reason") or "", **changes
            )
        if campaign.status == Status.ACTIVE and not campaign.is_active:
            self.message_user(
                request,
                f"{label(campaign)} is active but not serving: {campaign.get_pause_reason_display()}.",
                messages.WARNING,
            )
        return campaign

    @admin.action(description="Activate selected campaigns")
    def activate_campaigns(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        actor = Actor.for_user(request.user)
        queryset, refused = self.changeable(request, queryset)
        selected = list(queryset.order_by("pk").values_list("pk", "status"))
        to_activate = [pk for pk, status in selected if status != Status.ACTIVE]
        for pk in to_activate:
            campaign_activate(campaign_id=pk, actor=actor)
        after = list(
            Campaign.objects.filter(pk__in=[pk for pk, _ in selected])
            .select_related("brand")
            .order_by("name")
        )
        serving = sum(1 for campaign in after if campaign.is_active)
        text = f"Activated {len(to_activate)} campaign(s)"
        if len(selected) > len(to_activate):
            text += f" ({len(selected) - len(to_activate)} already active)"
        text += f". {serving} of {len(selected)} serving now."
        text += skipped(refused)
        blocked = not_serving_summary(after)
        if blocked:
            text += f" Could not serve: {blocked}."
        self.message_user(request, text, messages.WARNING if blocked else messages.SUCCESS)

    @admin.action(description="Pause selected campaigns (a person's pause: no job resumes it)")
    def pause_campaigns(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        actor = Actor.for_user(request.user)
        queryset, refused = self.changeable(request, queryset)
        selected = list(queryset.order_by("pk").values_list("pk", "status"))
        to_pause = [pk for pk, status in selected if status == Status.ACTIVE]
        for pk in to_pause:
            campaign_pause(campaign_id=pk, actor=actor, reason="paused in the admin")
        text = f"Paused {len(to_pause)} campaign(s)."
        if skipped_paused := len(selected) - len(to_pause):
            text += f" {skipped_paused} skipped: their status is not active."
        text += skipped(refused)
        self.message_user(request, text, messages.SUCCESS if to_pause else messages.INFO)

    @admin.action(description="Re-evaluate selected campaigns now")
    def reevaluate_campaigns(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        queryset, refused = self.changeable(request, queryset)
        ids = list(queryset.values_list("pk", flat=True))
        result = reevaluate(
            Campaign.objects.filter(pk__in=ids, status=Status.ACTIVE), actor=Actor.for_user(request.user)
        )
        stopped = sum(result.paused.values())
        text = (
            f"Re-evaluated {result.checked} campaign(s): {stopped} stopped, {result.resumed} resumed, "
            f"{result.reason_changed} with a new pause reason, {result.unchanged} unchanged."
        )
        if len(ids) > result.checked:
            text += f" {len(ids) - result.checked} skipped: their status is not active."
        text += skipped(refused)
        blocked = not_serving_summary(
            Campaign.objects.filter(pk__in=ids).select_related("brand").order_by("brand__name", "name")
        )
        if blocked:
            text += f" Not serving: {blocked}."
        self.message_user(request, text, messages.WARNING if blocked else messages.SUCCESS)


def skipped(refused: int) -> str:
    return f" {refused} skipped: your role does not change their brand." if refused else ""
