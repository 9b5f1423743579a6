"""Exports on the demo meet: the men's 5000 m start-list CSV and the FinishLynx zip of the meet.

The batch readies the programme first with the heats service (NCG selection and heats when the
demo has not built them, bibs, every heat locked) inside one transaction that is rolled back at
the end (:func:`ready_demo_meet`, shared by the other export scenarios), so the heats scenario,
which runs later on the same database, finds the demo as seeded. Each export is timed through
the service (query, CSV/zip, log row), median of REPEAT.
"""

from __future__ import annotations

import gc
import statistics
import time
from contextlib import contextmanager

REPEAT = 20
# The demo meet has ~1,300 general men: the default 1000–1999 range is too small (refused).
DEMO_BIB_RANGES = {
    "ncg_M": [1, 499],
    "ncg_F": [500, 999],
    "general_M": [1000, 2999],
    "general_F": [3000, 3999],
    "ncg_X": [4000, 4499],
    "general_X": [4500, 4999],
}


def median_ms(action, repeat: int = REPEAT) -> float:
    gc.collect()  # the programme set-up leaves garbage whose collection would land in a timing
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _ready_programme(meet, staff) -> None:
    """Heats for every race (unless the demo already built them), bibs, every heat locked."""
    from sqlalchemy import func, select

    from nitsys.extensions import db
    from nitsys.models import Heat, Race
    from nitsys.services import heats

    built = db.session.scalar(
        select(func.count(Heat.id))
        .join(Race, Race.id == Heat.race_id)
        .where(Race.meet_id == meet.id)
    )
    if not built:
        meet.bib_ranges = DEMO_BIB_RANGES
        heats.run_ncg_selection(meet.id, by=staff)
        heats.generate_meet_heats(meet.id, by=staff)
    heats.assign_bibs(meet.id, by=staff)
    for race in meet.races:
        for heat in heats.race_heats(race.id):
            heats.lock_heat(heat.id, by=staff)


@contextmanager
def ready_demo_meet():
    """(meet, staff, men's 5000 m) of the demo, every heat locked and numbered; rolled back after.

    Every export scenario measures on this state; the rollback leaves the demo as seeded.
    """
    from sqlalchemy import select

    from nitsys.extensions import db
    from nitsys.models import Meet, Race, Role, User

    meet = db.session.scalars(
        select(Meet).where(Meet.entry_open).order_by(Meet.first_day.desc())
    ).first()
    staff = db.session.scalars(select(User).where(User.role == Role.STAFF)).first()
    race = db.session.scalars(
        select(Race).where(Race.meet_id == meet.id, Race.name == "男子5000m")
    ).first()
    try:
        _ready_programme(meet, staff)
        db.session.flush()
        yield meet, staff, race
    finally:
        db.session.rollback()


def batches(app) -> list[tuple[str, float]]:
    from nitsys.domain.lynx import LynxEncoding
    from nitsys.reports.csv_files import CsvEncoding
    from nitsys.services import exports

    with ready_demo_meet() as (meet, staff, race):
        runners = len(exports.start_list_rows(meet.id, race.id))
        everyone = len(exports.start_list_rows(meet.id))
        results = []
        for label, action in (
            (
                f"start-list CSV {race.name}, UTF-8 ({runners} runners; target < 25 ms)",
                lambda: exports.export_start_list(meet.id, by=staff, race_id=race.id),
            ),
            (
                f"start-list CSV {race.name}, CP932 ({runners} runners)",
                lambda: exports.export_start_list(
                    meet.id, by=staff, race_id=race.id, encoding=CsvEncoding.CP932
                ),
            ),
            (
                f"FinishLynx zip, whole meet, UTF-16 ({everyone} runners; target < 300 ms)",
                lambda: exports.export_lynx(meet.id, by=staff, encoding=LynxEncoding.UNICODE),
            ),
            (
                f"FinishLynx zip, whole meet, CP932 ({everyone} runners)",
                lambda: exports.export_lynx(meet.id, by=staff, encoding=LynxEncoding.CP932),
            ),
        ):
            results.append((f"{label}, median of {REPEAT}", median_ms(action)))
        return results
