"""Admin pages of the events app: the log (read-only, in words: the console's audit trail),
webhook endpoints (written through ``events.services``, with a warning on disabled ones) and
the delivery log (read-only).

Scoped (``ops.scope``): staff who are not ops see the events of their teams' brands (events
of no brand: ops only), and their own webhook endpoints with their deliveries; an endpoint's
brands are chosen among the brands they may see."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from access.roles import Action
from access.selectors import sees_everything
from core.actors import Actor
from events.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_ping,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from events.models import Event, WebhookDelivery, WebhookEndpoint
from ops import audit
from ops.admin_base import ServiceModelAdmin
from ops.display import campaign_label, local_time
from ops.generics import ModelAdmin, ModelForm
from ops.scope import ScopedAdmin
from ops.selectors import schedule_names


class ReadOnlyAdmin(ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ScopedAdmin, ReadOnlyAdmin):
    """The audit trail of everything, newest first, in words: when (in the brand's time
    zone), what, why, who and what changed. A campaign's page links here filtered to it
    (``?campaign__id__exact=``)."""

    list_display = ("event_id", "when", "what", "subject", "why", "who", "change")
    list_filter = ("type", "actor_kind", "audit", ("brand", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("brand", "campaign", "campaign__brand")
    search_fields = ("actor_name", "brand__name", "campaign__name")
    date_hierarchy = "occurred_at"
    ordering = ("-seq",)
    list_per_page = 100
    show_full_result_count = False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> Any:
        return EventChangeList

    @admin.display(description="id", ordering="position")
    def event_id(self, obj: Event) -> int | str:
        return obj.position if obj.position is not None else "-"

    @admin.display(description="When (brand's time; UTC on hover)", ordering="occurred_at")
    def when(self, obj: Event) -> SafeString:
        return local_time(obj.occurred_at, obj.brand.timezone if obj.brand is not None else "UTC")

    @admin.display(description="What", ordering="type")
    def what(self, obj: Event) -> str:
        return audit.what(obj)

    @admin.display(description="Brand / campaign")
    def subject(self, obj: Event) -> str:
        if obj.campaign is not None:
            return campaign_label(obj.campaign.brand.name, obj.campaign.name)
        if obj.brand is not None:
            return obj.brand.name
        return "-"

    @admin.display(description="Why")
    def why(self, obj: Event) -> str:
        return audit.why(obj)

    @admin.display(description="Who", ordering="actor_name")
    def who(self, obj: Event) -> str:
        return audit.who(obj)

    @admin.display(description="Change")
    def change(self, obj: Event) -> str:
        names: dict[int, str] | None = getattr(obj, "schedule_names", None)
        return audit.change(obj, schedule_names(audit.schedule_ids([obj])) if names is None else names)


class EventChangeList(ChangeList):
    """Loads the names of the schedules the listed events mention in one query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        events: list[Event] = list(self.result_list)
        names = schedule_names(audit.schedule_ids(events))
        for event in events:
            event.schedule_names = names  # type: ignore[attr-defined]
        self.result_list = events


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


class OwnedAdmin(ScopedAdmin):
    """Rows of the user's own webhook endpoints (every one for ops staff)."""

    owner_field = "owner"
    pick_action = Action.READ  # an endpoint receives the events of brands its owner may see

    def limit_to_scope(self, request: HttpRequest, queryset: QuerySet[Any], action: Action) -> QuerySet[Any]:
        if sees_everything(request.user):
            return queryset
        return queryset.filter(**{self.owner_field: request.user.pk})


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OwnedAdmin, ServiceModelAdmin[WebhookEndpoint]):
    list_display = ("id", "url", "description", "state", "failing_since", "event_types", "created_at")
    list_filter = ("enabled",)
    search_fields = ("url", "description")
    fields = ("url", "description", "event_types", "brands", "enabled")
    readonly_fields = ("failing_since", "disabled_at", "disabled_reason")
    filter_horizontal = ("brands",)
    actions = ("send_test_ping", "rotate_secret")

    @admin.display(description="state")
    def state(self, obj: WebhookEndpoint) -> SafeString:
        if obj.enabled:
            return format_html('<span style="color:#2e7d32">{}</span>', "enabled")
        return format_html('<strong style="color:#c62828">disabled</strong> {}', obj.disabled_reason)

    def get_fields(self, request: HttpRequest, obj: WebhookEndpoint | None = None) -> Any:
        return (*self.fields, *self.readonly_fields) if obj is not None else self.fields

    def service_save(
        self, request: HttpRequest, form: ModelForm[WebhookEndpoint], formsets: list[Any], change: bool
    ) -> WebhookEndpoint:
        data = form.cleaned_data
        brand_ids = [brand.pk for brand in data.get("brands") or []]
        if change:
            return webhook_endpoint_update(
                endpoint_id=form.instance.pk,
                url=data["url"],
                description=data.get("description", ""),
                event_types=data["event_types"],
                brand_ids=brand_ids,
                enabled=data["enabled"],
            )
        endpoint = webhook_endpoint_create(
            url=data["url"],
            description=data.get("description", ""),
            event_types=data["event_types"],
            brand_ids=brand_ids,
            enabled=data["enabled"],
            owner_id=request.user.pk,
        )
        messages.warning(request, f"Signing secret (shown once): {endpoint.secret}")
        return endpoint

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if object_id and request.method == "GET" and object_id.isdigit():
            endpoint = self.get_queryset(request).filter(pk=object_id).first()
            if endpoint is not None and not endpoint.enabled:
                messages.warning(
                    request,
                    f"This endpoint is disabled ({endpoint.disabled_reason or 'no reason recorded'}, "
                    f"since {endpoint.disabled_at:%Y-%m-%d %H:%M} UTC): nothing is delivered to it. "
                    "Enable it to receive the events that commit from then on; replay to send what it missed."
                    if endpoint.disabled_at
                    else "This endpoint is disabled: nothing is delivered to it.",
                )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        disabled = self.get_queryset(request).filter(enabled=False).count()
        if disabled and request.method == "GET":
            messages.warning(
                request, f"{disabled} webhook endpoint(s) disabled: nothing is delivered to them."
            )
        return super().changelist_view(request, extra_context)

    def has_delete_permission(self, request: HttpRequest, obj: WebhookEndpoint | None = None) -> bool:
        return bool(request.user.has_perm("events.delete_webhookendpoint"))

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        webhook_endpoint_delete(endpoint_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for pk in queryset.values_list("pk", flat=True):
            webhook_endpoint_delete(endpoint_id=pk)

    @admin.action(description="Send a test ping", permissions=["change"])
    def send_test_ping(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        sent = 0
        for endpoint in queryset.filter(enabled=True):
            webhook_endpoint_ping(endpoint_id=endpoint.pk, actor=_actor(request))
            sent += 1
        skipped = queryset.filter(enabled=False).count()
        self.message_user(request, f"Ping queued for {sent} endpoint(s); {skipped} disabled skipped.")

    @admin.action(
        description="Rotate the signing secret (the old one stays valid 24 h)", permissions=["change"]
    )
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            rotated = webhook_endpoint_rotate_secret(endpoint_id=endpoint.pk)
            messages.warning(request, f"New secret of endpoint {rotated.pk} (shown once): {rotated.secret}")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(OwnedAdmin, ReadOnlyAdmin):
    owner_field = "endpoint__owner"

    list_display = (
        "at",
        "endpoint",
        "event_position",
        "attempt",
        "status_code",
        "duration_ms",
        "error",
        "next_attempt_at",
    )
    list_filter = (("endpoint", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("endpoint", "event")
    date_hierarchy = "at"
    show_full_result_count = False

    @admin.display(description="event", ordering="event__position")
    def event_position(self, obj: WebhookDelivery) -> int | None:
        return obj.event.position
