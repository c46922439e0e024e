"""Writes of teams and API keys (``<entity>_<action>``, keyword-only, transactional).

An API key is created with its service account in one transaction and its plaintext is
returned to the caller once (``CreatedApiKey.key``); only its hash is stored, and nothing
here logs it. Every change appends its event in its own transaction (``team.created``,
``team.updated``, ``api_key.created``, ``api_key.revoked``): never a secret, the key's
prefix tells keys apart. ``api_key_record_use`` moves ``last_used_at`` with a conditional update so
that, of many concurrent requests, at most one writes per minute.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from brands.models import Brand
from brands.services import brand_create
from core.actors import Actor
from core.timeutils import now
from events.services import event_append
from events.types import EventType, field_changes
from scheduling.models import DaypartingSchedule
from scheduling.services import schedule_create

from .models import ACTOR_LABEL_MAX_LENGTH, ApiKey, Team, TeamMember
from .roles import KEY_ROLE_GROUPS, MAX_EXPIRY, Role

logger = logging.getLogger("budget.access")

# ``last_used_at`` is written at most once per this interval per key.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
NAME_MAX_LENGTH = ApiKey._meta.get_field("name").max_length or 50


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    api_key: ApiKey
    key: str  # "<prefix>.<secret>": shown once, never stored


def _actor_label(actor: Actor) -> str:
    return f"{actor.kind}: {actor.label}"[:ACTOR_LABEL_MAX_LENGTH]


# --- Teams ------------------------------------------------------------------------------


def _check_members(members: list[tuple[int, str]]) -> None:
    users = [user_id for user_id, _ in members]
    if len(set(users)) != len(users):
        raise ValidationError({"members": ["A person appears twice: give each member one role."]})
    for _, role in members:
        if role not in Role.values:
            raise ValidationError({"members": [f"Unknown role {role!r}: one of {', '.join(Role.values)}."]})


def _set_members(team: Team, members: list[tuple[int, str]]) -> None:
    wanted = dict(members)
    TeamMember.objects.filter(team=team).exclude(user_id__in=wanted).delete()
    current = dict(TeamMember.objects.filter(team=team).values_list("user_id", "role"))
    for user_id, role in wanted.items():
        if user_id not in current:
            TeamMember.objects.create(team=team, user_id=user_id, role=role)
        elif current[user_id] != role:
            TeamMember.objects.filter(team=team, user_id=user_id).update(role=role)


def _team_audited(team: Team) -> dict[str, object]:
    """A team as its events show it: name, brand ids, ``{username: role}`` of its members."""
    members = TeamMember.objects.filter(team=team).order_by("user__username")
    return {
        "name": team.name,
        "brands": sorted(team.brands.values_list("pk", flat=True)),
        "members": dict(members.values_list("user__username", "role")),
    }


@transaction.atomic
def team_create(
    *,
    name: str,
    brand_ids: Iterable[int] = (),
    members: Iterable[tuple[int, str]] = (),
    actor: Actor | None = None,
) -> Team:
    """A team with its brands and its members (``(user_id, role)`` pairs)."""
    member_list = list(members)
    _check_members(member_list)
    team = Team(name=name.strip())
    team.full_clean()
    team.save()
    team.brands.set(list(brand_ids))
    _set_members(team, member_list)
    event_append(
        type=EventType.TEAM_CREATED,
        actor=actor,
        data={"team": team.pk, "changes": field_changes({}, _team_audited(team))},
    )
    logger.info("team created", extra={"team_id": team.pk, "team": team.name})
    return team


@transaction.atomic
def team_update(
    *,
    team_id: int,
    name: str | None = None,
    brand_ids: Iterable[int] | None = None,
    members: Iterable[tuple[int, str]] | None = None,
    actor: Actor | None = None,
) -> Team:
    """Change what is given: the name, the whole set of brands, the whole set of members."""
    team = Team.objects.select_for_update().get(pk=team_id)
    before = _team_audited(team)
    if name is not None and name.strip() != team.name:
        team.name = name.strip()
        team.full_clean()
        team.save(update_fields=["name", "updated_at"])
    if brand_ids is not None:
        team.brands.set(list(brand_ids))
    if members is not None:
        member_list = list(members)
        _check_members(member_list)
        _set_members(team, member_list)
    changes = field_changes(before, _team_audited(team))
    if changes:
        event_append(type=EventType.TEAM_UPDATED, actor=actor, data={"team": team.pk, "changes": changes})
    return team


# --- Brands and schedules created for a team ---------------------------------------------
# Who may create in which team is the caller's check (``access.selectors.team_for_new_object``).


@transaction.atomic
def brand_create_in_team(*, team_id: int | None, actor: Actor | None = None, **fields: Any) -> Brand:
    """``brands.services.brand_create`` and, in the same transaction, the new brand joins
    ``team_id`` (``None``: no team; only ops see such a brand) through ``team_update``, so
    the log has the team's change too."""
    brand = brand_create(actor=actor, **fields)
    if team_id is not None:
        team = Team.objects.select_for_update().get(pk=team_id)  # its brands, read under its lock
        team_update(
            team_id=team_id, brand_ids=[*team.brands.values_list("pk", flat=True), brand.pk], actor=actor
        )
    return brand


@transaction.atomic
def schedule_create_in_team(*, team_id: int | None, **fields: Any) -> DaypartingSchedule:
    """``scheduling.services.schedule_create``, the schedule belonging to ``team_id`` (``None``:
    shared by every team), in one transaction."""
    schedule = schedule_create(**fields)
    if team_id is not None:
        DaypartingSchedule.objects.filter(pk=schedule.pk).update(team_id=team_id)
        schedule.team_id = team_id
    return schedule


# --- API keys ---------------------------------------------------------------------------


def _key_group(role: str) -> Group:
    name = KEY_ROLE_GROUPS[role]
    group = Group.objects.filter(name=name).first()
    if group is None:
        raise ValidationError(
            {"role": [f"The permission group {name!r} is missing: run manage.py create_api_groups."]}
        )
    return group


@transaction.atomic
def api_key_create(
    *,
    team_id: int,
    role: str,
    name: str,
    brand_ids: Iterable[int] = (),
    expires_at: dt.datetime | None = None,
    actor: Actor,
) -> CreatedApiKey:
    """A new key of ``team_id``; its plaintext is in the result and nowhere else.

    ``brand_ids`` (optional) must all be brands of the team; ``expires_at`` (optional) must
    lie in the future. The key's service account is created with it and put in the API
    permission group of its role.
    """
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Give the key a name (who or what uses it)."]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [f"At most {NAME_MAX_LENGTH} characters."]
    if role not in Role.values:
        errors["role"] = [f"One of {', '.join(Role.values)}."]
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        errors["team"] = ["No such team."]
    wanted = sorted(set(brand_ids))
    if team is not None and wanted:
        own = set(team.brands.filter(pk__in=wanted).values_list("pk", flat=True))
        if own != set(wanted):
            errors["brands"] = ["Every brand must be one of the team's brands."]
    if expires_at is not None and expires_at <= now():
        errors["expires_at"] = ["The expiry must lie in the future."]
    elif expires_at is not None and expires_at > now() + MAX_EXPIRY:
        errors["expires_at"] = ["A key expires within ten years."]
    if errors:
        raise ValidationError(errors)
    assert team is not None
    api_key = ApiKey(team=team, role=role, name=name, expiry_date=expires_at, created_by=_actor_label(actor))
    key = ApiKey.objects.assign_key(api_key)
    user = get_user_model().objects.create_user(username=f"api-key-{api_key.prefix}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(_key_group(role))
    api_key.user = user
    api_key.save()
    if wanted:
        api_key.brands.set(wanted)
    event_append(
        type=EventType.API_KEY_CREATED,
        actor=actor,
        data={
            "api_key": api_key.pk,
            "name": api_key.name,
            "prefix": api_key.prefix,
            "team": team.pk,
            "role": role,
            "brands": wanted,
            "expires_at": expires_at,
        },
    )
    logger.info(
        "API key created",
        extra={"api_key_id": api_key.pk, "prefix": api_key.prefix, "team_id": team.pk, "role": role},
    )
    return CreatedApiKey(api_key=api_key, key=key)


@transaction.atomic
def api_key_revoke(*, api_key_id: int, actor: Actor) -> ApiKey:
    """Revoke a key (for good) and deactivate its service account; revoking twice is harmless."""
    api_key: ApiKey = ApiKey.objects.select_for_update().select_related("user").get(pk=api_key_id)
    if api_key.revoked:
        return api_key
    api_key.revoked = True
    api_key.revoked_at = now()
    api_key.revoked_by = _actor_label(actor)
    api_key.save(update_fields=["revoked", "revoked_at", "revoked_by"])
    api_key.user.is_active = False
    api_key.user.save(update_fields=["is_active"])
    event_append(
        type=EventType.API_KEY_REVOKED,
        actor=actor,
        data={"api_key": api_key.pk, "name": api_key.name, "prefix": api_key.prefix, "team": api_key.team_id},
    )
    logger.info("API key revoked", extra={"api_key_id": api_key.pk, "prefix": api_key.prefix})
    return api_key


def api_key_record_use(*, api_key_id: int, moment: dt.datetime | None = None) -> bool:
    """Set ``last_used_at`` unless it was set less than a minute ago; True when this call
    wrote. A conditional update: of concurrent requests only one matches the row."""
    moment = moment or now()
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=moment - LAST_USED_RESOLUTION)
    return ApiKey.objects.filter(stale, pk=api_key_id).update(last_used_at=moment) == 1
