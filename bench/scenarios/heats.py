"""The programme builder on the demo meet (~2,600 confirmed entries): batch timings of NCG
selection, whole-meet heat generation (first run and an unchanged re-run), bib assignment
(first run and re-run), and the builder pages of men's 5000 m rendered in-process.

The demo seed already builds the programme, so the batches first clear it. Pages are measured
in-process (Flask test client) right after the batches rebuilt it.
"""

from __future__ import annotations

import statistics
import time

PAGE_REPEAT = 30


def _timed(action):
    started = time.perf_counter()
    result = action()
    return result, (time.perf_counter() - started) * 1000


def _committed(db, action):
    def run():
        result = action()
        db.session.commit()
        return result

    return run


def _page(app, user, path: str, htmx: bool = False) -> tuple[str, float]:
    """Median server time (ms) and size of `path` for `user`, through the test client."""
    from datetime import UTC, datetime

    client = app.test_client()
    now = datetime.now(UTC).timestamp()
    with client.session_transaction() as session:
        session.update(_user_id=user.get_id(), _fresh=True, login_at=now, seen_at=now)
    headers = {"HX-Request": "true"} if htmx else {}
    times, size = [], 0
    for _ in range(PAGE_REPEAT):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        size = len(response.data)
    return f"{size / 1024:.0f} KB", statistics.median(times)


def _clear_programme(db, meet, official) -> None:
    """Start from the state before the programme is built (the demo seed builds one)."""
    from sqlalchemy import delete, select

    from nitsys.models import Heat, HeatSlot, Race
    from nitsys.services import heats

    race_ids = select(Race.id).where(Race.meet_id == meet.id)
    db.session.execute(delete(HeatSlot).where(HeatSlot.meet_id == meet.id))
    db.session.execute(delete(Heat).where(Heat.race_id.in_(race_ids)))
    heats.undo_ncg_selection(meet.id, by=official)
    db.session.commit()


def batches(app) -> list[tuple[str, float]]:
    from sqlalchemy import func, select

    from nitsys.extensions import db
    from nitsys.models import Entry, EntryStatus, Heat, Meet, Race, Role, User
    from nitsys.services import heats

    meet = db.session.scalars(
        select(Meet).where(Meet.entry_open).order_by(Meet.first_day.desc())
    ).first()
    official = db.session.scalars(select(User).where(User.role == Role.OFFICIAL)).first()
    _clear_programme(db, meet, official)
    confirmed = db.session.scalar(
        select(func.count(Entry.id))
        .join(Race, Race.id == Entry.race_id)
        .where(Race.meet_id == meet.id, Entry.status == EntryStatus.CONFIRMED)
    )
    results = []
    for name, action in (
        ("NCG selection", lambda: heats.run_ncg_selection(meet.id, by=official)),
        ("heat generation, whole meet", lambda: heats.generate_meet_heats(meet.id, by=official)),
        ("heat generation, re-run", lambda: heats.generate_meet_heats(meet.id, by=official)),
        ("bib assignment", lambda: heats.assign_bibs(meet.id, by=official)),
        ("bib assignment, re-run", lambda: heats.assign_bibs(meet.id, by=official)),
    ):
        _, ms = _timed(_committed(db, action))
        results.append((f"{name} ({confirmed} confirmed entries)", ms))
    race = db.session.scalars(
        select(Race).where(Race.meet_id == meet.id, Race.name == "男子5000m")
    ).first()
    heat_count = db.session.scalar(select(func.count(Heat.id)).where(Heat.race_id == race.id))
    first_heat = db.session.scalars(select(Heat).where(Heat.race_id == race.id)).first()
    for label, path, htmx in (
        ("programme overview", f"/admin/meets/{meet.id}/programme", False),
        (
            f"builder page {race.name} ({heat_count} heats)",
            f"/admin/programme/races/{race.id}",
            False,
        ),
        ("one heat opened (partial)", f"/admin/programme/heats/{first_heat.id}", True),
    ):
        size, ms = _page(app, official, path, htmx)
        results.append((f"{label}, median, {size}", ms))
    return results
