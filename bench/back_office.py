"""Staff back office at scale: the demo data with the audit table grown to 1,000,000 rows.

Run: .venv/bin/python -m bench.back_office [--rows 1000000] [--repeat 30]
     DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.back_office

Steps: a scratch database (SQLite file, or a scratch PostgreSQL database as bench.run makes),
`db upgrade` and `seed-demo`, then `fill_audit` adds audit rows in one INSERT … SELECT (a
recursive CTE on SQLite, generate_series on PostgreSQL) spread over a year, 40 actions, 8
object types and every user as actor. The pages are then requested in-process as the staff
user (test client, `BENCH_QUERY_COUNT` headers): median and p95 of the server time and the
most queries any request ran. Targets (issue 16): audit first page and a filtered page
< 30 ms, an object's 履歴 panel < 10 ms, team list < 15 ms with ≤ 5 queries, athlete search
< 15 ms.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from bench.harness import bench_database, flask_command, server_environment

ACTIONS = 40
OBJECT_TYPES = (
    "applications", "entries", "athletes", "heats", "payment_slips", "meets", "users",
    "organizations",
)  # fmt: skip


def fill_audit(rows: int) -> float:
    """Add `rows` audit events (oldest first, one every 30 s, ending now); seconds taken."""
    from sqlalchemy import func, select, text

    from nitsys.extensions import db
    from nitsys.models import Meet, User

    users = db.session.scalar(select(func.max(User.id))) or 1
    meets = db.session.scalars(select(Meet.id)).all() or [1]
    types = ", ".join(f"'{t}'" for t in OBJECT_TYPES)
    started = time.perf_counter()
    if db.engine.dialect.name == "postgresql":
        statement = f"""
            INSERT INTO audit_events (at, actor_id, action, object_type, object_id, meet_id,
                                      "before", "after", ip)
            SELECT now() - ((:rows - n) * interval '30 seconds'),
                   CASE WHEN n % 7 = 0 THEN NULL ELSE 1 + n % :users END,
                   'bench.action' || (n % {ACTIONS}),
                   (ARRAY[{types}])[1 + n % {len(OBJECT_TYPES)}],
                   n % 5000,
                   CASE WHEN n % 3 = 0 THEN NULL ELSE {meets[0]} END,
                   '{{"status": "draft"}}'::json, '{{"status": "submitted"}}'::json, '127.0.0.1'
            FROM generate_series(1, :rows) AS n
        """
    else:
        cases = " ".join(f"WHEN {i} THEN '{t}'" for i, t in enumerate(OBJECT_TYPES))
        statement = f"""
            WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter
                                          WHERE n < :rows)
            INSERT INTO audit_events (at, actor_id, action, object_type, object_id, meet_id,
                                      "before", "after", ip)
            SELECT datetime('now', '-' || ((:rows - n) * 30) || ' seconds'),
                   CASE WHEN n % 7 = 0 THEN NULL ELSE 1 + n % :users END,
                   'bench.action' || (n % {ACTIONS}),
                   CASE n % {len(OBJECT_TYPES)} {cases} END,
                   n % 5000,
                   CASE WHEN n % 3 = 0 THEN NULL ELSE {meets[0]} END,
                   '{{"status": "draft"}}', '{{"status": "submitted"}}', '127.0.0.1'
            FROM counter
        """
    db.session.execute(text(statement), {"rows": rows, "users": users})
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE audit_events"))
    else:
        db.session.execute(text("ANALYZE"))
    db.session.commit()
    return time.perf_counter() - started


def pages(context: dict) -> list[tuple[str, str, float, int | None]]:
    """(name, path, target ms, most queries allowed or None)."""
    team, athlete, meet, staff = (
        context["team_id"], context["athlete_id"], context["meet_id"], context["staff_id"],
    )  # fmt: skip
    middle = context["middle_id"]
    return [
        ("audit log, first page", "/admin/audit", 30, None),
        ("audit log, page deep in the table", f"/admin/audit?before={middle}", 30, None),
        ("audit log, by action", "/admin/audit?action=bench.action7", 30, None),
        ("audit log, by actor", f"/admin/audit?actor_id={staff}", 30, None),
        ("audit log, by object", "/admin/audit?object_type=heats&object_id=42", 30, None),
        ("audit log, by meet", f"/admin/audit?meet_id={meet}", 30, None),
        (
            "audit log, one day",
            f"/admin/audit?since={context['day']}&until={context['day']}",
            30,
            None,
        ),
        ("履歴 panel, a team", f"/admin/audit/history/organizations/{team}", 10, None),
        ("履歴 panel, an athlete", f"/admin/audit/history/athletes/{athlete}", 10, None),
        ("履歴 panel, a heat", "/admin/audit/history/heats/42?panel=history-heat-42", 10, None),
        ("team list", "/admin/teams", 15, 5),
        ("team list, search (kana)", "/admin/teams?q=" + quote("だいがく"), 15, 5),
        ("team list, by prefecture", "/admin/teams?pref=13", 15, 5),
        ("team page", f"/admin/teams/{team}", 30, None),
        ("athlete search, hiragana", "/admin/athletes?q=" + quote("やまだ"), 15, None),
        ("athlete search, romaji", "/admin/athletes?q=yamada", 15, None),
        ("athlete search, JAAF ID", f"/admin/athletes?q={context['jaaf_id']}", 15, None),
        ("athlete search, bib", f"/admin/athletes?q={context['bib']}&meet={meet}", 15, None),
    ]


def build_context() -> dict:
    from datetime import timedelta

    from sqlalchemy import func, select

    from nitsys.extensions import db
    from nitsys.formatting import TOKYO
    from nitsys.models import Athlete, AuditEvent, HeatSlot, Meet, Role, User
    from nitsys.models.base import utcnow

    team_id = db.session.execute(
        select(Athlete.organization_id)
        .where(Athlete.organization_id.is_not(None))
        .group_by(Athlete.organization_id)
        .order_by(func.count().desc())
        .limit(1)
    ).scalar_one()
    staff = db.session.scalars(
        select(User).where(User.role == Role.STAFF).order_by(User.id)
    ).first()
    athlete = db.session.scalars(
        select(Athlete).where(Athlete.organization_id == team_id, Athlete.jaaf_id != "")
    ).first()
    slot = db.session.scalars(select(HeatSlot).where(HeatSlot.bib.is_not(None))).first()
    meet_id = slot.meet_id if slot else db.session.scalar(select(func.min(Meet.id)))
    top = db.session.scalar(select(func.max(AuditEvent.id)))
    return {
        "team_id": team_id,
        "athlete_id": athlete.id,
        "jaaf_id": athlete.jaaf_id,
        "bib": slot.bib if slot else 1,
        "meet_id": meet_id,
        "staff_id": staff.id,
        "staff": staff,
        "middle_id": top // 2,
        "day": (utcnow().astimezone(TOKYO) - timedelta(days=100)).date().isoformat(),
    }


def measure(client, path: str, repeat: int) -> tuple[list[float], int, int]:
    for _ in range(5):
        client.get(path)
    times, queries, status = [], 0, 0
    for _ in range(repeat):
        response = client.get(path)
        status = response.status_code
        times.append(float(response.headers["X-Server-Time"]))
        queries = max(queries, int(response.headers["X-Query-Count"]))
    return times, queries, status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nitsys-bench-") as tmp:
        workdir = Path(tmp)
        with bench_database(workdir) as database_url:
            env = server_environment(database_url, workdir)
            flask_command(env, "db", "upgrade")
            print(flask_command(env, "seed-demo").splitlines()[0])
            from config import normalise_database_url
            from nitsys import create_app
            from nitsys.extensions import db
            from nitsys.models import AuditEvent
            from tests.factories import log_in

            app = create_app({
                "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
                "BENCH_QUERY_COUNT": True,
                "OUTBOX_DELIVER_AFTER_REQUEST": False,
                "RATELIMIT_STORAGE_URI": "memory://",
                "SECRET_KEY": secrets.token_hex(32),
                "ALLOWED_HOSTS": ["localhost"],
                "TRUSTED_HOSTS": ["localhost"],
            })  # fmt: skip
            logging.getLogger("nitsys.request").setLevel(logging.WARNING)
            try:
                with app.app_context():
                    seconds = fill_audit(args.rows)
                    total = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
                    print(
                        f"database: {db.engine.dialect.name}; audit_events {total:,} rows "
                        f"({args.rows:,} added in {seconds:.1f} s)"
                    )
                    context = build_context()
                    client = app.test_client()
                    log_in(client, context["staff"])
                    print(f"{'page':<40} {'med ms':>8} {'p95 ms':>8} {'queries':>8}  target")
                    for name, path, target, max_queries in pages(context):
                        times, queries, status = measure(client, path, args.repeat)
                        median = statistics.median(times)
                        p95 = sorted(times)[int(len(times) * 0.95) - 1]
                        verdict = "ok" if median < target else "SLOW"
                        if max_queries is not None and queries > max_queries:
                            verdict += f" (>{max_queries} queries)"
                        if status != 200:
                            verdict += f" status {status}"
                        print(
                            f"{name:<40} {median:8.1f} {p95:8.1f} {queries:8d}  "
                            f"< {target} ms {verdict}"
                        )
            finally:
                with app.app_context():
                    db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
