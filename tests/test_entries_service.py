"""Entries and applications: the draft, submission snapshot, withdrawal, capacity (SPEC §4)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Entry,
    EntryStatus,
    Gender,
    OutboxMessage,
    RaceGender,
)
from nitsys.models.base import utcnow
from nitsys.services import entries
from tests import factories


@pytest.fixture
def coach(app):
    return factories.make_user()


@pytest.fixture
def meet(app):
    return factories.make_meet(number=325, bank_account=factories.make_bank_account())


def add(user, race, athlete=None, time="15:00.00", **extra):
    athlete = athlete or factories.make_athlete(
        user, gender=Gender.FEMALE if race.gender is RaceGender.FEMALE else Gender.MALE
    )
    entry = entries.add_entry(
        user,
        meet_id=race.meet_id,
        athlete_id=athlete.id,
        race_id=race.id,
        declared_time=time,
        **extra,
    )
    db.session.commit()
    return entry


def test_first_add_creates_one_draft_that_later_adds_reuse(coach, meet):
    race = factories.make_race(meet)
    first = add(coach, race)
    second = add(coach, race)
    assert first.application_id == second.application_id
    draft = first.application
    assert draft.status is ApplicationStatus.DRAFT
    assert draft.number == "325-0001"
    assert entries.find_draft(coach, meet.id) == draft
    assert first.declared_time == 90000


def test_a_colleague_of_the_same_team_works_on_the_same_draft(coach, meet):
    colleague = factories.make_user(organization=coach.organization)
    race = factories.make_race(meet)
    assert add(coach, race).application_id == add(colleague, race).application_id


def test_database_refuses_a_second_open_draft_for_the_same_owner_and_meet(coach, meet):
    draft = add(coach, factories.make_race(meet)).application
    db.session.add(
        Application(
            meet_id=meet.id,
            seq=99,
            number="325-0099",
            created_by_id=coach.id,
            organization_id=draft.organization_id,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_individuals_have_their_own_draft(meet):
    person = factories.make_user(individual=True)
    entry = add(person, factories.make_race(meet))
    assert entry.application.owner_user_id == person.id
    assert entry.application.organization_id is None


def test_submit_freezes_the_snapshot_and_queues_one_email(coach, meet):
    race = factories.make_race(meet)
    entry = add(coach, race)
    add(coach, race)
    application = entries.submit_application(entry.application_id, by=coach)
    db.session.commit()
    assert application.status is ApplicationStatus.AWAITING_PAYMENT
    assert (application.unit_fee, application.entry_count, application.total_amount) == (
        2000,
        2,
        4000,
    )
    assert {e.status for e in application.entries} == {EntryStatus.SUBMITTED}
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.to_address == coach.email
    assert "325-0001" in mail.body_text and "¥4,000" in mail.body_text
    assert meet.bank_account.account_number in mail.body_text

    meet.fee_per_entry = 5000
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Application, application.id).total_amount == 4000


def test_submitting_twice_is_refused_and_sends_no_second_mail(coach, meet):
    entry = add(coach, factories.make_race(meet))
    entries.submit_application(entry.application_id, by=coach)
    db.session.commit()
    with pytest.raises(RuleViolation, match="既に提出されています"):
        entries.submit_application(entry.application_id, by=coach)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_submit_sees_the_draft_as_stored_not_as_this_request_first_read_it(coach, meet):
    """Another member of the team submitted the same draft while this page was open."""
    entry = add(coach, factories.make_race(meet))
    db.session.commit()
    application = db.session.get(Application, entry.application_id)  # the page's own lookup
    db.session.execute(
        update(Application)
        .where(Application.id == application.id)
        .values(status=ApplicationStatus.AWAITING_PAYMENT, submitted_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    assert application.is_draft  # what this request read before the other submit landed
    with pytest.raises(RuleViolation, match="既に提出されています"):
        entries.submit_application(application.id, by=coach)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_empty_draft_cannot_be_submitted(coach, meet):
    entry = add(coach, factories.make_race(meet))
    entries.remove_entry(coach, entry.id)
    db.session.commit()
    with pytest.raises(RuleViolation, match="エントリーがありません"):
        entries.submit_application(entry.application_id, by=coach)


def test_additions_after_submission_form_a_new_application(coach, meet):
    race = factories.make_race(meet)
    first = add(coach, race)
    entries.submit_application(first.application_id, by=coach)
    db.session.commit()
    later = add(coach, race)
    assert later.application_id != first.application_id
    assert later.application.number == "325-0002"
    assert later.application.is_draft


def test_submitted_entries_cannot_be_changed_or_removed(coach, meet):
    entry = add(coach, factories.make_race(meet))
    entries.submit_application(entry.application_id, by=coach)
    db.session.commit()
    with pytest.raises(RuleViolation, match="欠場連絡"):
        entries.remove_entry(coach, entry.id)
    with pytest.raises(RuleViolation, match="欠場連絡"):
        entries.update_entry(coach, entry.id, declared_time="14:00.00")


def test_withdrawal_notice_keeps_the_entry_and_the_amount(coach, meet):
    entry = add(coach, factories.make_race(meet))
    application = entries.submit_application(entry.application_id, by=coach)
    db.session.commit()
    with pytest.raises(RuleViolation, match="理由"):
        entries.request_withdrawal(coach, entry.id, "  ")
    entries.request_withdrawal(coach, entry.id, "故障のため")
    db.session.commit()
    assert entry.status is EntryStatus.WITHDRAWN
    assert entry.withdrawal_reason == "故障のため"
    assert entry.withdrawal_requested_by_id == coach.id
    assert application.total_amount == 2000
    with pytest.raises(RuleViolation, match="既に欠場連絡済み"):
        entries.request_withdrawal(coach, entry.id, "二度目")


def test_withdrawn_athlete_may_enter_the_race_again(coach, meet):
    race = factories.make_race(meet)
    entry = add(coach, race)
    entries.submit_application(entry.application_id, by=coach)
    entries.request_withdrawal(coach, entry.id, "体調不良")
    db.session.commit()
    again = add(coach, race, athlete=entry.athlete)
    assert again.status is EntryStatus.DRAFT


def test_draft_rows_are_updated_and_removed(coach, meet):
    race = factories.make_race(meet)
    entry = add(coach, race)
    entries.update_entry(
        coach, entry.id, declared_time="14:45.50", personal_best="14:40.00", note="初出場"
    )
    db.session.commit()
    assert (entry.declared_time, entry.personal_best, entry.note) == (88550, 88000, "初出場")
    entries.remove_entry(coach, entry.id)
    db.session.commit()
    assert db.session.get(Entry, entry.id) is None


def test_another_teams_entry_is_not_found(coach, meet):
    entry = add(coach, factories.make_race(meet))
    stranger = factories.make_user()
    for action in (
        lambda: entries.update_entry(stranger, entry.id, declared_time="15:00.00"),
        lambda: entries.remove_entry(stranger, entry.id),
        lambda: entries.request_withdrawal(stranger, entry.id, "x"),
        lambda: entries.submit_application(entry.application_id, by=stranger),
    ):
        with pytest.raises(NotFound):
            action()


def test_capacity_counts_submitted_and_confirmed_and_is_checked_at_submit(coach, meet):
    race = factories.make_race(meet, max_entries=3)
    rival = factories.make_user()
    factories.make_submitted_entries(rival, race, 2)
    mine = [add(coach, race), add(coach, race)]
    assert entries.remaining_capacity([race]) == {race.id: 1}
    with pytest.raises(RuleViolation, match="残りは1名分です（この申込では2名）"):
        entries.submit_application(mine[0].application_id, by=coach)
    db.session.rollback()
    entries.remove_entry(coach, mine[1].id)
    entries.submit_application(mine[0].application_id, by=coach)
    db.session.commit()
    assert entries.remaining_capacity([race]) == {race.id: 0}


def test_withdrawal_frees_a_slot(coach, meet):
    race = factories.make_race(meet, max_entries=1)
    application = factories.make_submitted_entries(coach, race, 1)
    assert entries.remaining_capacity([race]) == {race.id: 0}
    entries.request_withdrawal(coach, application.entries[0].id, "故障")
    db.session.commit()
    assert entries.remaining_capacity([race]) == {race.id: 1}


def test_remaining_capacity_is_one_query_for_many_races(app, meet, coach):
    races = [factories.make_race(meet, distance=d, max_entries=10) for d in (1500, 3000, 5000)]
    races.append(factories.make_race(meet, distance=10000))
    factories.make_submitted_entries(coach, races[2], 2)
    for race in races:
        db.session.refresh(race)
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        remaining = entries.remaining_capacity(races)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert remaining == {races[0].id: 10, races[1].id: 10, races[2].id: 8, races[3].id: None}


def test_every_change_is_audited(coach, meet):
    entry = add(coach, factories.make_race(meet))
    entries.update_entry(coach, entry.id, declared_time="14:59.00")
    entries.submit_application(entry.application_id, by=coach)
    entries.request_withdrawal(coach, entry.id, "故障")
    db.session.commit()
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [
        "application.create",
        "entry.add",
        "entry.update",
        "application.submit",
        "entry.withdraw",
    ]


def test_officials_may_enter_late_for_a_team_and_the_override_is_audited(coach, meet):
    meet.entry_open = False
    db.session.commit()
    race = factories.make_race(meet)
    athlete = factories.make_athlete(coach)
    with pytest.raises(RuleViolation, match="一時停止"):
        entries.add_entry(
            coach,
            meet_id=meet.id,
            athlete_id=athlete.id,
            race_id=race.id,
            declared_time="15:00.00",
            override_window=True,
        )
    official = factories.make_user("official")
    entry = entries.add_entry(
        official,
        meet_id=meet.id,
        athlete_id=athlete.id,
        race_id=race.id,
        declared_time="15:00.00",
        override_window=True,
    )
    db.session.commit()
    assert entry.application.organization_id == coach.organization_id
    override = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "entry.window_override")
    )
    assert override.actor_id == official.id and override.object_id == entry.id


def test_a_colleagues_simultaneous_add_of_the_same_runner_is_refused_not_crashed(
    coach, meet, monkeypatch
):
    colleague = factories.make_user(organization=coach.organization)
    race = factories.make_race(meet)
    first = add(coach, race)
    # The colleague's request checked the rules before the first add was committed.
    monkeypatch.setattr(entries, "check_entry", lambda **_: None)

    with pytest.raises(RuleViolation, match="既にエントリーされています") as refused:
        add(colleague, race, athlete=first.athlete)
    assert refused.value.field == "athlete_id"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Entry.id))) == 1
