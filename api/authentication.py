"""Token authentication that looks a key up only when it could be one."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication; a key that is not 1-40 letters and digits is refused
    before any query (a NUL byte would otherwise reach PostgreSQL and fail there)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        if not (0 < len(key) <= 40 and key.isascii() and key.isalnum()):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
