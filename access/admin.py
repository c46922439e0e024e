"""Teams (their brands and members) and API keys in the ops console, for ops staff only.

Superusers and staff in the ``ops`` group manage them (``access.selectors.sees_everything``);
other staff do not see these pages. Writes go through ``access.services``. A new API key is
shown once, on the page that answers the add form (never in a message, which the session
would store); afterwards the key's page shows its prefix, never the secret. Keys are revoked
with the list's action; nothing is deleted.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from rest_framework_api_key.models import APIKey

from core.actors import Actor
from core.timeutils import now
from ops.admin_base import ServiceModelAdmin, live_forms
from ops.generics import ModelForm, TabularInline

from .models import ApiKey, Team, TeamMember
from .selectors import sees_everything
from .services import api_key_create, api_key_revoke, team_create, team_update

# The library's own key model is not used (access.ApiKey extends its abstract model).
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)

_CREATED_KEY = "_access_created_key"


class OpsOnly:
    """Every page and action of these admins: superusers and ops staff only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return sees_everything(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user)


def _count(model: type[Any], field: str, **filters: Any) -> Coalesce:
    """A per-team count as a correlated subquery (one statement for the whole page)."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")}, **filters)
        .order_by()
        .values(field)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


class TeamMemberInline(OpsOnly, TabularInline[TeamMember, Team]):
    model = TeamMember
    extra = 1
    fields = ("user", "role")
    autocomplete_fields = ("user",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user)


class ApiKeyInline(OpsOnly, TabularInline[ApiKey, Team]):
    """The team's keys at a glance (read-only; each links to its page)."""

    model = ApiKey
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("name", "prefix", "role", "expiry_date", "last_used_at", "revoked")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TeamForm(ModelForm[Team]):
    class Meta:
        model = Team
        fields = ("name", "brands")


@admin.register(Team)
class TeamAdmin(OpsOnly, ServiceModelAdmin[Team]):
    form = TeamForm
    list_display = ("name", "brand_count", "member_count", "key_count", "updated_at")
    search_fields = ("name",)
    autocomplete_fields = ("brands",)
    inlines = (TeamMemberInline, ApiKeyInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                brands_n=_count(Team.brands.through, "team"),
                members_n=_count(TeamMember, "team"),
                keys_n=_count(ApiKey, "team", revoked=False),
            )
        )

    def has_change_permission(self, request: HttpRequest, obj: Team | None = None) -> bool:
        return sees_everything(request.user)

    @admin.display(description="Brands", ordering="brands_n")
    def brand_count(self, obj: Team) -> int:
        return int(getattr(obj, "brands_n", 0))

    @admin.display(description="Members", ordering="members_n")
    def member_count(self, obj: Team) -> int:
        return int(getattr(obj, "members_n", 0))

    @admin.display(description="API keys (not revoked)", ordering="keys_n")
    def key_count(self, obj: Team) -> int:
        return int(getattr(obj, "keys_n", 0))

    def service_save(self, request: HttpRequest, form: Any, formsets: list[Any], change: bool) -> Team:
        data = form.cleaned_data
        members = [
            (member.cleaned_data["user"].pk, member.cleaned_data["role"])
            for member in live_forms(fs for fs in formsets if fs.model is TeamMember)
        ]
        brand_ids = [brand.pk for brand in data["brands"]]
        actor = Actor.for_user(request.user)
        if not change:
            return team_create(name=data["name"], brand_ids=brand_ids, members=members, actor=actor)
        return team_update(
            team_id=form.instance.pk, name=data["name"], brand_ids=brand_ids, members=members, actor=actor
        )


class ApiKeyForm(ModelForm[ApiKey]):
    class Meta:
        model = ApiKey
        fields = ("name", "team", "role", "brands", "expiry_date")
        help_texts = {"expiry_date": "Empty: the key does not expire (revoke it when it is no longer used)."}


@admin.register(ApiKey)
class ApiKeyAdmin(OpsOnly, ServiceModelAdmin[ApiKey]):
    form = ApiKeyForm
    list_display = ("name", "prefix", "team", "role", "brand_subset", "expiry_date", "last_used_at", "state")
    list_filter = ("role", "revoked", ("team", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("team",)
    search_fields = ("name", "prefix", "team__name")
    autocomplete_fields = ("team", "brands")
    actions = ("revoke_keys",)
    readonly_fields = (
        "prefix",
        "created",
        "created_by",
        "last_used_at",
        "revoked",
        "revoked_at",
        "revoked_by",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiKey]:
        return super().get_queryset(request).annotate(brands_n=_count(ApiKey.brands.through, "apikey"))

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return list(ApiKeyForm.Meta.fields)
        return ["name", "team", "role", "brands", "expiry_date", *self.readonly_fields]

    def has_change_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False  # a key's page is read-only; revoke it with the action

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return sees_everything(request.user)

    @admin.display(description="Brands")
    def brand_subset(self, obj: ApiKey) -> str:
        count = int(getattr(obj, "brands_n", 0))
        return f"{count} of the team's" if count else "all of the team's"

    @admin.display(description="State")
    def state(self, obj: ApiKey) -> str:
        if obj.revoked:
            return "revoked"
        return "active" if obj.is_usable_at(now()) else "expired"

    @admin.action(description="Revoke selected API keys (for good)", permissions=["revoke"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        actor = Actor.for_user(request.user)
        keys = list(queryset.filter(revoked=False).values_list("pk", flat=True))
        for pk in keys:
            api_key_revoke(api_key_id=pk, actor=actor)
        self.message_user(request, f"Revoked {len(keys)} API key(s).", messages.SUCCESS)

    def service_save(self, request: HttpRequest, form: Any, formsets: list[Any], change: bool) -> ApiKey:
        data = form.cleaned_data
        created = api_key_create(
            team_id=data["team"].pk,
            role=data["role"],
            name=data["name"],
            brand_ids=[brand.pk for brand in data["brands"]],
            expires_at=data["expiry_date"],
            actor=Actor.for_user(request.user),
        )
        setattr(request, _CREATED_KEY, created.key)
        return created.api_key

    def response_add(
        self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        """The one page that shows the key (not a redirect with a message: the session would
        keep it); not cached by the browser."""
        key = getattr(request, _CREATED_KEY, None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": "API key created",
            "opts": self.opts,
            "api_key": obj,
            "key": key,
            "change_url": reverse("admin:access_apikey_change", args=[obj.pk]),
            "changelist_url": reverse("admin:access_apikey_changelist"),
        }
        response = TemplateResponse(request, "access/api_key_created.html", context)
        response["Cache-Control"] = "no-store"
        return response
