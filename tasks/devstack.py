"""`make run`: the web server, one Celery worker and Celery Beat, started and stopped together.

    python -m tasks.devstack [--host 127.0.0.1] [--port 8000] [--credentials .run/admin.json]
    python -m tasks.devstack --check-port [--host 127.0.0.1] [--port 8000]

The port is checked first: when something already listens on it, one line says so and the
exit status is 2, before anything starts (``make run`` runs ``--check-port`` before it
installs or migrates anything; this module needs nothing but the standard library).

Each process gets its own process group; its output is prefixed with its name. Once the web
server answers and the worker is ready, the addresses and the admin's credentials (from the
``--credentials`` file that ``manage.py bootstrap_admin --save`` keeps) are printed as the
last lines of the start-up. Ctrl-C (SIGINT) or SIGTERM stops all three (SIGTERM, then
SIGKILL after a grace period), and so does any one of them exiting. Without
CELERY_BROKER_URL, the settings pick the embedded filesystem broker, so this needs nothing
but Python.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 15.0
READY_TIMEOUT_SECONDS = 90.0
PORT_IN_USE_EXIT = 2


def commands(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    # --quiet: no Celery banner (the start-up summary below says what matters).
    celery = [python, "-m", "celery", "--quiet", "-A", "budget_system"]
    return {
        "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        "worker": [*celery, "worker", "--loglevel=INFO", "--concurrency=2", "--hostname=devstack@%h"],
        "beat": [*celery, "beat", "--loglevel=INFO"],
    }


def port_problem(host: str, port: int) -> str | None:
    """Why the web server could not listen on ``host:port`` (``None``: it can)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        return f"make run: cannot resolve HOST={host}: {error.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As runserver does: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            return (
                f"make run: port {port} on {host} is not free ({error.strerror}); "
                f"stop what uses it or choose another: make run PORT={port + 1}"
            )
    return None


def admin_lines(credentials: Path | None) -> list[str]:
    """How to log in, from the file ``bootstrap_admin --save`` keeps (checked by it at start)."""
    if credentials is None:
        return []
    try:
        saved = json.loads(credentials.read_text())
        return [f"log in as {saved['username']} with password {saved['password']}"]
    except (OSError, ValueError, KeyError, TypeError):
        return ["the admin's password is not known here: `make admin-password` sets a new one and shows it"]


OUTPUT_LOCK = threading.Lock()
LAST_OUTPUT = [time.monotonic()]  # when a child last wrote a line
SETTLE_SECONDS = 1.5  # the start-up summary waits for this much quiet (the first jobs' lines)
SETTLE_AT_MOST_SECONDS = 15.0


def _say(line: str) -> None:
    with OUTPUT_LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _pump(name: str, stream: IO[bytes], ready: threading.Event, marker: str | None) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode(errors="replace").rstrip()
        _say(f"{name.ljust(8)}| {line}")
        LAST_OUTPUT[0] = time.monotonic()
        if marker is not None and marker in line:
            ready.set()


def _web_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local URL
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            # The leader only: a Celery worker then stops its pool itself (warm shutdown).
            process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _exited(processes: dict[str, subprocess.Popen[bytes]]) -> tuple[str, int] | None:
    for name, process in processes.items():
        code = process.poll()
        if code is not None:
            return name, code
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--credentials", type=Path, help="bootstrap_admin --save file")
    parser.add_argument("--check-port", action="store_true", help="only check that the port is free")
    args = parser.parse_args(argv)

    problem = port_problem(args.host, args.port)
    if problem is not None:
        sys.stderr.write(problem + "\n")
        return PORT_IN_USE_EXIT
    if args.check_port:
        return 0

    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    broker = (
        env.get("CELERY_BROKER_URL") or "embedded filesystem broker (CELERY_BROKER_DIR, default .run/broker)"
    )
    _say(f"devstack| broker: {broker}")
    worker_ready = threading.Event()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    for name, command in commands(args.host, args.port).items():
        process = subprocess.Popen(  # noqa: S603 - our own fixed commands
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we stop it (and its children) as one
        )
        processes[name] = process
        marker = " ready." if name == "worker" else None
        threading.Thread(target=_pump, args=(name, process.stdout, worker_ready, marker), daemon=True).start()
        _say(f"devstack| started {name} pid={process.pid}")

    base = f"http://{args.host}:{args.port}"
    announced = False
    started = time.monotonic()
    ready_at: float | None = None  # when the web server answered and the worker was ready
    exit_code = 0
    while not stopping.is_set():
        exited = _exited(processes)
        if exited is not None:
            _say(f"devstack| {exited[0]} exited with {exited[1]}: stopping the others")
            exit_code = exited[1] or 1
            break
        clock = time.monotonic()
        if ready_at is None:
            waited_out = clock - started > READY_TIMEOUT_SECONDS
            if (worker_ready.is_set() or waited_out) and _web_answers(f"{base}/admin/login/"):
                ready_at = clock
        elif not announced and (
            clock - LAST_OUTPUT[0] >= SETTLE_SECONDS or clock - ready_at >= SETTLE_AT_MOST_SECONDS
        ):
            # After the start-up chatter (the first jobs run at once), so that the way in is
            # what the terminal shows last.
            announced = True
            note = "" if worker_ready.is_set() else " (the worker has not said it is ready yet)"
            for line in [
                f"ready: web, worker and beat are running; Ctrl-C stops all three{note}",
                f"ops dashboard {base}/  admin {base}/admin/  API docs {base}/api/docs/",
                *admin_lines(args.credentials),
            ]:
                _say(f"devstack| {line}")
        stopping.wait(0.25)
    _say("devstack| stopping web, worker and beat")
    _stop(processes)
    _say("devstack| stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
