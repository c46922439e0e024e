"""SSRF (acceptance 5): in production settings, deliveries never reach loopback, private or
link-local addresses, whether written in the URL, behind a name, or behind a redirect."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from events.transport import UrlPolicy, UrlRefusedError, post, validate_url

PRODUCTION = UrlPolicy(https_only=True, allow_private=False)
PUBLIC_HTTP = UrlPolicy(https_only=False, allow_private=False)  # to reach a local test server
PUBLIC_ADDRESS = "93.184.216.34"

REFUSED_URLS = [
    "http://hooks.example.com/",  # not https
    "ftp://hooks.example.com/",
    "https://127.0.0.1/hook",
    "https://127.1.2.3:8443/hook",
    "https://localhost/hook",
    "https://api.localhost/hook",
    "https://10.0.0.7/hook",
    "https://172.16.5.4/hook",
    "https://192.168.1.10/hook",
    "https://169.254.169.254/latest/meta-data/",  # link-local: cloud metadata
    "https://100.64.0.1/hook",  # shared address space
    "https://0.0.0.0/hook",
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[fd00::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://user:secret@hooks.example.com/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_urls_written_with_a_forbidden_target_are_refused_in_production(url: str) -> None:
    with pytest.raises(UrlRefusedError):
        validate_url(url, PRODUCTION)
    assert post(url, b"{}", {}, policy=PRODUCTION).error.startswith("refused")


def test_a_public_https_url_is_accepted() -> None:
    validate_url("https://hooks.example.com:8443/budget?x=1", PRODUCTION)


class Calls:
    def __init__(self) -> None:
        self.lookups: list[str] = []
        self.connects: list[tuple[str, int]] = []


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> tuple[Calls, dict[str, list[str]], list[int]]:
    """Fake DNS (name -> addresses) and a connect that reaches the local server whatever the
    address: the test sees which address the transport chose to connect to."""
    calls, local_port = Calls(), [0]
    names: dict[str, list[str]] = {}

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        calls.lookups.append(host)
        if host not in names:
            raise socket.gaierror(f"unknown name {host}")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in names[host]]

    def create_connection(
        address: tuple[str, int], timeout: float | None = None, *args: Any
    ) -> socket.socket:
        calls.connects.append(address)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", local_port[0]))  # no lookup: getaddrinfo is the fake
        return sock

    monkeypatch.setattr("events.transport.socket.getaddrinfo", getaddrinfo)
    monkeypatch.setattr("events.transport.socket.create_connection", create_connection)
    return calls, names, local_port


@pytest.mark.parametrize(
    "addresses",
    [["127.0.0.1"], ["10.1.2.3"], ["169.254.169.254"], ["::1"], [PUBLIC_ADDRESS, "192.168.0.9"]],
)
def test_names_that_resolve_to_forbidden_addresses_are_refused_without_connecting(
    network: tuple[Calls, dict[str, list[str]], list[int]], addresses: list[str]
) -> None:
    calls, names, _ = network
    names["hooks.example.com"] = addresses

    result = post("https://hooks.example.com/", b"{}", {}, policy=PRODUCTION)

    assert result.status_code is None
    assert result.error.startswith("refused: hooks.example.com")
    assert calls.connects == []


@pytest.fixture
def local_server() -> Iterator[tuple[list[dict[str, str]], list[int]]]:
    """A plain HTTP server answering 302 to the cloud metadata address, or 200 with a big body."""
    requests: list[dict[str, str]] = []
    mode = [302]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            requests.append({key.lower(): value for key, value in self.headers.items()})
            if mode[0] == 302:
                self.send_response(302)
                self.send_header("location", "http://169.254.169.254/latest/meta-data/")
                self.send_header("content-length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("content-length", str(10 * 1024 * 1024))
            self.end_headers()
            for _ in range(160):
                self.wfile.write(b"x" * 65536)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    requests.append({"port": str(server.server_address[1])})
    try:
        yield requests, mode
    finally:
        server.shutdown()
        server.server_close()


def test_the_connection_goes_to_the_checked_address_and_redirects_are_not_followed(
    network: tuple[Calls, dict[str, list[str]], list[int]],
    local_server: tuple[list[dict[str, str]], list[int]],
) -> None:
    calls, names, local_port = network
    requests, _ = local_server
    local_port[0] = int(requests.pop(0)["port"])
    names["hooks.example.com"] = [PUBLIC_ADDRESS]

    result = post(
        "http://hooks.example.com/budget", b"{}", {"content-type": "application/json"}, policy=PUBLIC_HTTP
    )

    # then: one lookup, one connection, to the address that was checked; the 302 is a failure
    assert calls.lookups == ["hooks.example.com"]
    assert calls.connects == [(PUBLIC_ADDRESS, 80)]
    assert result.status_code == 302
    assert not result.ok
    assert len(requests) == 1
    assert requests[0]["host"] == "hooks.example.com"


def test_the_answer_is_read_up_to_the_cap(
    network: tuple[Calls, dict[str, list[str]], list[int]],
    local_server: tuple[list[dict[str, str]], list[int]],
) -> None:
    _, names, local_port = network
    requests, mode = local_server
    local_port[0] = int(requests.pop(0)["port"])
    mode[0] = 200
    names["hooks.example.com"] = [PUBLIC_ADDRESS]

    result = post("http://hooks.example.com/", b"{}", {}, policy=PUBLIC_HTTP, max_bytes=1024)

    assert result.ok


def test_a_slow_receiver_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        port = listener.getsockname()[1]
        policy = UrlPolicy(https_only=False, allow_private=True)
        result = post(f"http://127.0.0.1:{port}/", b"{}", {}, policy=policy, timeout=0.5)
    finally:
        listener.close()
    assert result.status_code is None
    assert "timed out" in result.error.lower()


@pytest.mark.django_db
def test_the_api_refuses_a_private_endpoint_url_in_production_settings(admin_client: Any) -> None:
    with override_settings(WEBHOOK_HTTPS_ONLY=True, WEBHOOK_ALLOW_PRIVATE_URLS=False):
        for url in ("https://10.0.0.7/hook", "http://hooks.example.com/", "https://localhost/x"):
            answer = admin_client.post(
                "/api/v1/webhook-endpoints/", {"url": url}, content_type="application/json"
            )
            assert answer.status_code == 400, answer.content
            assert "url" in answer.json()


def test_production_settings_allow_https_to_public_addresses_only() -> None:
    env = {key: value for key, value in os.environ.items() if key != "WEBHOOK_ALLOW_PRIVATE_URLS"}
    env.update(
        DJANGO_SETTINGS_MODULE="budget_system.settings_production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="budget.example.com",
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.WEBHOOK_HTTPS_ONLY, s.WEBHOOK_ALLOW_PRIVATE_URLS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]


def test_https_goes_to_the_checked_address_with_the_host_name_for_tls(
    network: tuple[Calls, dict[str, list[str]], list[int]], tmp_path: Path
) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    calls, names, local_port = network
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=hooks.example.com", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    server_names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    local_port[0] = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        with contextlib.suppress(ssl.SSLError, OSError):
            context.wrap_socket(connection, server_side=True).close()
        connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    names["hooks.example.com"] = [PUBLIC_ADDRESS]
    try:
        result = post("https://hooks.example.com/budget", b"{}", {}, policy=PRODUCTION, timeout=5)
    finally:
        thread.join(timeout=10)
        listener.close()

    # then: TLS to the checked address, with the name as server name, and the (self-signed)
    # certificate refused: nothing is sent to a server that cannot prove it is the name
    assert calls.connects == [(PUBLIC_ADDRESS, 443)]
    assert server_names == ["hooks.example.com"]
    assert result.status_code is None
    assert "CERTIFICATE_VERIFY_FAILED" in result.error
