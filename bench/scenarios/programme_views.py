"""Programme and review views against their targets (issue 15), in-process on the demo meet:

- one heat of the builder (the HTMX partial of the largest heat of men's 5000 m): < 10 ms,
  < 25 KB;
- the whole race, every runner of every heat, in one request: < 60 ms, ≤ 6 queries;
- the payment review desk: ≤ 40 KB per 25 rows (reject / adjust forms loaded when opened).

Each line prints the median wall time of PAGE_REPEAT requests (after WARMUP; the ms column),
the median CPU time of this process for one request (a steadier figure on a busy machine: the
request, SQLite and rendering all run here), the body size, the SQL statements of one request,
and the target. Measured through the Flask test client in
the bench process, so the figures are server time without the network.
"""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager

PAGE_REPEAT = 30
WARMUP = 5
HTMX = {"HX-Request": "true"}


@contextmanager
def counting(db):
    from sqlalchemy import event

    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        if "system_settings" not in statement:  # the maintenance switch, read once a while
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _client(app, user):
    from datetime import UTC, datetime

    client = app.test_client()
    now = datetime.now(UTC).timestamp()
    with client.session_transaction() as session:
        session.update(_user_id=user.get_id(), _fresh=True, login_at=now, seen_at=now)
    return client


def _measure(db, client, path: str, htmx: bool):
    """(median ms, bytes, queries of one request, the body) of GET `path`."""
    headers = HTMX if htmx else {}
    for _ in range(WARMUP):
        client.get(path, headers=headers)
    times, cpu = [], []
    for _ in range(PAGE_REPEAT):
        db.session.remove()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
    db.session.remove()
    with counting(db) as statements:
        body = client.get(path, headers=headers).get_data(as_text=True)
    figures = f"{statistics.median(cpu):.1f} ms CPU, {len(body.encode()) / 1024:.1f} KB"
    return statistics.median(times), figures, len(statements), body


def batches(app) -> list[tuple[str, float]]:
    from sqlalchemy import func, select

    from nitsys.extensions import db
    from nitsys.models import Heat, HeatSlot, Meet, Race, Role, User

    meet = db.session.scalars(
        select(Meet).where(Meet.entry_open).order_by(Meet.first_day.desc())
    ).first()
    official = db.session.scalars(select(User).where(User.role == Role.OFFICIAL)).first()
    race = db.session.scalars(
        select(Race).where(Race.meet_id == meet.id, Race.name == "男子5000m")
    ).first()
    sizes = db.session.execute(
        select(HeatSlot.heat_id, func.count(HeatSlot.id))
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .where(Heat.race_id == race.id)
        .group_by(HeatSlot.heat_id)
    ).all()
    heat_id, runners = max(sizes, key=lambda row: row[1])
    total = sum(count for _, count in sizes)
    client = _client(app, official)
    results = []

    ms, figures, queries, _ = _measure(db, client, f"/admin/programme/heats/{heat_id}", True)
    results.append(
        (
            f"one heat partial ({runners} runners): {figures}, {queries} queries"
            " — target < 10 ms, < 25 KB",
            ms,
        )
    )
    ms, figures, queries, _ = _measure(db, client, f"/admin/programme/races/{race.id}/all", False)
    results.append(
        (
            f"{race.name} all runners ({len(sizes)} heats, {total} runners): "
            f"{figures}, {queries} queries — target < 60 ms, ≤ 6 queries",
            ms,
        )
    )
    ms, figures, queries, body = _measure(db, client, "/admin/payments?state=all", False)
    rows = body.count("data-payment-row")
    results.append(
        (
            f"payment review desk ({rows} rows): {figures}, {queries} queries"
            " — target ≤ 40 KB per 25 rows",
            ms,
        )
    )
    return results
