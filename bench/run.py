"""`python -m bench.run [--only NAME] [--repeat N]`: figures for every page of every scenario.

Seeds the demo meet into a scratch database (SQLite, or PostgreSQL when DATABASE_URL says
so), serves it with gunicorn in production settings, logs in through the real form and
prints per page: median/p95 server time, median round trip, bytes and SQL queries.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import (
    PAGE_HEADER,
    BenchError,
    Client,
    Scenario,
    bench_database,
    build_context,
    discover_scenarios,
    fill_path,
    flask_command,
    gunicorn,
    log_in,
    measure,
    page_row,
    print_table,
    server_environment,
    worker_model,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--only", help="a scenario module name or part of a page name")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per page (50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first (5)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gthread workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    return parser.parse_args(argv)


def select_scenarios(scenarios: list[Scenario], only: str | None) -> list[Scenario]:
    if not only:
        return scenarios
    needle = only.lower()
    chosen = []
    for scenario in scenarios:
        if scenario.name.lower() == needle:
            chosen.append(scenario)
            continue
        pages = [p for p in scenario.pages if needle in p.name.lower()]
        if pages:
            chosen.append(Scenario(scenario.name, pages, None))
    if not chosen:
        raise BenchError(f"--only {only}: no scenario or page matches")
    return chosen


def bench_app(database_url: str):
    from config import normalise_database_url
    from nitsys import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "BENCH_QUERY_COUNT": False,
        "OUTBOX_DELIVER_AFTER_REQUEST": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Batches that log in through the test client need a session, on any machine (no .env).
        "SECRET_KEY": secrets.token_hex(32),
    })  # fmt: skip


def print_data_size(kind: str, counts: dict[str, int]) -> None:
    main = ", ".join(f"{t} {counts.get(t, 0):,}" for t in ("organizations", "athletes", "meets"))
    print(f"database: {kind}; data: {main}")
    print("rows per table: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))


def run_pages(base_url: str, scenarios: list[Scenario], context: dict, args) -> None:
    from nitsys.demo.context import DEMO_PASSWORD

    clients = {"anonymous": Client(base_url)}
    for role, email in context["emails"].items():
        clients[role] = log_in(base_url, email, DEMO_PASSWORD)
    for scenario in scenarios:
        if not scenario.pages:
            continue
        rows = [
            page_row(measure(clients[p.role], p, fill_path(p, context), args.warmup, args.repeat))
            for p in scenario.pages
        ]
        print_table(f"{scenario.name} ({args.repeat} timed requests each)", PAGE_HEADER, rows)


def run_batches(app, scenarios: list[Scenario]) -> None:
    # In-process requests would print one log line each between the tables.
    logging.getLogger("nitsys.request").setLevel(logging.WARNING)
    for scenario in scenarios:
        if scenario.batches is None:
            continue
        with app.app_context():
            timings = scenario.batches(app)
        rows = [[name, "", "", f"{ms:,.1f}"] for name, ms in timings]
        print_table(f"{scenario.name}: batches", ["batch", "", "", "ms"], rows)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scenarios = select_scenarios(discover_scenarios(), args.only)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nitsys-bench-") as tmp:
        workdir = Path(tmp)
        with bench_database(workdir) as database_url:
            env = server_environment(database_url, workdir)
            flask_command(env, "db", "upgrade")
            seeded = flask_command(env, "seed-demo").splitlines()[0]
            app = bench_app(database_url)
            try:
                with app.app_context():
                    from nitsys.demo import table_counts

                    context, counts = build_context(), table_counts()
                kind = database_url.split(":", 1)[0].split("+")[0]
                print(seeded)
                print_data_size(kind, counts)
                model = worker_model(args.workers, args.threads)
                print(f"server: {model}, production settings")
                with gunicorn(env, workdir, args.workers, args.threads) as base_url:
                    run_pages(base_url, scenarios, context, args)
                run_batches(app, scenarios)
            finally:
                with app.app_context():
                    from nitsys.extensions import db

                    db.engine.dispose()
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        sys.exit(1)
