"""Token authentication that looks a key up only when it could be one, and limits failed
attempts per client address (``api.throttling.AuthFailureLimit``)."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .throttling import auth_failures, client_address


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication; a key that is not 1-40 letters and digits is refused
    before any query (a NUL byte would otherwise reach PostgreSQL and fail there). An
    address past its limit of failures gets 429 before any lookup."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        address = client_address(request)
        auth_failures.check(address)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            auth_failures.failed(address)
            raise

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        if not (0 < len(key) <= 40 and key.isascii() and key.isalnum()):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
