"""Roles in a team and what each allows on the team's brands (pure: no queries).

A person or an API key acts on a brand only through a team that holds the brand. The role
decides the *kind* of action; Django model permissions (the API groups) still decide the
*objects' types* a person may touch, so a person needs both (see ``access.selectors``).

| role | read | change (brands, campaigns, schedules, budgets) | record spend |
|---|---|---|---|
| ``viewer`` | yes | no | no |
| ``integration`` | yes | no | yes |
| ``manager`` | yes | yes | yes |

A team manager also creates and revokes the team's API keys.
"""

from __future__ import annotations

import datetime as dt
import enum
import re

from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer (read)"
    INTEGRATION = "integration", "Integration (read, record spend)"
    MANAGER = "manager", "Manager (change brands, campaigns, schedules, budgets; record spend)"


class Action(enum.StrEnum):
    READ = "read"
    CHANGE = "change"
    RECORD_SPEND = "record_spend"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.VIEWER: frozenset({Action.READ}),
    Role.INTEGRATION: frozenset({Action.READ, Action.RECORD_SPEND}),
    Role.MANAGER: frozenset({Action.READ, Action.CHANGE, Action.RECORD_SPEND}),
}


def roles_allowing(action: Action) -> list[str]:
    """The roles whose members may do ``action`` (sorted, for stable SQL)."""
    return sorted(str(role) for role, actions in ROLE_ACTIONS.items() if action in actions)


def role_allows(role: str, action: Action) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())


# The group whose *staff* members (and every superuser) see every brand. The same name as
# ``api.groups.OPS`` (a test holds them together; this app cannot import the API layer).
OPS_GROUP = "ops"

# An API key acts through a service account (see ``access.models.ApiKey``) that is put in the
# API permission group matching its role, so model permissions, throttling and
# ``Idempotency-Key`` work for keys exactly as for people. The names are those of
# ``api.groups`` (checked by a test). Membership of ``ops`` gives a key no wider scope: a
# key's scope is always its team's brands (or its subset of them).
KEY_ROLE_GROUPS: dict[str, str] = {
    Role.VIEWER: "read-only",
    Role.INTEGRATION: "integration",
    Role.MANAGER: OPS_GROUP,
}

_DURATION = re.compile(r"^\s*(\d{1,6})\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_EXPIRY = dt.timedelta(days=3660)


def parse_expires_in(text: str) -> dt.timedelta:
    """``"90d"`` -> 90 days. Units: ``m`` minutes, ``h`` hours, ``d`` days, ``w`` weeks;
    from one minute to ten years. ``ValueError`` with a message for anything else."""
    match = _DURATION.match(text or "")
    if match is None:
        raise ValueError(f"Give a duration such as 90d, 12h, 2w or 30m (got {text!r}).")
    delta = dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if not dt.timedelta(minutes=1) <= delta <= MAX_EXPIRY:
        raise ValueError("A key expires between one minute and ten years from now.")
    return delta
