"""Read models of the public pages (SPEC §9): the top page and a meet's page.

Each page is a handful of queries (the bench holds them to at most four): notices come from
`news.visible_notices`, the one definition of what is visible now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import exists, func, select

from nitsys.domain.entry_window import EntryWindowState, entry_window_state
from nitsys.extensions import db
from nitsys.formatting import to_tokyo
from nitsys.models import Entry, Heat, HeatResult, Meet, MeetGuideline, Notice, Race
from nitsys.models.entries import CAPACITY_STATUSES
from nitsys.services import news
from nitsys.services.heats import heat_times

PAST_PER_PAGE = 10
HOME_NOTICES = 8


def today(now: datetime) -> date:
    return to_tokyo(now).date()


@dataclass
class HomePage:
    upcoming: list[Meet]
    notices: list[Notice]
    banners: list[Notice]
    past: list[Meet]
    page: int
    has_next: bool


def home_page(now: datetime, page: int = 1) -> HomePage:
    day = today(now)
    upcoming = list(
        db.session.scalars(
            select(Meet)
            .where(Meet.is_published, Meet.last_day >= day)
            .order_by(Meet.first_day, Meet.id)
            .limit(12)
        )
    )
    page = max(1, min(page, 1000))
    past = list(
        db.session.scalars(
            select(Meet)
            .where(Meet.is_published, Meet.last_day < day)
            .order_by(Meet.first_day.desc(), Meet.id.desc())
            .limit(PAST_PER_PAGE + 1)
            .offset((page - 1) * PAST_PER_PAGE)
        )
    )
    notices, banners = news.front_page_notices(now, limit=HOME_NOTICES, banners=5)
    return HomePage(
        upcoming=upcoming,
        notices=notices,
        banners=banners,
        past=past[:PAST_PER_PAGE],
        page=page,
        has_next=len(past) > PAST_PER_PAGE,
    )


@dataclass
class HeatLine:
    number: int
    start: datetime | None
    call: datetime | None


@dataclass
class RaceLine:
    race: Race
    taken: int
    remaining: int | None
    heats: list[HeatLine] = field(default_factory=list)
    has_startlist: bool = False
    has_results: bool = False


@dataclass
class MeetPage:
    meet: Meet
    state: EntryWindowState
    guideline: tuple[int, str] | None  # (size, filename)
    races: list[RaceLine]
    notices: list[Notice]
    banners: list[Notice]

    @property
    def has_startlist(self) -> bool:
        return any(line.has_startlist for line in self.races)

    @property
    def has_results(self) -> bool:
        return any(line.has_results for line in self.races)


def meet_page(meet_id: int, now: datetime) -> MeetPage | None:
    """A published meet's page, or None (answered 404)."""
    row = db.session.execute(
        select(Meet, MeetGuideline.size, MeetGuideline.original_filename)
        .outerjoin(MeetGuideline, MeetGuideline.meet_id == Meet.id)
        .where(Meet.id == meet_id, Meet.is_published)
    ).first()
    if row is None:
        return None
    meet = row[0]
    taken = (
        select(func.count(Entry.id))
        .where(Entry.race_id == Race.id, Entry.status.in_(CAPACITY_STATUSES))
        .scalar_subquery()
    )
    race_rows = db.session.execute(
        select(Race, taken)
        .where(Race.meet_id == meet.id, Race.is_active)
        .order_by(Race.display_order, Race.id)
    ).all()
    has_result = exists().where(HeatResult.heat_id == Heat.id)
    heats = db.session.execute(
        select(Heat.id, Heat.race_id, Heat.number, Heat.start_at, Heat.published_at, has_result)
        .join(Race, Race.id == Heat.race_id)
        .where(Race.meet_id == meet.id)
        .order_by(Heat.race_id, Heat.number)
    ).all()
    by_race: dict[int, list] = {}
    for heat in heats:
        by_race.setdefault(heat.race_id, []).append(heat)
    lines = []
    for race, count in race_rows:
        remaining = None if race.max_entries is None else max(race.max_entries - count, 0)
        line = RaceLine(race=race, taken=count, remaining=remaining)
        race_heats = by_race.get(race.id, [])
        line.has_results = any(h[5] for h in race_heats)
        published = [h for h in race_heats if h.published_at is not None]
        if published:
            line.has_startlist = True
            times = heat_times(race, race_heats, call_offset_minutes=meet.call_offset_minutes)
            line.heats = [
                HeatLine(h.number, times[h.id].start, times[h.id].call) for h in published
            ]
        lines.append(line)
    # One notice query: this meet's notices and the banners shown on its page.
    visible = news.visible_notices(now, meet_id=meet.id, general_banners=True)
    guideline = (row[1], row[2]) if row[1] is not None else None
    return MeetPage(
        meet=meet,
        state=entry_window_state(meet, now),
        guideline=guideline,
        races=lines,
        notices=[n for n in visible if n.meet_id == meet.id],
        banners=[n for n in visible if n.category.is_banner],
    )
