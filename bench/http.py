"""The figures over HTTP: gunicorn serving the app, a load generator on loopback."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.measures import ROOT, Figure


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings_module() -> str:
    production = ROOT / "budget_system" / "settings_production.py"
    return "budget_system.settings_production" if production.exists() else "budget_system.settings"


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module(),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
        # The bench measures the application, not the throttle.
        "API_THROTTLE_READ_RATE": "100000000/minute",
        "API_THROTTLE_WRITE_RATE": "100000000/minute",
        **(extra or {}),
    }


@dataclass(frozen=True)
class Server:
    port: int
    pid: int  # gunicorn's master; its workers are its children


@contextlib.contextmanager
def gunicorn(workers: int) -> Iterator[Server]:
    """gunicorn as deployed (the production settings and ``gunicorn_conf.py``) on a free
    loopback port."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "budget_system/gunicorn_conf.py",
        "budget_system.wsgi:application",
    ]
    env = server_env({"PORT": str(port), "GUNICORN_BIND_HOST": "127.0.0.1", "WEB_CONCURRENCY": str(workers)})
    logs = ROOT / "bench" / "results"
    logs.mkdir(parents=True, exist_ok=True)
    log = (logs / "gunicorn.log").open("a")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter
        command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/api/v1/health/")
                connection.getresponse().read()
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer within 60 s")
        yield Server(port, process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the gunicorn processes, by every
    PostgreSQL process of this machine and by this process (the load generator); empty
    without ``/proc``. Where a request's cost lies, since the figures are CPU-bound."""
    totals = {"gunicorn": 0.0, "postgres": 0.0, "load generator": 0.0}
    proc = Path("/proc")
    if not proc.is_dir():
        return {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        pid, parent = int(entry.name), int(fields[1])
        used = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        if pid == server_pid or parent == server_pid:
            totals["gunicorn"] += used
        elif name == "postgres":
            totals["postgres"] += used
        elif pid == os.getpid():
            totals["load generator"] += used
    return totals


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by process group

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000

    def cpu_ms_per_request(self) -> dict[str, float]:
        per = {group: round(seconds * 1000 / self.requests, 3) for group, seconds in self.cpu.items()}
        return {**per, "total": round(sum(per.values()), 3)} if per else {}


def load(
    server: Server,
    token: str,
    *,
    method: str,
    path: str,
    body: Callable[[int], bytes | None],
    requests: int,
    concurrency: int,
) -> LoadResult:
    """Send ``requests`` requests over ``concurrency`` keep-alive connections."""
    counter = iter(range(requests))
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        mine: list[float] = []
        codes: dict[int, int] = {}
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            started = time.perf_counter()
            connection.request(method, path, body=body(index), headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            codes[response.status] = codes.get(response.status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    cpu_before = cpu_seconds(server.pid)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu = {group: used - cpu_before[group] for group, used in cpu_seconds(server.pid).items()}
    return LoadResult(requests, elapsed, latencies, statuses, cpu)


def bench_token() -> str:
    """A superuser with an API token (created through the project's own command)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    token, _ = Token.objects.get_or_create(user=user)
    return str(token.key)


def http_figures(picks: list[tuple[int, int]], *, requests: int, bulk_requests: int) -> list[Figure]:
    workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
    concurrency = workers * 2
    token = bench_token()

    def spend_body(index: int) -> bytes:
        campaign, _ = picks[index % len(picks)]
        return json.dumps({"campaign": campaign, "amount": "0.21", "source": "bench-http"}).encode()

    # An ETL job pushes one ad account's (one brand's) spend per request: request i carries
    # 1,000 records for the campaigns of its own slice of brands, so concurrent requests
    # do not queue on each other's brand locks.
    by_brand: dict[int, list[int]] = {}
    for campaign, brand in sorted(set(picks)):
        by_brand.setdefault(brand, []).append(campaign)
    brands = sorted(by_brand)
    slices = [brands[i::bulk_requests] for i in range(bulk_requests)]

    def bulk_body(index: int) -> bytes:
        campaigns = [c for brand in slices[index % len(slices)] for c in by_brand[brand]]
        records = [
            {
                "campaign": campaigns[i % len(campaigns)],
                "amount": "0.13",
                "source": "bench-http-bulk",
                "external_id": f"h{index}-{i}",
            }
            for i in range(1000)
        ]
        return json.dumps({"spends": records}).encode()

    with gunicorn(workers) as server:
        for _ in range(2):  # warm every worker's connection and caches
            load(
                server,
                token,
                method="GET",
                path="/api/v1/ping/",
                body=lambda i: None,
                requests=50,
                concurrency=8,
            )
        noop_runs, spend_runs = [], []
        half = requests // 2
        for _ in range(2):  # alternate so that drift hits both alike
            noop_runs.append(
                load(
                    server,
                    token,
                    method="GET",
                    path="/api/v1/ping/",
                    body=lambda i: None,
                    requests=half,
                    concurrency=concurrency,
                )
            )
            spend_runs.append(
                load(
                    server,
                    token,
                    method="POST",
                    path="/api/v1/spends/",
                    body=spend_body,
                    requests=half,
                    concurrency=concurrency,
                )
            )
        bulk = load(
            server,
            token,
            method="POST",
            path="/api/v1/spends/bulk/",
            body=bulk_body,
            requests=bulk_requests,
            concurrency=workers * 2,
        )

    def merged(runs: list[LoadResult]) -> LoadResult:
        statuses: dict[int, int] = {}
        for run in runs:
            for code, count in run.statuses.items():
                statuses[code] = statuses.get(code, 0) + count
        cpu: dict[str, float] = {}
        for run in runs:
            for group, used in run.cpu.items():
                cpu[group] = cpu.get(group, 0.0) + used
        return LoadResult(
            sum(r.requests for r in runs),
            sum(r.seconds for r in runs),
            [x for r in runs for x in r.latencies],
            statuses,
            cpu,
        )

    noop, spend = merged(noop_runs), merged(spend_runs)
    spend_cpu, noop_cpu = spend.cpu_ms_per_request(), noop.cpu_ms_per_request()
    return [
        Figure(
            "single spend, over HTTP",
            spend.rate,
            "requests/s",
            "authenticated no-op endpoint (GET /api/v1/ping/), same server",
            noop.rate,
            target=">= 0.6x",
            min_ratio=0.6,
            extra={
                "p50_ms": round(spend.percentile(0.5), 2),
                "p99_ms": round(spend.percentile(0.99), 2),
                "noop_p50_ms": round(noop.percentile(0.5), 2),
                "noop_p99_ms": round(noop.percentile(0.99), 2),
                "statuses": spend.statuses,
                "noop_statuses": noop.statuses,
                "gunicorn": f"{workers} sync workers (WEB_CONCURRENCY)",
                "concurrency": concurrency,
            },
        ),
        Figure(
            "single spend, over HTTP: CPU per request",
            spend_cpu.get("total", float("nan")),
            "ms (gunicorn + PostgreSQL + load generator)",
            "the no-op endpoint's CPU per request",
            noop_cpu.get("total"),
            target="informational (the rates are CPU-bound)",
            extra={"spend": spend_cpu, "noop": noop_cpu},
        ),
        Figure(
            "bulk ingestion, HTTP (spends/bulk/)",
            bulk.rate * 1000,
            "spends/s",
            target=">= 10,000 spends/s",
            met=bulk.rate * 1000 >= 10_000 and set(bulk.statuses) <= {200, 201},
            extra={
                "requests": bulk.requests,
                "records_per_request": 1000,
                "p50_ms": round(bulk.percentile(0.5), 1),
                "statuses": bulk.statuses,
            },
        ),
    ]
