"""Day-of desks on the demo meet (~2,600 runners in locked heats): the search partial, a
check-in tap (POST with the page's CSRF token) and the polled progress partial, in-process.

The demo has no heats when the pages are measured and the heats scenario runs after this one,
so when the meet has no locked heat this scenario generates, numbers and locks them, measures,
and then deletes them again (the heats scenario must find the meet as the demo left it).
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


def _programme(db, meet, official) -> bool:
    """Locked heats with bibs for the meet; True when this scenario made them."""
    from sqlalchemy import select

    from nitsys.demo.heats import DEMO_BIB_RANGES
    from nitsys.models import Heat, Race
    from nitsys.services import heats

    race_ids = select(Race.id).where(Race.meet_id == meet.id)
    existing = db.session.scalars(select(Heat).where(Heat.race_id.in_(race_ids))).all()
    if any(heat.locked for heat in existing):
        return False
    meet.bib_ranges = meet.bib_ranges or DEMO_BIB_RANGES
    heats.generate_meet_heats(meet.id, by=official)
    heats.assign_bibs(meet.id, by=official)
    for heat in db.session.scalars(select(Heat).where(Heat.race_id.in_(race_ids))):
        heats.lock_heat(heat.id, by=official)
    db.session.commit()
    return True


def _remove_programme(db, meet) -> None:
    from sqlalchemy import delete, select

    from nitsys.models import Heat, HeatSlot, Race

    db.session.execute(delete(HeatSlot).where(HeatSlot.meet_id == meet.id))
    race_ids = select(Race.id).where(Race.meet_id == meet.id)
    db.session.execute(delete(Heat).where(Heat.race_id.in_(race_ids)))
    db.session.commit()


def batches(app) -> list[tuple[str, float]]:
    from sqlalchemy import func, select

    from nitsys.extensions import db
    from nitsys.models import Athlete, Entry, Heat, HeatSlot, Meet, Role, User

    meet = db.session.scalars(
        select(Meet).where(Meet.entry_open).order_by(Meet.first_day.desc())
    ).first()
    official = db.session.scalars(select(User).where(User.role == Role.OFFICIAL)).first()
    made = _programme(db, meet, official)
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
        if made:
            _remove_programme(db, meet)


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
