"""`python -m bench.api [--repeat N]`: the JSON API's figures on the demo meet (issue #18).

Same set-up as `bench.run` (scratch database, `seed-demo`, gunicorn in production settings,
`X-Server-Time` / `X-Query-Count` headers). Before serving, the upcoming meet's men's 5000 m
heats are locked and published (the demo publishes only the NCG races) and the coach of the
largest team gets a read token. Measured: the public start list of that race, its 304
revalidation (If-None-Match), and the coach's entry list for the meet through the token.
Targets (server time, median): 25 ms, 3 ms, 10 ms; at most 5 queries each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import (
    BenchError,
    Client,
    bench_database,
    build_context,
    flask_command,
    gunicorn,
    percentile,
    print_table,
    server_environment,
)
from bench.run import bench_app

TARGETS = {"public start list": 25.0, "start list 304": 3.0, "team entries": 10.0}
MAX_QUERIES = 5


def prepare(context: dict) -> tuple[str, int]:
    """Publish the men's 5000 m; a read token for the coach; (token, runners in the race)."""
    from sqlalchemy import func, select

    from nitsys.extensions import db
    from nitsys.models import Heat, HeatSlot, User
    from nitsys.services import heats, tokens

    official = db.session.get(User, context["official_user_id"])
    race_id = context["race_ids"]["M5000"]
    for heat in heats.race_heats(race_id):
        if not heat.locked:
            heats.lock_heat(heat.id, by=official)
    heats.publish_race(race_id, by=official)
    coach = db.session.get(User, context["coach_user_id"])
    token = tokens.create_token(coach, name="bench", scopes=["read"], days=7)
    db.session.commit()
    runners = db.session.scalar(
        select(func.count(HeatSlot.id))
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .where(Heat.race_id == race_id)
    )
    return token.secret, runners


def cold_build(meet_id: int, race_id: int, repeat: int = 20) -> float:
    """In-process median of building the start list body afresh (what the first request after
    a change pays; later ones reuse the kept body until the version changes)."""
    from nitsys.api.framework import json_response
    from nitsys.extensions import db
    from nitsys.models import Meet, Race
    from nitsys.services import public_api

    meet, race = db.session.get(Meet, meet_id), db.session.get(Race, race_id)
    timings = []
    for _ in range(repeat + 3):
        started = time.perf_counter()
        json_response({"heats": public_api.start_list(meet, race)}).get_data()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings[3:])


def measure(client: Client, path: str, headers: dict, warmup: int, repeat: int) -> dict:
    for _ in range(warmup):
        client.get(path, headers)
    answers = [client.get(path, headers) for _ in range(repeat)]
    if any("X-Server-Time" not in a.headers for a in answers):
        raise BenchError(f"{path}: no X-Server-Time header")
    server = [float(a.headers["X-Server-Time"]) for a in answers]
    return {
        "statuses": sorted({a.status for a in answers}),
        "median": statistics.median(server),
        "p95": percentile(server, 0.95),
        "rtt": statistics.median(a.client_ms for a in answers),
        "bytes": statistics.median(len(a.body) for a in answers),
        "queries": max(int(a.headers.get("X-Query-Count", "0")) for a in answers),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=15)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nitsys-bench-api-") as tmp:
        workdir = Path(tmp)
        with bench_database(workdir) as database_url:
            env = server_environment(database_url, workdir)
            flask_command(env, "db", "upgrade")
            print(flask_command(env, "seed-demo").splitlines()[0])
            app = bench_app(database_url)
            try:
                with app.app_context():
                    context = build_context()
                    secret, runners = prepare(context)
            finally:
                with app.app_context():
                    from nitsys.extensions import db

                    db.engine.dispose()
            meet_id, race_id = context["meet_id"], context["race_ids"]["M5000"]
            startlist = f"/api/v1/meets/{meet_id}/races/{race_id}/startlist"
            kind = database_url.split(":", 1)[0].split("+")[0]
            print(f"database: {kind}; men's 5000 m: {runners} runners in published heats")
            with gunicorn(env, workdir, 2) as base_url:
                client = Client(base_url)
                etag = client.get(startlist).headers["ETag"]
                auth = {"Authorization": f"Bearer {secret}"}
                results = {
                    "public start list": measure(client, startlist, {}, args.warmup, args.repeat),
                    "start list 304": measure(client, startlist, {"If-None-Match": etag},
                                              args.warmup, args.repeat),
                    "team entries": measure(client, f"/api/v1/team/meets/{meet_id}/entries",
                                            auth, args.warmup, args.repeat),
                }  # fmt: skip
            app = bench_app(database_url)
            with app.test_request_context():
                cold = cold_build(meet_id, race_id)
                from nitsys.extensions import db

                db.engine.dispose()
    rows, missed = [], []
    for name, r in results.items():
        ok = r["median"] < TARGETS[name] and r["queries"] <= MAX_QUERIES
        if not ok:
            missed.append(name)
        rows.append([name, ",".join(map(str, r["statuses"])), f"< {TARGETS[name]:g}",
                     f"{r['median']:.2f}", f"{r['p95']:.2f}", f"{r['rtt']:.1f}",
                     f"{r['bytes']:,.0f}", str(r["queries"]), "ok" if ok else "MISSED"])  # fmt: skip
    header = ["request", "status", "target ms", "srv med ms", "srv p95 ms", "rtt med ms",
              "bytes", "queries", ""]  # fmt: skip
    print_table(f"API ({args.repeat} timed requests each)", header, rows)
    print(f"\nstart list body built afresh (in process, query + JSON, median): {cold:.1f} ms")
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s")
    if missed:
        print("targets missed: " + ", ".join(missed))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        sys.exit(1)
