"""Two teams submit at the same moment for the last slot of a race: exactly one wins.

PostgreSQL only (SQLite serialises writers anyway). Each thread has its own app context and
therefore its own session and connection.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import Application, ApplicationStatus, Entry, OutboxMessage, User
from nitsys.services import entries
from tests import factories

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL")


def _draft_with_one_entry(race) -> tuple[int, int]:
    coach = factories.make_user()
    athlete = factories.make_athlete(coach)
    entry = entries.add_entry(
        coach,
        meet_id=race.meet_id,
        athlete_id=athlete.id,
        race_id=race.id,
        declared_time="15:00.00",
    )
    db.session.commit()
    return coach.id, entry.application_id


def _submit_at_once(app, contenders: list[tuple[int, int]]) -> list[str]:
    """Each (user id, application id) presses 提出 in its own thread at the same moment; each
    has loaded the application first and holds it, as the view does. "submitted" or the
    refusal, per contender."""
    start = threading.Barrier(len(contenders))
    outcomes: list[str] = []

    def submit(user_id: int, application_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            page_application = db.session.get(Application, application_id)
            start.wait()
            try:
                entries.submit_application(page_application.id, by=user)
                db.session.commit()
                outcomes.append("submitted")
            except RuleViolation as error:
                db.session.rollback()
                outcomes.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=contender) for contender in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_last_slot_goes_to_exactly_one_of_two_simultaneous_submissions(app, monkeypatch):
    race = factories.make_race(max_entries=1)
    contenders = [_draft_with_one_entry(race), _draft_with_one_entry(race)]

    # Widen the window between counting and writing, so a missing lock would let both in.
    count_slots = entries.taken_slots

    def slow_taken_slots(race_ids):
        counted = count_slots(race_ids)
        time.sleep(0.3)
        return counted

    monkeypatch.setattr(entries, "taken_slots", slow_taken_slots)
    outcomes = _submit_at_once(app, contenders)

    assert sorted(outcomes) == ["submitted", f"{race.name}は定員（1名）に達しています。"]
    db.session.expire_all()
    statuses = sorted(db.session.get(Application, a).status.value for _, a in contenders)
    assert statuses == [ApplicationStatus.AWAITING_PAYMENT.value, ApplicationStatus.DRAFT.value]
    assert entries.remaining_capacity([race]) == {race.id: 0}


def test_two_coaches_of_one_team_adding_at_once_get_one_draft_and_a_retry_message(app, monkeypatch):
    race = factories.make_race()
    first = factories.make_user()
    second = factories.make_user(organization=first.organization)
    athletes = [factories.make_athlete(first.organization) for _ in range(2)]
    db.session.commit()
    # Both requests look for the team's draft before either has written one.
    find_draft = entries._existing_draft
    looked = threading.Barrier(2)

    def together(meet, ownership):
        found = find_draft(meet, ownership)
        if found is None:
            looked.wait(timeout=5)
        return found

    monkeypatch.setattr(entries, "_existing_draft", together)
    outcomes: list[str] = []

    def add(user_id: int, athlete_id: int) -> None:
        with app.app_context():
            try:
                entries.add_entry(db.session.get(User, user_id), meet_id=race.meet_id,
                                  athlete_id=athlete_id, race_id=race.id,
                                  declared_time="15:00.00")  # fmt: skip
                db.session.commit()
                outcomes.append("added")
            except RuleViolation as error:
                db.session.rollback()
                outcomes.append(error.message)
            finally:
                db.session.remove()

    pairs = list(zip((first, second), athletes, strict=True))
    threads = [threading.Thread(target=add, args=(user.id, athlete.id)) for user, athlete in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == [
        "added",
        "ほかの操作と重なりました。もう一度「追加」を押してください。",
    ]
    monkeypatch.setattr(entries, "_existing_draft", find_draft)
    for user, athlete in pairs:  # pressing 追加 again works, into the one draft
        if not db.session.scalar(select(Entry.id).where(Entry.athlete_id == athlete.id)):
            add(user.id, athlete.id)
    db.session.expire_all()
    [draft] = db.session.scalars(
        select(Application).where(Application.organization_id == first.organization_id)
    ).all()
    assert draft.status is ApplicationStatus.DRAFT and len(draft.entries) == 2


def test_two_members_submitting_one_draft_at_once_submit_it_once(app):
    """Two coaches of one team press 提出 on the same draft (each page loaded it as a draft)."""
    contender = _draft_with_one_entry(factories.make_race())
    outcomes = _submit_at_once(app, [contender, contender])

    assert outcomes.count("submitted") == 1
    assert any("既に提出されています" in outcome for outcome in outcomes)
    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert mails == 1
