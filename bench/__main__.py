"""``python -m bench``: create a bench database, seed it, measure, report.

Every figure is printed beside a baseline measured in the same run (these machines are
noisy: ratios are what count). Results go to ``bench/results/`` as JSON and Markdown.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "budget_bench"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--scale", choices=["small", "full"], default="full")
    parser.add_argument("--brands", type=int, help="override the scale's number of brands")
    parser.add_argument("--campaigns", type=int, help="override the scale's number of campaigns")
    parser.add_argument("--days", type=int, help="override the scale's days of spend history")
    parser.add_argument("--database", default=BENCH_DB, help="name of the (re-created) bench database")
    parser.add_argument(
        "--skip", action="append", default=[], help="skip a figure group (http, latency, mass)"
    )
    return parser.parse_args(argv)


def bench_url(database: str) -> str:
    """The bench database's URL on the server that DATABASE_URL names (or the local one)."""
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        server = DEFAULT_SERVER
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def recreate_database(url: str) -> None:
    from core import pgdriver

    sql = pgdriver.sql_composition()
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))
    conn = pgdriver.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def render(figures: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        f"Budget System benchmark, {meta['started']} — scale {meta['scale']}: "
        f"{meta['seeded']['brands']:,} brands, {meta['seeded']['campaigns']:,} campaigns, "
        f"{meta['seeded']['spends']:,} seeded spends",
        "",
        "| figure | value | baseline | baseline value | ratio | target | met |",
        "|---|---:|---|---:|---:|---|---|",
    ]
    for f in figures:
        ratio = "" if f["ratio"] is None else f"{f['ratio']:.2f}x"
        baseline = "" if f["baseline_value"] is None else f"{f['baseline_value']:,.3f}"
        met = {True: "yes", False: "NO", None: ""}[f["met"]]
        lines.append(
            f"| {f['figure']} | {f['value']:,.3f} {f['unit']} | {f['baseline']} | {baseline} | {ratio} "
            f"| {f['target']} | {met} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    url = bench_url(args.database)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "budget_system.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()  # before any connection: the settings choose the driver (DB_DRIVER)
    recreate_database(url)
    from django.core.management import call_command

    from bench import crossing, measures
    from bench.seed import SCALES, Scale, seed

    base = SCALES[args.scale]
    scale = Scale(
        brands=args.brands or base.brands,
        campaigns=args.campaigns or base.campaigns,
        days=args.days or base.days,
    )
    started = dt.datetime.now(dt.UTC)
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    seeded = seed(scale)
    print(f"seeded {seeded} in {time.perf_counter() - t0:.1f}s", flush=True)

    small = args.scale == "small"
    figures: list[measures.Figure] = []
    figures += measures.sweep_figures()
    print("sweep measured", flush=True)
    figures.append(measures.single_spend_figure(200 if small else 2000))
    print("single spend measured", flush=True)
    figures.append(crossing.crossing_spend_figure(100 if small else 1000))
    print("crossing spend measured", flush=True)
    figures.append(crossing.threshold_spend_figure(100 if small else 1000))
    print("threshold-crossing spend measured", flush=True)
    figures.append(measures.bulk_service_figure(batches=3 if small else 20, size=1000))
    print("bulk measured", flush=True)

    if "http" not in args.skip:
        from bench import http

        picks = measures._active_campaigns(20_000, seed=5)
        figures += http.http_figures(picks, requests=600 if small else 6000, bulk_requests=4 if small else 40)
        print("HTTP measured", flush=True)
    if "latency" not in args.skip:
        from bench import latency

        figures.append(latency.crossing_figure())
        broker = os.environ.get("CELERY_BROKER_URL", "")
        figures.append(latency.schedule_edge_figure(broker))
        print("pause latencies measured", flush=True)
    if "mass" not in args.skip:  # last: it leaves 30% of the campaigns at their daily cap
        from bench import mass

        figures += mass.mass_change_figures()
        print("mass change measured", flush=True)

    rows = [figure.judge().as_dict() for figure in figures]
    meta = {"started": started.isoformat(timespec="seconds"), "scale": args.scale, "seeded": seeded}
    table = render(rows, meta)
    print()
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"bench-{args.scale}-{stamp}.json").write_text(json.dumps({**meta, "figures": rows}, indent=2))
    (RESULTS / f"bench-{args.scale}-{stamp}.md").write_text(table)
    (RESULTS / f"latest-{args.scale}.md").write_text(table)
    print(f"results written to {RESULTS}/bench-{args.scale}-{stamp}.{{json,md}}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
