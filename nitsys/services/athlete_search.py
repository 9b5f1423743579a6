"""Staff: athletes across every team, found as the desks find runners (`runner_search`): a name
in kanji, kana (either script, any width) or romaji, a JAAF ID, or a bib (in one meet or any).
Two queries per search: the athletes, then where they are entered."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from nitsys.extensions import db
from nitsys.models import Athlete, Entry, EntryStatus, HeatSlot, Meet, Race
from nitsys.services import runner_search

LIMIT = 50


@dataclass(frozen=True)
class Entered:
    """One entry of a found athlete, as the result line shows it."""

    entry_id: int
    meet_name: str
    race_name: str
    bib: int | None
    status: EntryStatus


@dataclass
class Found:
    athlete: Athlete
    entries: list[Entered]


def search(text: str, *, meet_id: int | None = None, limit: int = LIMIT) -> list[Found]:
    text = runner_search.cleaned(text)[:100]
    if not text:
        return []
    names, exact = runner_search.name_terms(text)
    matches = [names, Athlete.jaaf_id == text]
    bib = runner_search.typed_bib(text)
    if bib is not None:
        wearing = select(Entry.athlete_id).join(HeatSlot).where(HeatSlot.bib == bib)
        if meet_id:
            wearing = wearing.where(HeatSlot.meet_id == meet_id)
        matches.append(Athlete.id.in_(wearing))
    athletes = db.session.scalars(
        select(Athlete)
        .where(or_(*matches))
        .options(joinedload(Athlete.organization), joinedload(Athlete.owner_user))
        .order_by(
            exact.desc(), Athlete.is_active.desc(), Athlete.last_name_kana, Athlete.first_name_kana
        )
        .limit(limit)
    ).all()
    entered = defaultdict(list)
    if athletes:
        rows = db.session.execute(
            select(Entry.athlete_id, Entry.id, Meet.name, Race.name, HeatSlot.bib, Entry.status)
            .join(Race, Race.id == Entry.race_id)
            .join(Meet, Meet.id == Race.meet_id)
            .outerjoin(HeatSlot, HeatSlot.entry_id == Entry.id)
            .where(Entry.athlete_id.in_([a.id for a in athletes]))
            .order_by(Entry.id.desc())
        )
        for athlete_id, *line in rows:
            entered[athlete_id].append(Entered(*line))
    return [Found(athlete, entered[athlete.id]) for athlete in athletes]
