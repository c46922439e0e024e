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
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from django.db.models import Exists, Model, OuterRef, QuerySet
from rest_framework_api_key.crypto import KeyGenerator

from brands.models import Brand
from core.timeutils import now

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
