"""Scope: which brands a person or an API key may see and act on. Every read path filters with it.

The one question is ``brands_in_scope(principal, action)``: a lazy queryset of brands that
costs no query of its own; used as ``brand_id__in`` it becomes one subquery of the caller's
statement (``scoped`` does exactly that for any queryset). Only ``sees_everything`` may run
a query, once per user object (cached on it), to read the ``ops`` group membership.

Who sees what:

* **Superusers, and staff (``is_staff``) in the ``ops`` group**: every brand, for every action.
* **A person**: the brands of the teams they belong to, for the actions their role in that
  team allows (``access.roles``); a brand in two of their teams takes the wider role.
  A person in no team (and not ops staff) sees **no brand at all**: access is granted,
  never assumed. Inactive users and anonymous requests see nothing.
* **An API key**: the brands of its team, or only its brand subset when it has one (a subset
  brand later removed from the team drops out), for the actions its role allows; nothing once
  revoked or expired. A key never sees more because of its service account's groups.

Model permissions still apply within the scope: the API checks them per request (the groups
``read-only``, ``integration`` and ``ops`` of ``manage.py create_api_groups``) and the admin
per page, so a person needs both the model permission and a role allowing the action on the
brand. A ``read-only`` user who manages a team still only reads; an ``ops`` user who is not
staff acts only on their teams' brands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Exists, ExpressionWrapper, Model, OuterRef, Q, QuerySet
from rest_framework_api_key.crypto import KeyGenerator

from brands.models import Brand
from campaigns.models import Campaign
from core.timeutils import now
from scheduling.models import DaypartingSchedule

from .models import ApiKey, Team, TeamMember
from .roles import OPS_GROUP, Action, role_allows, roles_allowing

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Principal: TypeAlias = ApiKey | AbstractBaseUser | AnonymousUser

_M = TypeVar("_M", bound=Model)

TeamBrand = Team.brands.through
ApiKeyBrand = ApiKey.brands.through

_SEES_EVERYTHING_CACHE = "_access_sees_everything"


def principal_of(user: Any, auth: Any) -> Principal:
    """Whose scope applies to a request: the API key it was authenticated with, else the user."""
    return auth if isinstance(auth, ApiKey) else user


def sees_everything(principal: Principal) -> bool:
    """Superusers and active staff in the ``ops`` group (one query per user object, cached)."""
    if isinstance(principal, ApiKey):
        return False
    if not getattr(principal, "is_authenticated", False) or not getattr(principal, "is_active", False):
        return False
    if getattr(principal, "is_superuser", False):
        return True
    if not getattr(principal, "is_staff", False):
        return False
    cached: bool | None = getattr(principal, _SEES_EVERYTHING_CACHE, None)
    if cached is None:
        cached = bool(principal.groups.filter(name=OPS_GROUP).exists())  # type: ignore[union-attr]
        setattr(principal, _SEES_EVERYTHING_CACHE, cached)
    return cached


def _member_team_ids(user: Any, action: Action) -> QuerySet[Any]:
    """The ids of the teams in which ``user``'s role allows ``action`` (a subquery)."""
    return TeamMember.objects.filter(user_id=cast(int, user.pk), role__in=roles_allowing(action)).values(
        "team_id"
    )


def _nothing() -> QuerySet[Any]:
    return TeamBrand.objects.none().values("brand_id")


def brand_ids_in_scope(
    principal: Principal, action: Action = Action.READ, *, moment: dt.datetime | None = None
) -> QuerySet[Any] | None:
    """The ids of the brands in scope as a one-column subquery, or ``None`` for "every brand"."""
    if isinstance(principal, ApiKey):
        key = principal
        if not key.is_usable_at(moment or now()) or not role_allows(key.role, action):
            return _nothing()
        subset = ApiKeyBrand.objects.filter(apikey_id=key.pk)
        return (
            TeamBrand.objects.filter(team_id=key.team_id)
            .filter(~Exists(subset) | Exists(subset.filter(brand_id=OuterRef("brand_id"))))
            .values("brand_id")
        )
    if sees_everything(principal):
        return None
    if not getattr(principal, "is_authenticated", False) or not getattr(principal, "is_active", False):
        return _nothing()
    return TeamBrand.objects.filter(team_id__in=_member_team_ids(principal, action)).values("brand_id")


def scoped(
    queryset: QuerySet[_M],
    principal: Principal,
    *,
    brand_field: str = "brand",
    action: Action = Action.READ,
    moment: dt.datetime | None = None,
) -> QuerySet[_M]:
    """``queryset`` limited to rows whose ``brand_field`` (a path to a brand: ``"brand"``,
    ``"campaign__brand"``, ``"pk"`` for brands themselves) is in scope: one subquery, no
    query of its own."""
    ids = brand_ids_in_scope(principal, action, moment=moment)
    return queryset if ids is None else queryset.filter(**{f"{brand_field}__in": ids})


def brands_in_scope(
    principal: Principal, action: Action = Action.READ, *, moment: dt.datetime | None = None
) -> QuerySet[Brand]:
    """The brands ``principal`` may do ``action`` on (lazy; no query until evaluated)."""
    return scoped(Brand.objects.all(), principal, brand_field="pk", action=action, moment=moment)


def may(principal: Principal, action: Action, *, brand_id: int, moment: dt.datetime | None = None) -> bool:
    """May ``principal`` do ``action`` on this brand? (At most one query.)"""
    ids = brand_ids_in_scope(principal, action, moment=moment)
    return ids is None or Brand.objects.filter(pk=brand_id, pk__in=ids).exists()


def brand_ids_out_of_scope(
    principal: Principal, action: Action, brand_ids: Iterable[int], *, moment: dt.datetime | None = None
) -> set[int]:
    """Those of ``brand_ids`` that ``principal`` may not ``action`` (one query, none for ops):
    a bulk request naming any of them fails whole."""
    wanted = set(brand_ids)
    ids = brand_ids_in_scope(principal, action, moment=moment)
    if ids is None or not wanted:
        return set()
    allowed = set(Brand.objects.filter(pk__in=wanted).filter(pk__in=ids).values_list("pk", flat=True))
    return wanted - allowed


def _active(principal: Principal) -> bool:
    """A usable key, or an authenticated active person."""
    if isinstance(principal, ApiKey):
        return principal.is_usable_at(now())
    return bool(getattr(principal, "is_authenticated", False) and getattr(principal, "is_active", False))


def teams_in_scope(principal: Principal, action: Action = Action.READ) -> QuerySet[Team]:
    """The teams in which ``principal`` may do ``action``: all for ops staff, the teams whose
    role allows it for a person, the key's own team for a usable key whose role allows it."""
    if isinstance(principal, ApiKey):
        if not principal.is_usable_at(now()) or not role_allows(principal.role, action):
            return Team.objects.none()
        return Team.objects.filter(pk=principal.team_id)
    if sees_everything(principal):
        return Team.objects.all()
    if not getattr(principal, "is_authenticated", False) or not getattr(principal, "is_active", False):
        return Team.objects.none()
    return Team.objects.filter(pk__in=_member_team_ids(principal, action))


def api_keys_managed_by(principal: Principal) -> QuerySet[ApiKey]:
    """The API keys a person may list and revoke: those of the teams they manage (every key
    for ops staff). An API key manages no key, its own included."""
    if isinstance(principal, ApiKey):
        return ApiKey.objects.none()
    return (
        ApiKey.objects.filter(team__in=teams_in_scope(principal, Action.CHANGE))
        .select_related("team")
        .prefetch_related("brands")
        .order_by("-created", "-pk")
    )


_KEY_GENERATOR = KeyGenerator()


def api_key_matching(raw: str) -> ApiKey | None:
    """The key whose hash matches ``raw`` (``<prefix>.<secret>``), revoked or expired included
    (the caller says why it refuses), or ``None``. Malformed input costs no query."""
    prefix, dot, secret = raw.partition(".")
    if not (
        dot
        and len(prefix) == _KEY_GENERATOR.prefix_length
        and len(secret) == _KEY_GENERATOR.secret_key_length
        and raw.isascii()
        and prefix.isalnum()
        and secret.isalnum()
    ):
        return None
    key: ApiKey | None = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
    if key is None or not _KEY_GENERATOR.verify(raw, key.hashed_key):
        return None
    return key


def principal_for_user(user: Any) -> Principal:
    """Whose scope a stored user stands for: an API key's service account stands for its key
    (its brand subset, expiry and revocation apply), anyone else for themselves."""
    key: ApiKey | None = ApiKey.objects.filter(user_id=user.pk).first()
    return key if key is not None else cast("Principal", user)


# --- Schedules: no brand of their own, so scoped by team ----------------------------------


def schedules_in_scope(
    queryset: QuerySet[DaypartingSchedule], principal: Principal, action: Action = Action.READ
) -> QuerySet[DaypartingSchedule]:
    """``queryset`` limited to the schedules ``principal`` may ``action`` (one subquery).

    A shared schedule (no team) is read by everyone with the view permission and changed by
    ops only; a team's schedule is read and changed by that team's members and keys as
    their role allows. Ops staff and superusers: every schedule.
    """
    if sees_everything(principal):
        return queryset
    if not _active(principal):
        return queryset.none()
    condition = Q(team_id__in=teams_in_scope(principal, action).values("pk"))
    if action == Action.READ:
        condition |= Q(team__isnull=True)
    return queryset.filter(condition)


def check_schedule_for_campaign(
    principal: Principal, *, schedule_id: int, brand_id: int, field: str = "dayparting_schedule"
) -> None:
    """A campaign may use a schedule its caller may read that is shared or belongs to a team
    holding the campaign's brand. Raises ``ValidationError`` on ``field``: one the caller may
    not read is refused exactly as one that does not exist (one query)."""
    visible = schedules_in_scope(DaypartingSchedule.objects.filter(pk=schedule_id), principal)
    holds_brand = TeamBrand.objects.filter(team_id=OuterRef("team_id"), brand_id=brand_id)
    row = (
        visible.annotate(fits=ExpressionWrapper(Q(team__isnull=True) | Exists(holds_brand), BooleanField()))
        .values_list("name", "team__name", "fits")
        .first()
    )
    if row is None:
        raise ValidationError({field: [f"Schedule {schedule_id} does not exist."]})
    name, team, fits = row
    if not fits:
        raise ValidationError(
            {
                field: [
                    f"Schedule {name!r} belongs to team {team!r}, which does not hold this campaign's "
                    "brand: use a shared schedule or one of a team that holds the brand."
                ]
            }
        )


# --- A new brand or schedule joins a team ---------------------------------------------------


def team_for_new_object(
    principal: Principal, team_id: int | None, *, what: str, subset_keys_refused: bool = False
) -> Team | None:
    """The team a brand or schedule created by ``principal`` joins (``team_id`` as asked).

    * Ops staff and superusers: the team asked for, or none (a brand of no team is seen by
      ops only; a schedule of no team is shared).
    * An API key: its own team (asking for another answers as for a team that does not exist);
      with ``subset_keys_refused`` (brands), a key limited to some brands may not create.
    * A person: a team they manage; they may omit it when they manage exactly one. Asking
      for a team they do not manage answers as for a team that does not exist.

    Raises ``ValidationError`` on ``team``, or ``PermissionDenied`` for a caller who may
    create in no team.
    """
    unknown = ValidationError({"team": ["No team you manage has this id."]})
    if sees_everything(principal):
        if team_id is None:
            return None
        team = Team.objects.filter(pk=team_id).first()
        if team is None:
            raise ValidationError({"team": ["No such team."]})
        return team
    if subset_keys_refused and isinstance(principal, ApiKey) and principal.brands.exists():
        raise PermissionDenied(f"A key limited to some brands cannot create {what}.")
    managed = teams_in_scope(principal, Action.CHANGE)
    if team_id is not None:
        chosen: Team | None = managed.filter(pk=team_id).first()
        if chosen is None:
            raise unknown
        return chosen
    candidates = list(managed.order_by("pk")[:2])
    if not candidates:
        raise PermissionDenied(f"Only a team's managers create {what}.")
    if len(candidates) > 1:
        raise ValidationError({"team": [f"You manage several teams: say which one the new {what} joins."]})
    return candidates[0]


# --- Spend: which of the campaigns a request names the caller may know of and record on --


@dataclass(frozen=True, slots=True)
class SpendScope:
    visible: frozenset[int] | None  # of the campaigns asked for, those the caller may see (None: all)
    not_recordable: frozenset[int]  # visible, but the caller's role does not record spend there


def spend_scope(principal: Principal, campaign_ids: Iterable[int]) -> SpendScope:
    """What the caller may do with the campaigns a spend request names: no query for ops,
    at most two otherwise (the visible campaigns, then the roles on their brands)."""
    ids = set(campaign_ids)
    readable = brand_ids_in_scope(principal, Action.READ)
    if readable is None:
        return SpendScope(visible=None, not_recordable=frozenset())
    rows = dict(Campaign.objects.filter(pk__in=ids, brand_id__in=readable).values_list("pk", "brand_id"))
    refused = brand_ids_out_of_scope(principal, Action.RECORD_SPEND, set(rows.values()))
    return SpendScope(
        visible=frozenset(rows),
        not_recordable=frozenset(pk for pk, brand_id in rows.items() if brand_id in refused),
    )
