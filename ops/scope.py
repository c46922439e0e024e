"""Scope in the ops console: staff who are not ops see and act only on their teams' brands and
what hangs from them (``access.selectors``; API.md, "Teams and scoped access").

* ``ScopedAdmin`` (a ModelAdmin mixin): every list, change page, action, export (which reads
  the list's queryset) and autocomplete is limited to the rows of the brands in the user's
  scope (``scope_field``: the path to the brand). Another team's object answers 404, as one
  that does not exist does. An object the user may see but whose brand their role does not
  let them change opens read-only. Form choices (a campaign's brand and schedule, a spend's
  campaign, an endpoint's brands) offer only what the user may act on, so another team's id
  posted by hand is refused as an unknown one. Model permissions still apply within the scope.
* ``ScopedRelatedFilter``: a list filter offering only the related objects in scope.
* ``OpsOnlyAdmin``: pages for ops staff and superusers only (``ops.sites`` applies it to the
  job records, Celery Beat, login lockouts and users).

Superusers and staff in the ``ops`` group see everything (``sees_everything``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.admin.filters import RelatedFieldListFilter
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect

from access.models import Team
from access.roles import Action
from access.selectors import (
    brands_in_scope,
    schedules_in_scope,
    scoped,
    sees_everything,
    team_for_new_object,
    teams_in_scope,
)
from brands.models import Brand
from campaigns.models import Campaign
from scheduling.models import DaypartingSchedule

if TYPE_CHECKING:
    from django.db.models import Field
    from django_stubs_ext import StrOrPromise

    from ops.generics import ModelAdmin

    _Base = ModelAdmin[Any]
else:
    _Base = object

SCOPED_MODELS = (Brand, Campaign, DaypartingSchedule)


def in_scope(request: HttpRequest, model: type[Model], action: Action = Action.READ) -> QuerySet[Any]:
    """The rows of ``model`` (a brand, a campaign or a schedule) ``request.user`` may ``action``."""
    user = request.user
    if model is Brand:
        return brands_in_scope(user, action)
    if model is DaypartingSchedule:
        return schedules_in_scope(DaypartingSchedule.objects.all(), user, action)
    if model is Campaign:
        return scoped(Campaign.objects.all(), user, action=action)
    return model._default_manager.all()


def picked_in_scope(request: HttpRequest, queryset: QuerySet[Any], action: Action) -> QuerySet[Any]:
    """``queryset`` of brands, campaigns or schedules offered in a form: those in scope (a
    schedule is picked to be used, so reading it is enough)."""
    model = queryset.model
    if model not in SCOPED_MODELS:
        return queryset
    allowed = in_scope(request, model, Action.READ if model is DaypartingSchedule else action)
    return queryset.filter(pk__in=allowed.values("pk"))


def managed_teams(request: HttpRequest) -> QuerySet[Team]:
    return teams_in_scope(request.user, Action.CHANGE)


# Declared on the add forms of brands and schedules, replaced per request by ``team_field``.
TEAM_PLACEHOLDER: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
    queryset=Team.objects.none(), required=False
)


def team_field(request: HttpRequest, what: str) -> forms.ModelChoiceField[Team]:
    """The add form's team of a new brand or schedule: a team the user manages (ops staff may
    leave it empty); required when the user manages more than one."""
    everything = sees_everything(request.user)
    teams = managed_teams(request).order_by("name")
    several = not everything and teams.count() > 1
    empty = "no team: seen by ops only" if what == "brand" else "no team: shared by every team"
    return forms.ModelChoiceField(
        queryset=teams,
        required=several,
        empty_label=empty if everything else "your team",
        help_text=(
            f"The team the new {what} belongs to."
            + ("" if everything else " Leave it as it is when you manage one team.")
        ),
    )


class ScopedAdmin(_Base):
    """A ModelAdmin mixin: rows limited to the brands in the user's scope."""

    scope_field = "brand"  # the path from a row to its brand ("pk" for brands)
    # What picking a brand or campaign in this admin's forms (and autocompletes) does to it:
    # creating a campaign changes its brand; a spend records spend on its campaign.
    pick_action = Action.CHANGE

    def limit_to_scope(self, request: HttpRequest, queryset: QuerySet[Any], action: Action) -> QuerySet[Any]:
        return scoped(queryset, request.user, brand_field=self.scope_field, action=action)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.limit_to_scope(request, super().get_queryset(request), Action.READ)

    def changeable(self, request: HttpRequest, queryset: QuerySet[Any]) -> tuple[QuerySet[Any], int]:
        """The selected rows the user may change, and how many others were selected (actions)."""
        allowed = self.limit_to_scope(request, queryset, Action.CHANGE)
        return allowed, queryset.count() - allowed.count()

    def may_change(self, request: HttpRequest, obj: Any) -> bool:
        return bool(
            self.limit_to_scope(request, type(obj)._default_manager.filter(pk=obj.pk), Action.CHANGE).exists()
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed or sees_everything(request.user):
            return allowed
        return self.may_change(request, obj)

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> HttpResponseRedirect:
        # Out of scope and missing look alike: 404, never a message naming the id.
        raise Http404

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        for field in form.base_fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
                field.queryset = picked_in_scope(request, field.queryset, self.pick_action)
        return form


class AddedByTeamManagers(_Base):
    """Adding needs the model permission and, for staff who are not ops, a team they manage."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        allowed = super().has_add_permission(request, *args)
        return allowed and (sees_everything(request.user) or managed_teams(request).exists())


class JoinsTeamOnAdd(AddedByTeamManagers):
    """The add form of a brand or schedule asks for its team (``team_field``); ``new_team_id``
    says which team the new object joins, or refuses (``access.selectors.team_for_new_object``)."""

    add_form: type[forms.ModelForm[Any]]  # the model's form, declaring ``team = TEAM_PLACEHOLDER``
    new_what = "brand"

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            form.base_fields["team"] = team_field(request, self.new_what)
        return form

    def new_team_id(self, request: HttpRequest, data: dict[str, Any]) -> int | None:
        asked = data.get("team")
        team = team_for_new_object(request.user, asked.pk if asked else None, what=f"{self.new_what}s")
        return team.pk if team else None


class ScopedRelatedFilter(RelatedFieldListFilter):
    """The related objects (brands, campaigns, schedules) the user may see, and no others."""

    def field_choices(
        self, field: Field[Any, Any], request: HttpRequest, model_admin: ModelAdmin[Any]
    ) -> list[tuple[str, StrOrPromise]]:
        related: Any = field
        allowed = in_scope(request, related.related_model).values("pk")
        ordering = self.field_admin_ordering(related, request, model_admin)
        return list(
            related.get_choices(include_blank=False, limit_choices_to={"pk__in": allowed}, ordering=ordering)
        )


class OpsOnlyAdmin(_Base):
    """Every page and action: ops staff and superusers only (model permissions still apply)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return sees_everything(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return sees_everything(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_everything(request.user) and super().has_delete_permission(request, obj)
