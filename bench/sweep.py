"""One sweep in a process of its own, so that its peak memory is its own.

``python -m bench.sweep [ISO-MOMENT] [--reset daily|monthly]`` runs ``reconcile`` over every
campaign whose status is active (at the moment given, default now), or with ``--reset`` the
reset job (``tasks.services.budgets_reset``: the brands whose period turned, their campaigns
stopped for its budgets), and prints one JSON line: seconds, queries, campaigns checked,
outcome counts, peak RSS.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any, Literal


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from campaigns.engine import reconcile
    from tasks.services import budgets_reset

    args = sys.argv[1:]
    reset = None
    if "--reset" in args:
        reset = args[args.index("--reset") + 1]
        del args[args.index("--reset") : args.index("--reset") + 2]
    moment = dt.datetime.fromisoformat(args[0]) if args else None

    queries = 0

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    connection.ensure_connection()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        if reset is None:
            result = reconcile(moment=moment).as_dict()
        else:
            kind: Literal["daily", "monthly"] = "monthly" if reset == "monthly" else "daily"
            assert reset == kind, f"--reset daily or --reset monthly, not {reset!r}"
            result = budgets_reset(kind=kind, moment=moment or dt.datetime.now(dt.UTC)).as_dict()
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(
        {
            "seconds": seconds,
            "queries": queries,
            "checked": result["checked"],
            "outcome": result,
            "peak_rss_mb": peak_kb / 1024,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
