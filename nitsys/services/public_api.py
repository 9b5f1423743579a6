"""Read-only queries behind the public API: published meets, their timetable, and a cheap
version of a race's start list / results so a poller's revalidation (304) costs one query."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import Athlete, Entry, Heat, HeatResult, HeatSlot, Meet, Organization, Race
from nitsys.models.accounts import team_label
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


def published_race(meet_id: int, race_id: int) -> tuple[Meet, Race] | None:
    """An active race of a published meet, with its meet: one query."""
    row = db.session.execute(
        select(Meet, Race)
        .join(Race, Race.meet_id == Meet.id)
        .where(Meet.id == meet_id, Meet.is_published, Race.id == race_id, Race.is_active)
    ).first()
    return None if row is None else (row.Meet, row.Race)


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


def start_list(meet: Meet, race: Race) -> list[dict]:
    """The race's published heats with their runners, as the public start list prints them
    (no birth date, JAAF ID or contact): one narrow query, plain rows, no ORM objects."""
    team = team_label()
    query = (
        select(
            Heat.id.label("heat_id"),
            Heat.number,
            Heat.start_at,
            HeatSlot.position,
            HeatSlot.bib,
            Athlete.last_name,
            Athlete.first_name,
            Athlete.last_name_kana,
            Athlete.first_name_kana,
            Athlete.last_name_en,
            Athlete.first_name_en,
            team.label("team"),
        )
        .join(HeatSlot, HeatSlot.heat_id == Heat.id)
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .outerjoin(Organization, Organization.id == Athlete.organization_id)
        .where(Heat.race_id == race.id, Heat.published_at.is_not(None))
        .order_by(Heat.number, HeatSlot.position)
    )
    rows = db.session.connection().execute(query).all()
    race_heats = {
        row.heat_id: SimpleNamespace(id=row.heat_id, number=row.number, start_at=row.start_at)
        for row in rows
    }
    times = heats.heat_times(
        race, list(race_heats.values()), call_offset_minutes=meet.call_offset_minutes
    )
    listed: dict[int, dict] = {}
    for row in rows:
        heat = listed.get(row.heat_id)
        if heat is None:
            timing = times[row.heat_id]
            heat = listed[row.heat_id] = {
                "number": row.number,
                "start_at": _iso(timing.start),
                "call_at": _iso(timing.call),
                "runners": [],
            }
        heat["runners"].append({
            "position": row.position,
            "bib": row.bib,
            "name": f"{row.last_name} {row.first_name}",
            "kana": f"{row.last_name_kana} {row.first_name_kana}",
            "romaji": f"{row.last_name_en} {row.first_name_en}".strip(),
            "team": row.team,
        })  # fmt: skip
    return list(listed.values())


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


_versions: dict[int, tuple[float, tuple, datetime | None]] = {}


def race_version(race: Race, *, ttl: float = 0.0) -> tuple[tuple, datetime | None]:
    """What a race's public start list and results are made of, as (version, latest change).

    One query of counts and latest `updated_at` stamps: the race's heats, the meet's slots
    (bibs, positions), its results, and — globally, which only costs an extra 200 now and
    then — athletes and organizations (names). Deleted rows change a count. With `ttl` the
    answer is kept that many seconds in this process, so a poller's 304 costs no query.
    """
    now = time.monotonic()
    cached = _versions.get(race.id)
    if cached is not None and now - cached[0] < ttl:
        return cached[1], cached[2]
    race_heats = select(Heat.id).where(Heat.race_id == race.id).scalar_subquery()
    row = db.session.execute(
        select(
            select(func.count(Heat.id), ).where(Heat.race_id == race.id).scalar_subquery(),
            select(func.max(Heat.updated_at)).where(Heat.race_id == race.id).scalar_subquery(),
            select(func.count(HeatSlot.id)).where(HeatSlot.meet_id == race.meet_id)
            .scalar_subquery(),
            select(func.max(HeatSlot.updated_at)).where(HeatSlot.meet_id == race.meet_id)
            .scalar_subquery(),
            select(func.count(HeatResult.id)).where(HeatResult.heat_id.in_(race_heats))
            .scalar_subquery(),
            select(func.max(HeatResult.updated_at)).where(HeatResult.heat_id.in_(race_heats))
            .scalar_subquery(),
            select(func.max(Athlete.updated_at)).scalar_subquery(),
            select(func.max(Organization.updated_at)).scalar_subquery(),
        )
    ).one()  # fmt: skip
    stamps = [_aware(value) for value in row if isinstance(value, datetime | str)]
    stamps += [race.updated_at, race.meet.updated_at]
    version = (*(str(value) for value in row), str(race.updated_at), str(race.meet.updated_at))
    latest = max(stamps)
    if ttl:
        _versions[race.id] = (now, version, latest)
    return version, latest


def _aware(value) -> datetime:
    if isinstance(value, str):  # SQLite hands back max() of a timestamp as text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
