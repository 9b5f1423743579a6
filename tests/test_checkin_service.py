"""Check-in services (SPEC §7): target states, refusals, DNS consistency, audit, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import ApplicationStatus, AuditEvent, EntryStatus, HeatSlot, Meet
from nitsys.services import checkin
from tests.factories import (
    make_confirmed_entries,
    make_heat_with_slots,
    make_organization,
    make_race,
    make_user,
)


def desk_heat(count: int = 3, *, race=None, number: int = 1, locked: bool = True, coach=None):
    race = race or make_race()
    entries = make_confirmed_entries(race, [90000 + i for i in range(count)], coach=coach)
    return make_heat_with_slots(race, entries, number=number, locked=locked), entries


def first_slot(heat) -> HeatSlot:
    return db.session.scalars(
        select(HeatSlot).where(HeatSlot.heat_id == heat.id).order_by(HeatSlot.position)
    ).first()


def count_queries(action):
    """What `action` returns and how many SQL statements it ran."""
    statements = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        result = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return result, len(statements)


def audit_count(action: str) -> int:
    return len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all())


@pytest.fixture
def official(app):
    return make_user("official")


def test_check_in_is_recorded_with_desk_and_time_and_is_idempotent(official):
    heat, _ = desk_heat()
    slot = first_slot(heat)

    assert checkin.set_checked_in(slot.id, True, by=official) is True
    db.session.commit()
    assert checkin.set_checked_in(slot.id, True, by=official) is False
    db.session.commit()

    db.session.refresh(slot)
    assert slot.checked_in and slot.checked_in_by_id == official.id
    assert slot.checked_in_at is not None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("checkin.%")))
    [only] = events.all()
    assert only.actor_id == official.id
    assert only.after["checked_in"] is True and only.before["checked_in"] is False


def test_undo_clears_the_check_in(official):
    heat, _ = desk_heat()
    slot = first_slot(heat)
    checkin.set_checked_in(slot.id, True, by=official)
    checkin.set_checked_in(slot.id, False, by=official)
    db.session.commit()

    db.session.refresh(slot)
    assert not slot.checked_in and slot.checked_in_at is None and slot.checked_in_by_id is None
    assert audit_count("checkin.set_checked_in") == 2


def test_dns_clears_the_check_in_and_its_undo_restores_the_entry(official):
    heat, _ = desk_heat()
    slot = first_slot(heat)
    checkin.set_checked_in(slot.id, True, by=official)
    checkin.set_dns(slot.id, True, by=official)
    db.session.commit()
    db.session.refresh(slot)
    assert slot.dns and not slot.checked_in
    assert slot.entry.status is EntryStatus.DNS
    assert checkin.set_dns(slot.id, True, by=official) is False

    checkin.set_dns(slot.id, False, by=official)
    db.session.commit()
    db.session.refresh(slot)
    assert not slot.dns and slot.entry.status is EntryStatus.CONFIRMED
    assert audit_count("checkin.set_dns") == 2


def test_a_dns_runner_is_checked_in_only_after_an_explicit_undo(official):
    heat, _ = desk_heat()
    slot = first_slot(heat)
    checkin.set_dns(slot.id, True, by=official)
    with pytest.raises(RuleViolation, match="DNS取消"):
        checkin.set_checked_in(slot.id, True, by=official)


def test_an_unpaid_runner_is_refused_and_sent_to_the_trouble_desk(official):
    heat, entries = desk_heat()
    entries[0].application.status = ApplicationStatus.AWAITING_PAYMENT
    db.session.commit()
    slot = first_slot(heat)

    for action in (checkin.set_checked_in, checkin.set_dns):
        with pytest.raises(RuleViolation, match="トラブルデスク"):
            action(slot.id, True, by=official)
    db.session.rollback()
    db.session.refresh(slot)
    assert not slot.checked_in and not slot.dns


@pytest.mark.parametrize("status", [EntryStatus.WITHDRAWN, EntryStatus.REJECTED])
def test_withdrawn_or_rejected_runners_are_refused(official, status):
    heat, entries = desk_heat()
    entries[0].status = status
    entries[0].withdrawal_requested_at = datetime.now(UTC)
    db.session.commit()
    with pytest.raises(RuleViolation, match="トラブルデスク"):
        checkin.set_checked_in(first_slot(heat).id, True, by=official)


def test_runners_of_unlocked_heats_are_not_on_the_desk(official):
    heat, entries = desk_heat(locked=False)
    with pytest.raises(RuleViolation, match="確定"):
        checkin.set_checked_in(first_slot(heat).id, True, by=official)
    assert checkin.search(heat.race.meet_id, entries[0].athlete.last_name) == []


# --- search ----------------------------------------------------------------------------------


@pytest.fixture
def runner(app):
    """花子 鈴木 of 日体大 (short 日体), bib 4321, plus two other runners in the same heat."""
    race = make_race(first_start_at=datetime(2026, 7, 4, 1, 0, tzinfo=UTC))
    coach = make_user(organization=make_organization(name="日本体育大学", short_name="日体"))
    entries = make_confirmed_entries(race, [90000, 91000, 92000], coach=coach)
    athlete = entries[0].athlete
    athlete.last_name, athlete.first_name = "鈴木", "花子"
    athlete.last_name_kana, athlete.first_name_kana = "スズキ", "ハナコ"
    athlete.last_name_en, athlete.first_name_en = "SUZUKI", "Hanako"
    db.session.commit()
    make_heat_with_slots(race, entries, bib=4321)
    return race.meet_id


@pytest.mark.parametrize(
    "query",
    [
        "鈴木花子",
        "鈴木 花子",
        "鈴木　花子",
        "スズキハナコ",
        "ｽｽﾞｷ ﾊﾅｺ",
        "すずき",
        "suzuki hanako",
        "Hanako Suzuki",
        "4321",
        "４３２１",
        "日本体育",
        "日体",
    ],
)
def test_search_finds_the_runner_by_each_key(runner, query):
    names = [card.name for card in checkin.search(runner, query)]
    assert "鈴木 花子" in names


def test_an_exact_bib_comes_first_and_carries_the_desk_details(runner):
    cards = checkin.search(runner, "4321")
    assert [card.bib for card in cards] == [4321]
    card = cards[0]
    assert (card.team, card.position, card.heat_number, card.paid) == ("日体", 1, 1, True)
    assert card.start == datetime(2026, 7, 4, 1, 0, tzinfo=UTC)
    assert card.call == datetime(2026, 7, 4, 0, 40, tzinfo=UTC)


def test_an_exact_full_name_ranks_before_partial_matches(runner):
    race = make_race(
        db.session.get(Meet, runner), distance=10000, display_order=-1
    )  # first in the programme
    entries = make_confirmed_entries(race, [80000])
    entries[0].athlete.last_name, entries[0].athlete.first_name = "鈴木", "花子子"
    db.session.commit()
    make_heat_with_slots(race, entries)

    assert [card.name for card in checkin.search(runner, "鈴木")] == ["鈴木 花子子", "鈴木 花子"]
    assert [card.name for card in checkin.search(runner, "鈴木 花子")] == [
        "鈴木 花子",
        "鈴木 花子子",
    ]


def test_search_results_take_one_query(runner):
    cards, queries = count_queries(lambda: checkin.search(runner, "日体"))
    assert len(cards) == 3
    assert queries == 1


# --- progress --------------------------------------------------------------------------------


@pytest.mark.parametrize("heat_count", [2, 20])
def test_progress_takes_two_queries_whatever_the_number_of_heats(official, heat_count):
    now = datetime.now(UTC)
    race = make_race(first_start_at=now + timedelta(minutes=5), heat_interval_minutes=1)
    coach = make_user()
    for number in range(1, heat_count + 1):
        desk_heat(2, race=race, number=number, coach=coach)
    meet_id = race.meet_id
    db.session.expire_all()

    races, queries = count_queries(lambda: checkin.progress(meet_id, now=now))
    assert queries <= 2
    assert len(races[0].heats) == heat_count
    assert races[0].heats[0].waiting_names  # call time already passed: names shown


def test_progress_counts_checked_in_waiting_and_dns_once(official):
    now = datetime.now(UTC)
    race = make_race(first_start_at=now + timedelta(hours=3))
    desk_heat(3, race=race)
    slots = db.session.scalars(select(HeatSlot).order_by(HeatSlot.position)).all()
    checkin.set_checked_in(slots[0].id, True, by=official)
    checkin.set_checked_in(slots[1].id, True, by=official)
    checkin.set_dns(slots[1].id, True, by=official)  # defect 33: not subtracted twice
    db.session.commit()

    [race_progress] = checkin.progress(race.meet_id, now=now)
    [heat_progress] = race_progress.heats
    assert (heat_progress.checked_in, heat_progress.waiting, heat_progress.dns) == (1, 1, 1)
    assert heat_progress.waiting_names == []  # call time is hours away
