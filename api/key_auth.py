"""``Authorization: Api-Key <prefix>.<secret>``: a team's API key (``access.models.ApiKey``).

A valid key authenticates as its service account (``request.user``, so model permissions,
throttling and ``Idempotency-Key`` work as for people) with the key itself as
``request.auth``; the scope of the request is the key's (``access.selectors.principal_of``).
An unknown, revoked or expired key answers 401. ``last_used_at`` is recorded at most once a
minute. Nothing here logs the key.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from access.models import ApiKey
from access.selectors import api_key_matching
from access.services import LAST_USED_RESOLUTION, api_key_record_use
from core.actors import Actor
from core.timeutils import now

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid API key header: send `Api-Key <key>`.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        key = api_key_matching(raw)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        # Only the holder of the secret learns why a real key is refused.
        moment = now()
        if key.revoked:
            raise exceptions.AuthenticationFailed("This API key was revoked.")
        if not key.is_usable_at(moment):
            raise exceptions.AuthenticationFailed("This API key has expired.")
        if not key.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if key.last_used_at is None or moment - key.last_used_at >= LAST_USED_RESOLUTION:
            api_key_record_use(api_key_id=key.pk, moment=moment)
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


def api_key_actor(request: Request) -> Actor | None:
    """The actor of a request authenticated with an API key (its name and id), else ``None``."""
    key = request.auth
    if not isinstance(key, ApiKey):
        return None
    return Actor.for_api_key(api_key_id=key.pk, name=key.name, user_id=key.user_id)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The security scheme of ``ApiKeyAuthentication`` in the OpenAPI schema."""

    target_class = "api.key_auth.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A team's API key: `Api-Key <prefix>.<secret>` (shown once when the key is created)."
            ),
        }
