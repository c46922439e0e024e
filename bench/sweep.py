"""One sweep in a process of its own, so that its peak memory is its own.

``python -m bench.sweep [ISO-MOMENT]`` runs ``reconcile`` over every campaign whose status is
active (at the moment given, default now) and prints one JSON line: seconds, queries,
campaigns checked, outcome counts, peak RSS.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from campaigns.engine import reconcile

    moment = dt.datetime.fromisoformat(sys.argv[1]) if len(sys.argv) > 1 else None

    queries = 0

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    connection.ensure_connection()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        result = reconcile(moment=moment)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(
        {
            "seconds": seconds,
            "queries": queries,
            "checked": result.checked,
            "outcome": result.as_dict(),
            "peak_rss_mb": peak_kb / 1024,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
