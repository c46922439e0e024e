"""SSRF-safe HTTP POST of webhook deliveries (no database).

* ``http``/``https`` only (``https`` only when ``WEBHOOK_HTTPS_ONLY``, as in production);
  no credentials in the URL;
* the host name is resolved once, every address it resolves to is checked (loopback,
  private, link-local, multicast, reserved and other non-global addresses are refused unless
  ``WEBHOOK_ALLOW_PRIVATE_URLS``), and the connection goes to a checked address (the name
  is only the ``Host`` header and the TLS server name), so a second lookup cannot swap it;
* redirects are never followed (a 3xx is a failed delivery); at most
  ``WEBHOOK_MAX_RESPONSE_BYTES`` of the answer are read; ``WEBHOOK_TIMEOUT_SECONDS`` bounds
  the whole exchange.
"""

from __future__ import annotations

import errno
import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlRefusedError(ValueError):
    """The URL may not be delivered to (scheme, credentials, or a non-public address)."""


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    https_only: bool
    allow_private: bool

    @classmethod
    def from_settings(cls) -> UrlPolicy:
        return cls(
            https_only=bool(settings.WEBHOOK_HTTPS_ONLY),
            allow_private=bool(settings.WEBHOOK_ALLOW_PRIVATE_URLS),
        )


@dataclass(frozen=True, slots=True)
class PostResult:
    status_code: int | None
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _parsed(url: str, policy: UrlPolicy) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise UrlRefusedError(f"not a valid URL: {error}") from None
    allowed = ("https",) if policy.https_only else ("http", "https")
    if parts.scheme not in allowed:
        raise UrlRefusedError(f"the URL must start with {' or '.join(f'{s}://' for s in allowed)}")
    if not parts.hostname:
        raise UrlRefusedError("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UrlRefusedError("the URL may not carry credentials")
    return parts


def address_refusal(address: IPAddress) -> str | None:
    """Why a delivery may not go to ``address`` (``None``: a public address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for check, words in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_private", "private"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_reserved", "reserved"),
    ):
        if getattr(address, check):
            return f"{address} is a {words} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def validate_url(url: str, policy: UrlPolicy | None = None) -> None:
    """What can be told without a DNS lookup (when an endpoint is saved): scheme,
    credentials, and an address or ``localhost`` written in the URL."""
    policy = policy or UrlPolicy.from_settings()
    parts = _parsed(url, policy)
    if policy.allow_private:
        return
    host = (parts.hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise UrlRefusedError(f"{host} is a loopback name")
    literal = _literal(host)
    if literal is not None:
        refusal = address_refusal(literal)
        if refusal:
            raise UrlRefusedError(refusal)


def resolve(host: str, port: int, policy: UrlPolicy) -> list[IPAddress]:
    """The addresses to connect to; all of them checked (one bad answer refuses the name)."""
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise UrlRefusedError(f"cannot resolve {host}: {error}") from None
        addresses = []
        for answer in answers:
            address = ipaddress.ip_address(str(answer[4][0]).split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
    if not addresses:
        raise UrlRefusedError(f"{host} resolves to no address")
    if not policy.allow_private:
        for address in addresses:
            refusal = address_refusal(address)
            if refusal:
                raise UrlRefusedError(f"{host}: {refusal}")
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a checked address; the host name stays in the ``Host`` header."""

    def __init__(self, host: str, port: int, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._address), self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address
        self._tls = ssl.create_default_context()

    def connect(self) -> None:
        raw = socket.create_connection((str(self._address), self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    policy: UrlPolicy | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> PostResult:
    """POST ``body`` to ``url``; never raises for network or policy errors (they come back
    as ``error``). A 2xx answer is a delivery; anything else is not."""
    policy = policy or UrlPolicy.from_settings()
    timeout = float(timeout if timeout is not None else settings.WEBHOOK_TIMEOUT_SECONDS)
    max_bytes = int(max_bytes if max_bytes is not None else settings.WEBHOOK_MAX_RESPONSE_BYTES)
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        parts = _parsed(url, policy)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = resolve(host, port, policy)
    except UrlRefusedError as error:
        return PostResult(None, elapsed_ms(), f"refused: {error}")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    last_error = ""
    for address in addresses:
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            break
        connection = connection_class(host, port, address, remaining)
        try:
            connection.request("POST", target, body=body, headers=dict(headers))
            response = connection.getresponse()
            _read_capped(response, max_bytes, deadline=started + timeout)
            return PostResult(response.status, elapsed_ms())
        except (OSError, http.client.HTTPException) as error:
            last_error = f"{type(error).__name__}: {error}"
            if not _may_try_next(error):
                break
        finally:
            connection.close()
    return PostResult(None, elapsed_ms(), last_error[:500] or "timed out")


def _may_try_next(error: Exception) -> bool:
    """Try the next address only when this one could not be reached at all."""
    return isinstance(error, ConnectionRefusedError) or (
        isinstance(error, OSError) and error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)
    )


def _read_capped(response: http.client.HTTPResponse, max_bytes: int, *, deadline: float) -> int:
    """Read at most ``max_bytes`` of the body (the rest is dropped with the connection)."""
    read = 0
    while read < max_bytes:
        if time.monotonic() > deadline:
            raise TimeoutError("the answer took longer than the timeout")
        chunk = response.read(min(65536, max_bytes - read))
        if not chunk:
            break
        read += len(chunk)
    return read
