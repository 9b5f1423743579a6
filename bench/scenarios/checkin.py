"""Day-of desks on the demo meet's programme: the search partial, a check-in tap (POST with
the page's CSRF token) and the polled progress partial, in-process.

The demo locks only the NCG heats; on the day every heat is locked, so this scenario locks the
others for the measurement and unlocks them afterwards (the heats scenario runs next and must
find the meet as the demo left it).
"""

from __future__ import annotations

import re
import statistics
import time
from datetime import UTC, datetime

REPEAT = 50
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


def _client(app, user):
    client = app.test_client()
    now = datetime.now(UTC).timestamp()
    with client.session_transaction() as session:
        session.update(_user_id=user.get_id(), _fresh=True, login_at=now, seen_at=now)
    return client


def _measure(db, request) -> tuple[float, int, int]:
    """Median ms, most SQL statements and body size of `request()` over REPEAT runs."""
    from sqlalchemy import event

    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        if "system_settings" not in statement:  # cached maintenance switch, ≤ 1/s
            statements.append(statement)

    times, most, size = [], 0, 0
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        for index in range(REPEAT):
            statements.clear()
            started = time.perf_counter()
            response = request(index)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
            most, size = max(most, len(statements)), len(response.data)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return statistics.median(times), most, size


def _lock_all(db, meet_id: int) -> list[int]:
    """Lock every heat of the meet, as on the day; the ids this locked (to put back after)."""
    from sqlalchemy import select, update

    from nitsys.models import Heat, Race

    race_ids = select(Race.id).where(Race.meet_id == meet_id)
    ids = list(db.session.scalars(select(Heat.id).where(Heat.race_id.in_(race_ids), ~Heat.locked)))
    db.session.execute(
        update(Heat).where(Heat.id.in_(ids)).values(locked=True, locked_at=datetime.now(UTC))
    )
    db.session.commit()
    return ids


def _unlock(db, heat_ids: list[int]) -> None:
    from sqlalchemy import update

    from nitsys.models import Heat

    db.session.execute(
        update(Heat).where(Heat.id.in_(heat_ids)).values(locked=False, locked_at=None)
    )
    db.session.commit()


def batches(app) -> list[tuple[str, float]]:
    from sqlalchemy import func, select

    from nitsys.extensions import db
    from nitsys.models import Athlete, Entry, Heat, HeatSlot, Meet, Role, User

    meet = db.session.scalars(
        select(Meet).where(Meet.entry_open).order_by(Meet.first_day.desc())
    ).first()
    official = db.session.scalars(select(User).where(User.role == Role.OFFICIAL)).first()
    locked_here = _lock_all(db, meet.id)
    try:
        slots = db.session.scalar(select(func.count()).where(HeatSlot.meet_id == meet.id))
        heat_count = db.session.scalar(
            select(func.count(func.distinct(HeatSlot.heat_id))).where(HeatSlot.meet_id == meet.id)
        )
        slot, surname = db.session.execute(
            select(HeatSlot, Athlete.last_name)
            .join(Entry, Entry.id == HeatSlot.entry_id)
            .join(Athlete, Athlete.id == Entry.athlete_id)
            .join(Heat, Heat.id == HeatSlot.heat_id)
            .where(HeatSlot.meet_id == meet.id, Heat.locked)
            .order_by(HeatSlot.bib)
        ).first()
        size = f"{slots} runners, {heat_count} locked heats"
        return _measure_desk(app, db, official, meet.id, slot, surname, size)
    finally:
        _unlock(db, locked_here)


def _measure_desk(app, db, official, meet_id, slot, surname, size) -> list[tuple[str, float]]:
    client = _client(app, official)
    desk = f"/admin/meets/{meet_id}/checkin"
    token = CSRF.search(client.get(desk).text).group(1)
    htmx = {"HX-Request": "true"}
    tap_headers = {**htmx, "X-CSRFToken": token}
    actions = ("check_in", "undo")
    measured = {
        f"search partial '{surname}' (≤50 cards)": lambda i: client.get(
            f"{desk}?q={surname}", headers=htmx
        ),
        f"search partial bib {slot.bib}": lambda i: client.get(
            f"{desk}?q={slot.bib}", headers=htmx
        ),
        "check-in tap (POST, alternating check in / undo)": lambda i: client.post(
            f"/admin/checkin/slots/{slot.id}", data={"action": actions[i % 2]}, headers=tap_headers
        ),
        "progress partial (polled)": lambda i: client.get(
            f"{desk}/progress", headers={**htmx, "X-Nitsys-Poll": "1"}
        ),
    }
    results = []
    for label, request in measured.items():
        ms, queries, body = _measure(db, request)
        results.append((f"{label}, median, {queries} queries, {body // 1024} KB, {size}", ms))
    return results
