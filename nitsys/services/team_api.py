"""Read queries behind the team API (token of a coach): their applications and entries, with
the heat and bib of each runner once the heats are published. Writes go through the same
services as the pages (`athletes`, `entries`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from nitsys.domain import timetable
from nitsys.domain.errors import NotFound
from nitsys.extensions import db
from nitsys.models import Application, Athlete, Entry, Heat, HeatSlot, Meet, Race, User


def applications_of(user: User) -> list[Application]:
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.owned_by(user))
            .options(joinedload(Application.meet))
            .order_by(Application.id.desc())
        )
    )


def application_of(user: User, application_id: int) -> Application:
    application = db.session.scalar(
        select(Application)
        .where(Application.id == application_id, Application.owned_by(user))
        .options(joinedload(Application.meet))
    )
    if application is None:
        raise NotFound()
    return application


def visible_meet(meet_id: int) -> Meet:
    meet = db.session.get(Meet, meet_id)
    if meet is None or not meet.is_published:
        raise NotFound()
    return meet


def entry_rows(user: User, *, meet_id: int | None = None, application_id: int | None = None):
    """The owner's entries with athlete, race and (published) heat place: one query."""
    published = (Heat.id == HeatSlot.heat_id) & Heat.published_at.is_not(None)
    query = (
        select(
            Entry,
            Athlete.last_name,
            Athlete.first_name,
            Race.name.label("race_name"),
            Race.first_start_at,
            Race.heat_interval_minutes,
            Heat.number.label("heat_number"),
            Heat.start_at.label("heat_start"),
            HeatSlot.position,
            HeatSlot.bib,
        )
        .join(Application, Application.id == Entry.application_id)
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .join(Race, Race.id == Entry.race_id)
        .outerjoin(HeatSlot, HeatSlot.entry_id == Entry.id)
        .outerjoin(Heat, published)
        .where(Application.owned_by(user))
        .order_by(Race.display_order, Race.id, Athlete.last_name_kana, Entry.id)
    )
    if meet_id is not None:
        query = query.where(Application.meet_id == meet_id)
    if application_id is not None:
        query = query.where(Application.id == application_id)
    return db.session.execute(query).all()


def heat_start(row):
    """A published heat's start: its own, else the race's formula (domain.timetable)."""
    if row.heat_number is None:
        return None
    if row.heat_start is not None:
        return row.heat_start
    if row.first_start_at is None:
        return None
    return timetable.heat_start(row.first_start_at, row.heat_number, row.heat_interval_minutes)
