"""The demo meet's ~2,600 entries obey the same rules a coach's entries do."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from nitsys.demo import DEFAULT_SEED, seed_demo
from nitsys.extensions import db
from nitsys.models import Application, Athlete, Entry, Meet, Race
from nitsys.models.entries import CAPACITY_STATUSES


@pytest.fixture
def demo_meet(app):
    seed_demo(DEFAULT_SEED)
    db.session.commit()
    return db.session.scalar(select(Meet).where(Meet.entry_open))


def test_demo_entries_are_many_and_follow_the_rules(demo_meet):
    rows = db.session.execute(
        select(Entry.athlete_id, Entry.race_id, Entry.declared_time, Entry.status,
               Race.standard_time, Race.max_entries, Race.gender, Athlete.gender,
               Entry.original_race_id)
        .join(Race, Entry.race_id == Race.id)
        .join(Athlete, Entry.athlete_id == Athlete.id)
        .where(Race.meet_id == demo_meet.id)
    ).all()  # fmt: skip
    assert 2400 <= len(rows) <= 2700
    pairs = Counter((row.athlete_id, row.race_id) for row in rows)
    assert max(pairs.values()) == 1
    races = {race.id: race for race in demo_meet.races}
    assert all(row[2] <= row.standard_time for row in rows)
    assert all(row[6].value == row[7].value for row in rows)
    in_race = {(row.athlete_id, row.race_id) for row in rows}
    for race in races.values():
        if race.is_ncg:
            both = {a for a, r in in_race if r == race.id} & {
                a for a, r in in_race if r == race.fallback_race_id
            }
            assert not both, race.name


def test_demo_applications_carry_a_consistent_snapshot(demo_meet):
    counted = dict(db.session.execute(
        select(Entry.application_id, func.count()).group_by(Entry.application_id)
    ).all())  # fmt: skip
    applications = db.session.scalars(
        select(Application).where(Application.meet_id == demo_meet.id)
    ).all()
    assert len(applications) > 100
    for application in applications:
        assert application.entry_count == counted[application.id]
        assert application.total_amount == demo_meet.fee_per_entry * application.entry_count
        assert application.number.startswith("325-")


def test_no_demo_race_is_over_its_limit(demo_meet):
    """Every meet's races, NCG overflow moved in by the selection included (issue 13, item 12)."""
    held = db.session.execute(
        select(Race.name, Race.max_entries, func.count(Entry.id))
        .join(Entry, Entry.race_id == Race.id)
        .where(Entry.status.in_(CAPACITY_STATUSES), Race.max_entries.is_not(None))
        .group_by(Race.id, Race.name, Race.max_entries)
    ).all()
    assert len(held) > 10
    over = [(name, count, limit) for name, limit, count in held if count > limit]
    assert over == []
