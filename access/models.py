"""Teams, their members and their API keys: who may see and act on which brands.

* ``Team``: a name and a set of brands (a brand may belong to several teams).
* ``TeamMember``: a person's role in one team (``access.roles.Role``).
* ``ApiKey``: a key of one team with a role, an optional subset of the team's brands and an
  optional expiry. Only a SHA-512 hash of the key is stored (djangorestframework-api-key's
  ``AbstractAPIKey`` and key generator); the key itself, ``<prefix>.<secret>``, is shown once.
  Each key acts through its own service account (``user``: no password, not staff, in the
  API permission group of its role), so that model permissions, per-caller throttling and
  ``Idempotency-Key`` apply to keys as to people.

Scopes are computed in ``access.selectors``; every write is in ``access.services``.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

from brands.models import Brand
from core.models import TimeStampedModel

from .roles import Role

ROLE_MAX_LENGTH = 16
ACTOR_LABEL_MAX_LENGTH = 150


class Team(TimeStampedModel):
    name = models.CharField(max_length=100, unique=True)
    brands = models.ManyToManyField(Brand, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(max_length=ROLE_MAX_LENGTH, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "user"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_member_unique"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="team_member_role_valid"),
        ]
        indexes = [models.Index(fields=["user", "role"], name="team_member_user_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.team}"


class ApiKeyManager(APIKeyManager):
    """The library's manager, for an integer primary key: its ``assign_key`` would also set
    the primary key to ``<prefix>.<hash>``; here the key gets only its prefix and hash."""

    def assign_key(self, obj: AbstractAPIKey) -> str:
        key, prefix, hashed_key = self.key_generator.generate()
        obj.prefix = prefix
        obj.hashed_key = hashed_key
        return str(key)


class ApiKey(AbstractAPIKey):
    """Inherited: ``prefix`` (shown, unique), ``hashed_key``, ``name``, ``created``,
    ``revoked`` (cannot be undone), ``expiry_date``."""

    id = models.BigAutoField(primary_key=True)  # type: ignore[assignment]  # the library's is a string
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="api_keys")
    role = models.CharField(max_length=ROLE_MAX_LENGTH, choices=Role.choices)
    brands = models.ManyToManyField(
        Brand,
        related_name="api_keys",
        blank=True,
        help_text="Empty: every brand of the team. Otherwise only these (they must be the team's).",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_key",
        editable=False,
        help_text="The key's service account (no password, not staff).",
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.CharField(max_length=ACTOR_LABEL_MAX_LENGTH, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.CharField(max_length=ACTOR_LABEL_MAX_LENGTH, blank=True, editable=False)

    objects: ClassVar[ApiKeyManager] = ApiKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="api_key_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def is_usable_at(self, moment: dt.datetime) -> bool:
        """Not revoked and not expired at ``moment``."""
        return not self.revoked and (self.expiry_date is None or moment < self.expiry_date)
