"""Who changed something: a person, an API token, or a system job.

Every audit event names its actor. Services take an ``Actor`` keyword argument; the
caller (a view, an admin action, a command, a task) builds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str  # one of "user", "token", "system"
    label: str
    user_id: int | None = None

    USER = "user"
    TOKEN = "token"  # noqa: S105 - an actor kind, not a secret
    SYSTEM = "system"

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(kind=cls.SYSTEM, label=job)

    @classmethod
    def for_user(cls, user: AbstractBaseUser | AnonymousUser | Any, *, via_token: bool = False) -> Actor:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(kind=cls.SYSTEM, label="anonymous")
        username = str(user.get_username())
        return cls(
            kind=cls.TOKEN if via_token else cls.USER,
            label=username,
            user_id=int(cast(int, user.pk)),
        )


SYSTEM_ACTOR = Actor.system("system")
