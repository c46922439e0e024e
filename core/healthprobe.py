"""A container health probe of the web process: ``python -m core.healthprobe [URL]``.

GETs ``/api/v1/health/`` of the local gunicorn (default ``http://127.0.0.1:$PORT``) and exits
0 on 200, 1 otherwise, printing the answer. Slim images have no curl; this needs only Python.
It sends the first ``ALLOWED_HOSTS`` entry as ``Host`` (a wildcard's domain), so production's
host validation accepts the probe; the health path is exempt from the HTTPS redirect.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

DEFAULT_PATH = "/api/v1/health/"
TIMEOUT_SECONDS = 5.0


def probe_host() -> str | None:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    url = args[0] if args else f"http://127.0.0.1:{int(os.environ.get('PORT', '8000'))}{DEFAULT_PATH}"
    if not url.startswith(("http://", "https://")):
        sys.stderr.write(f"healthprobe: not an http(s) URL: {url}\n")
        return 2
    headers = {"Accept": "application/json", "User-Agent": "budget-healthprobe"}
    host = probe_host()
    if host:
        headers["Host"] = host
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            sys.stdout.write(answer.read().decode(errors="replace") + "\n")
            return 0 if answer.status == 200 else 1
    except urllib.error.HTTPError as error:
        sys.stderr.write(f"healthprobe: {error.code} {error.read().decode(errors='replace')}\n")
    except (OSError, ValueError) as error:
        sys.stderr.write(f"healthprobe: {type(error).__name__}: {error}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
