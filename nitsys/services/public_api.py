"""Read-only queries behind the public API: published meets, their timetable, and a cheap
version of a race's start list / results so a poller's revalidation (304) costs one query."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import Athlete, Entry, Heat, HeatResult, HeatSlot, Meet, Organization, Race
from nitsys.services import athletes, heats


def published_meets(when: str = "all") -> list[Meet]:
    """Published meets, newest first; `upcoming` = not over yet (Tokyo date), `past` = over."""
    query = select(Meet).where(Meet.is_published)
    today = athletes.today()
    if when == "upcoming":
        query = query.where(Meet.last_day >= today)
    elif when == "past":
        query = query.where(Meet.last_day < today)
    return list(db.session.scalars(query.order_by(Meet.first_day.desc(), Meet.id.desc())))


def published_meet(meet_id: int) -> Meet | None:
    meet = db.session.get(Meet, meet_id)
    return meet if meet is not None and meet.is_published else None


def race_of(meet: Meet, race_id: int) -> Race | None:
    race = db.session.get(Race, race_id)
    if race is None or race.meet_id != meet.id or not race.is_active:
        return None
    return race


def timetable(meet: Meet) -> dict[int, list[tuple[Heat, heats.HeatTimes]]]:
    """Published heats of the meet's active races with their start and call times, by race."""
    rows = db.session.scalars(
        select(Heat)
        .join(Race, Race.id == Heat.race_id)
        .where(Race.meet_id == meet.id, Heat.published_at.is_not(None))
        .order_by(Heat.race_id, Heat.number)
    ).all()
    by_race: dict[int, list[Heat]] = {}
    for heat in rows:
        by_race.setdefault(heat.race_id, []).append(heat)
    races = {race.id: race for race in meet.races}
    result = {}
    for race_id, race_heats in by_race.items():
        times = heats.heat_times(
            races[race_id], race_heats, call_offset_minutes=meet.call_offset_minutes
        )
        result[race_id] = [(heat, times[heat.id]) for heat in race_heats]
    return result


def race_version(race_id: int) -> tuple[tuple, datetime | None]:
    """Everything a race's public start list and results are made of, as (version, latest
    change): one query of counts and latest `updated_at` stamps (deleted rows change a count)."""
    slots = (
        select(HeatSlot.id)
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .where(Heat.race_id == race_id, Heat.published_at.is_not(None))
    )
    published = (Heat.race_id == race_id) & Heat.published_at.is_not(None)
    runners = (
        select(func.max(Athlete.updated_at))
        .join(Entry, Entry.athlete_id == Athlete.id)
        .join(HeatSlot, HeatSlot.entry_id == Entry.id)
        .where(HeatSlot.id.in_(slots))
    )
    row = db.session.execute(
        select(
            select(Race.updated_at).where(Race.id == race_id).scalar_subquery(),
            select(Meet.updated_at)
            .join(Race, Race.meet_id == Meet.id)
            .where(Race.id == race_id)
            .scalar_subquery(),
            select(
                func.count(Heat.id),
            )
            .where(published)
            .scalar_subquery(),
            select(func.max(Heat.updated_at)).where(published).scalar_subquery(),
            select(func.count(HeatSlot.id)).where(HeatSlot.id.in_(slots)).scalar_subquery(),
            select(func.max(HeatSlot.updated_at)).where(HeatSlot.id.in_(slots)).scalar_subquery(),
            runners.scalar_subquery(),
            select(func.max(Organization.updated_at)).scalar_subquery(),
            select(func.count(HeatResult.id))
            .join(Heat, Heat.id == HeatResult.heat_id)
            .where(Heat.race_id == race_id)
            .scalar_subquery(),
            select(func.max(HeatResult.updated_at))
            .join(Heat, Heat.id == HeatResult.heat_id)
            .where(Heat.race_id == race_id)
            .scalar_subquery(),
        )
    ).one()
    stamps = [_aware(value) for value in row if isinstance(value, datetime | str)]
    return tuple(str(value) for value in row), max(stamps, default=None)


def _aware(value):
    from nitsys.models.base import UTCDateTime

    if isinstance(value, str):  # SQLite hands back max() of a timestamp as text
        value = datetime.fromisoformat(value)
    return UTCDateTime().process_result_value(value, None)
