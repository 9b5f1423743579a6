"""The coach's entry pages run a small, fixed number of SQL statements, however many entries
the meet and the team have (no N+1)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from nitsys.extensions import db
from nitsys.models import RaceGender
from nitsys.services import entries
from tests import factories

MAX_QUERIES = 8
PAGES = (
    ("meet page", "/my/meets/{meet}", False),
    ("dashboard", "/my/", False),
    ("entry form", "/my/meets/{meet}/entry", False),
    ("entry editor partial", "/my/meets/{meet}/entry", True),
    ("athlete search partial", "/my/meets/{meet}/athlete-options?race_id={race}&q=山", True),
    ("entry history", "/my/entries", False),
)


def count_queries(client, url: str, htmx: bool) -> int:
    db.session.remove()  # start from an empty identity map, as a real request does
    statements = []

    def count(_connection, _cursor, statement, *_args):
        # The maintenance-mode switch is read once per interval by every request, not by these pages.
        if "system_settings" not in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return len(statements)


def build(coach, scale: int):
    meet = factories.make_meet()
    men = factories.make_race(meet)
    women = factories.make_race(meet, distance=3000, gender=RaceGender.FEMALE)
    for race in (men, women):
        factories.make_submitted_entries(coach, race, scale)
        factories.make_submitted_entries(factories.make_user(), race, scale)
    for _ in range(scale):
        athlete = factories.make_athlete(coach)
        entries.add_entry(
            coach, meet_id=meet.id, athlete_id=athlete.id, race_id=men.id, declared_time="15:00.00"
        )
    db.session.commit()
    return meet, men


@pytest.fixture
def measured(app, client):
    def measure(scale: int) -> dict[str, int]:
        coach = factories.make_user()
        factories.log_in(client, coach)
        meet, race = build(coach, scale)
        ids = {"meet": meet.id, "race": race.id}
        return {name: count_queries(client, url.format(**ids), htmx) for name, url, htmx in PAGES}

    return measure


def test_query_counts_are_small_and_do_not_grow_with_entries(measured):
    small = measured(1)
    large = measured(12)
    assert small == large
    assert max(small.values()) <= MAX_QUERIES, small
