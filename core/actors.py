"""Who changed something: a person, an API token, an API key, or a system job.

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
    kind: str  # one of "user", "token", "api_key", "system"
    label: str  # the username, the API key's name, or the job
    user_id: int | None = None  # for an API key: its service account
    api_key_id: int | None = None

    USER = "user"
    TOKEN = "token"  # noqa: S105 - an actor kind, not a secret
    API_KEY = "api_key"
    SYSTEM = "system"

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(kind=cls.SYSTEM, label=job)

    @classmethod
    def for_api_key(cls, *, api_key_id: int, name: str, user_id: int | None = None) -> Actor:
        """A request authenticated with an API key: the key's name, its id and its account."""
        return cls(kind=cls.API_KEY, label=name, user_id=user_id, api_key_id=api_key_id)

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
