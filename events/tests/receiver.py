"""A real HTTP receiver on 127.0.0.1 for the webhook tests: it verifies every delivery's
signature with the ``standardwebhooks`` library and records what arrived."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Arrival:
    webhook_id: str
    body: dict[str, Any]
    verified: bool
    status: int


@dataclass
class Receiver:
    """Answers ``answer(n, webhook_id)`` to the n-th request (0-based); ``secret`` verifies
    signatures (a delivery that fails verification is answered 400)."""

    secret: str = ""
    answer: Callable[[int, str], int] = lambda n, webhook_id: 200
    delay: Callable[[int], float] = lambda n: 0.0
    arrivals: list[Arrival] = field(default_factory=list)
    started: int = 0  # requests received, answered or not yet
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def delivered(self) -> list[Arrival]:
        """The 2xx arrivals, deduplicated by ``webhook-id`` (first arrival kept), in order."""
        seen: set[str] = set()
        kept = []
        with self.lock:
            for arrival in self.arrivals:
                if 200 <= arrival.status < 300 and arrival.webhook_id not in seen:
                    seen.add(arrival.webhook_id)
                    kept.append(arrival)
        return kept

    def ids(self) -> list[int]:
        return [int(arrival.webhook_id) for arrival in self.delivered()]

    def wait_for(self, count: int, timeout: float = 30) -> list[Arrival]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.delivered()) >= count:
                return self.delivered()
            time.sleep(0.05)
        raise AssertionError(f"{len(self.delivered())} of {count} deliveries arrived: {self.arrivals}")


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with receiver.lock:
                number = receiver.started
                receiver.started += 1
            time.sleep(receiver.delay(number))
            headers = {key.lower(): value for key, value in self.headers.items()}
            try:
                parsed = Webhook(receiver.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                parsed, verified = json.loads(body), False
            status = receiver.answer(number, headers.get("webhook-id", "")) if verified else 400
            with receiver.lock:
                receiver.arrivals.append(Arrival(headers.get("webhook-id", ""), parsed, verified, status))
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def running(receiver: Receiver) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
