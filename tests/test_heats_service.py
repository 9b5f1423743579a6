"""The programme builder's services: NCG selection, heats, edits, locks, bibs, timetable."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import (
    AuditEvent,
    Entry,
    EntryStatus,
    HeatOrder,
    HeatSlot,
    OutboxMessage,
    RaceGender,
)
from nitsys.services import heats
from tests.factories import make_confirmed_entries, make_meet, make_race, make_user


@pytest.fixture
def official(app):
    return make_user("official")


@pytest.fixture
def staff(app):
    return make_user("staff")


def seconds(minutes: int, secs: int = 0) -> int:
    return (minutes * 60 + secs) * 100


def programme(race):
    """{heat number: [entry ids in position order]} as stored."""
    db.session.flush()
    db.session.expire_all()
    return {
        heat.number: [slot.entry_id for slot in heat.slots] for heat in heats.race_heats(race.id)
    }


def slot_of(entry) -> HeatSlot:
    return db.session.scalar(select(HeatSlot).where(HeatSlot.entry_id == entry.id))


def test_41_entries_at_capacity_40_make_heats_of_21_and_20(official):
    race = make_race(heat_capacity=40)
    make_confirmed_entries(race, [seconds(15, i) for i in range(41)])

    result = heats.generate_heats(race.id, by=official)
    db.session.commit()

    assert result.heat_count == 2
    assert sorted(len(ids) for ids in programme(race).values()) == [20, 21]


def test_slow_first_puts_the_fastest_runners_in_the_last_heat(official):
    race = make_race(heat_capacity=3, heat_order=HeatOrder.SLOW_FIRST)
    entries = make_confirmed_entries(race, [seconds(14, i) for i in range(6)])

    heats.generate_heats(race.id, by=official)
    db.session.commit()

    fastest_three = [entry.id for entry in entries[:3]]
    assert programme(race) == {1: [e.id for e in entries[3:]], 2: fastest_three}
    assert slot_of(entries[0]).position == 1


def test_fast_first_race_runs_the_fastest_heat_first(official):
    race = make_race(heat_capacity=2, heat_order=HeatOrder.FAST_FIRST)
    entries = make_confirmed_entries(race, [seconds(9, i) for i in range(4)])

    heats.generate_heats(race.id, by=official)

    assert programme(race)[1] == [entries[0].id, entries[1].id]


def test_only_confirmed_entries_get_a_heat(official):
    race = make_race()
    confirmed = make_confirmed_entries(race, [seconds(15)])
    make_confirmed_entries(race, [seconds(15, 1)])[0].status = "submitted"
    db.session.commit()

    heats.generate_heats(race.id, by=official)

    assert programme(race) == {1: [confirmed[0].id]}


def test_a_rerun_changes_nothing_and_keeps_bibs_and_start_overrides(official):
    race = make_race(heat_capacity=5)
    make_confirmed_entries(race, [seconds(15, i) for i in range(12)])
    heats.generate_heats(race.id, by=official)
    heats.assign_bibs(race.meet_id, by=official)
    first = heats.race_heats(race.id)[0]
    start = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    heats.set_heat_start(first.id, start, by=official)
    db.session.commit()
    before = programme(race)
    bibs = sorted(db.session.scalars(select(HeatSlot.bib)))
    audits = db.session.scalar(select(func.count(AuditEvent.id)))

    result = heats.generate_heats(race.id, by=official)
    db.session.commit()

    assert result.changed is False
    assert programme(race) == before
    assert sorted(db.session.scalars(select(HeatSlot.bib))) == bibs
    assert heats.race_heats(race.id)[0].start_at == start
    assert db.session.scalar(select(func.count(AuditEvent.id))) == audits


def test_new_confirmed_entries_regenerate_into_balanced_heats(official):
    race = make_race(heat_capacity=4)
    make_confirmed_entries(race, [seconds(15, i) for i in range(4)])
    heats.generate_heats(race.id, by=official)
    make_confirmed_entries(race, [seconds(14)])

    result = heats.generate_heats(race.id, by=official)

    assert result.changed is True
    assert sorted(len(ids) for ids in programme(race).values()) == [2, 3]


def test_withdrawn_runners_leave_and_an_emptied_heat_is_removed(official):
    race = make_race(heat_capacity=2)
    entries = make_confirmed_entries(race, [seconds(15, i) for i in range(3)])
    heats.generate_heats(race.id, by=official)
    entries[0].status = EntryStatus.WITHDRAWN
    entries[0].withdrawal_requested_at = datetime.now(UTC)
    db.session.commit()

    heats.generate_heats(race.id, by=official)

    assert programme(race) == {1: [entries[1].id, entries[2].id]}


def test_generation_refuses_while_a_heat_of_the_race_is_locked(official):
    race = make_race(heat_capacity=2)
    make_confirmed_entries(race, [seconds(15, i) for i in range(4)])
    heats.generate_heats(race.id, by=official)
    heats.lock_heat(heats.race_heats(race.id)[0].id, by=official)
    make_confirmed_entries(race, [seconds(14)])
    before = programme(race)

    with pytest.raises(RuleViolation, match="確定済み"):
        heats.generate_heats(race.id, by=official)
    db.session.rollback()
    assert programme(race) == before


def test_whole_meet_generation_skips_races_with_a_locked_heat(official):
    meet = make_meet()
    open_race = make_race(meet, distance=5000, heat_capacity=2)
    locked_race = make_race(meet, distance=10000, heat_capacity=2)
    make_confirmed_entries(open_race, [seconds(15, i) for i in range(3)])
    make_confirmed_entries(locked_race, [seconds(30, i) for i in range(2)])
    heats.generate_heats(locked_race.id, by=official)
    heats.lock_heat(heats.race_heats(locked_race.id)[0].id, by=official)

    outcome = heats.generate_meet_heats(meet.id, by=official)

    assert [result.race for result in outcome.results] == [open_race]
    assert outcome.skipped == [locked_race]
    assert len(programme(open_race)) == 2


# --- manual edits ----------------------------------------------------------------------------


def two_heats(official, count=4):
    race = make_race(heat_capacity=2, heat_order=HeatOrder.FAST_FIRST)
    entries = make_confirmed_entries(race, [seconds(15, i) for i in range(count)])
    heats.generate_heats(race.id, by=official)
    db.session.commit()
    return race, entries, heats.race_heats(race.id)


def test_moving_a_runner_renumbers_both_heats(official):
    race, entries, (_first, second) = two_heats(official)

    heats.move_slot(slot_of(entries[0]).id, second.id, 1, by=official)
    db.session.commit()

    assert programme(race) == {1: [entries[1].id], 2: [entries[0].id, entries[2].id, entries[3].id]}
    assert [slot.position for slot in heats.heat_rows(second.id)] == [1, 2, 3]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "heats.move"))


def test_a_move_into_a_locked_heat_is_refused(official):
    race, entries, (_first, second) = two_heats(official)
    heats.lock_heat(second.id, by=official)
    before = programme(race)

    with pytest.raises(RuleViolation, match="確定済み"):
        heats.move_slot(slot_of(entries[0]).id, second.id, by=official)
    db.session.rollback()
    assert programme(race) == before


def test_a_move_to_another_races_heat_is_refused(official):
    _race, entries, _ = two_heats(official)
    _other, other_entries, (other_heat, _) = two_heats(official)

    with pytest.raises(RuleViolation, match="別の種目"):
        heats.move_slot(slot_of(entries[0]).id, other_heat.id, by=official)
    with pytest.raises(RuleViolation, match="別の種目"):
        heats.swap_slots(slot_of(entries[0]).id, slot_of(other_entries[0]).id, by=official)


def test_move_up_and_down_reorder_within_the_heat(official):
    race, entries, (_first, _) = two_heats(official)

    heats.move_down(slot_of(entries[0]).id, by=official)
    assert programme(race)[1] == [entries[1].id, entries[0].id]
    heats.move_up(slot_of(entries[0]).id, by=official)
    assert programme(race)[1] == [entries[0].id, entries[1].id]


def test_swapping_two_runners_exchanges_their_places(official):
    race, entries, _ = two_heats(official)

    heats.swap_slots(slot_of(entries[0]).id, slot_of(entries[3]).id, by=official)

    assert programme(race) == {1: [entries[3].id, entries[1].id], 2: [entries[2].id, entries[0].id]}


def test_only_staff_unlock_and_unlocking_withdraws_publication(official, staff):
    race, _, (first, _) = two_heats(official)
    heats.lock_heat(first.id, by=official)
    heats.publish_race(race.id, by=official)

    with pytest.raises(RuleViolation, match="管理者"):
        heats.unlock_heat(first.id, by=official)
    heats.unlock_heat(first.id, by=staff)

    assert first.locked is False and first.published_at is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "heats.unlock"))


# --- NCG -----------------------------------------------------------------------------------


def ncg_pair(capacity=35):
    meet = make_meet()
    general = make_race(meet, distance=5000)
    ncg = make_race(meet, distance=5000, is_ncg=True, ncg_capacity=capacity, fallback_race=general)
    return meet, ncg, general


def test_a_tie_at_ncg_place_35_keeps_both(official):
    meet, ncg, general = ncg_pair(35)
    times = [seconds(14, i) for i in range(34)] + [seconds(15), seconds(15), seconds(15, 30)]
    entries = make_confirmed_entries(ncg, times)

    (result,) = heats.run_ncg_selection(meet.id, by=official)
    db.session.commit()

    assert (result.kept, result.to_fallback) == (36, 1)
    last = db.session.get(Entry, entries[-1].id)
    assert (last.race_id, last.original_race_id) == (general.id, ncg.id)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_ncg_rerun_moves_nobody_and_undo_brings_everyone_back(official):
    meet, ncg, _general = ncg_pair(2)
    entries = make_confirmed_entries(ncg, [seconds(14, i) for i in range(4)])
    heats.run_ncg_selection(meet.id, by=official)

    (rerun,) = heats.run_ncg_selection(meet.id, by=official)
    assert (rerun.kept, rerun.to_fallback, rerun.back_to_ncg) == (2, 0, 0)

    (undone,) = heats.undo_ncg_selection(meet.id, by=official)
    db.session.commit()
    assert undone.back_to_ncg == 2
    assert {db.session.get(Entry, e.id).race_id for e in entries} == {ncg.id}
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2


def test_ncg_selection_refuses_once_a_heat_is_locked(official):
    meet, ncg, general = ncg_pair(1)
    make_confirmed_entries(ncg, [seconds(14), seconds(15)])
    heats.run_ncg_selection(meet.id, by=official)
    heats.generate_heats(general.id, by=official)
    heats.lock_heat(heats.race_heats(general.id)[0].id, by=official)

    with pytest.raises(RuleViolation, match="確定済み"):
        heats.undo_ncg_selection(meet.id, by=official)


# --- bibs and timetable --------------------------------------------------------------------


def test_bibs_follow_category_ranges_and_are_stable(official):
    meet = make_meet(bib_ranges={"general_M": [1000, 1999], "general_F": [2000, 2999]})
    men = make_race(meet, distance=5000, heat_capacity=2)
    women = make_race(meet, distance=3000, gender=RaceGender.FEMALE, display_order=1)
    make_confirmed_entries(men, [seconds(15, i) for i in range(3)])
    make_confirmed_entries(women, [seconds(10)])
    heats.generate_meet_heats(meet.id, by=official)

    assert heats.assign_bibs(meet.id, by=official) == 4
    assert sorted(db.session.scalars(select(HeatSlot.bib))) == [1000, 1001, 1002, 2000]
    make_confirmed_entries(men, [seconds(13)])
    heats.generate_meet_heats(meet.id, by=official)
    assert heats.assign_bibs(meet.id, by=official) == 1
    assert sorted(db.session.scalars(select(HeatSlot.bib))) == [1000, 1001, 1002, 1003, 2000]
    assert heats.assign_bibs(meet.id, by=official) == 0


def test_a_bib_range_overflow_changes_nothing(official):
    meet = make_meet(bib_ranges={"general_M": [1000, 1001]})
    race = make_race(meet, heat_capacity=5)
    make_confirmed_entries(race, [seconds(15)])
    heats.generate_heats(race.id, by=official)
    heats.assign_bibs(meet.id, by=official)
    make_confirmed_entries(race, [seconds(14), seconds(16)])
    heats.generate_heats(race.id, by=official)
    db.session.commit()

    with pytest.raises(RuleViolation, match=r"一般男子.*必要 2件、空き 1件"):
        heats.assign_bibs(meet.id, by=official)
    db.session.rollback()
    assert sorted(db.session.scalars(select(HeatSlot.bib)), key=str) == [1000, None, None]


def test_renumber_all_needs_confirmation_and_starts_from_the_range(official):
    meet = make_meet(bib_ranges={"general_M": [1, 99]})
    race = make_race(meet, heat_capacity=2, heat_order=HeatOrder.FAST_FIRST)
    entries = make_confirmed_entries(race, [seconds(15, i) for i in range(3)])
    heats.generate_heats(race.id, by=official)
    heats.assign_bibs(meet.id, by=official)
    heats.swap_slots(slot_of(entries[0]).id, slot_of(entries[2]).id, by=official)

    with pytest.raises(RuleViolation):
        heats.renumber_all_bibs(meet.id, by=official)
    heats.renumber_all_bibs(meet.id, by=official, confirm=True)
    db.session.expire_all()

    assert [slot_of(e).bib for e in (entries[2], entries[1], entries[0])] == [1, 2, 3]


def test_heat_times_follow_the_race_and_the_override(official):
    first_start = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    race = make_race(heat_capacity=1, first_start_at=first_start, heat_interval_minutes=10)
    make_confirmed_entries(race, [seconds(15, i) for i in range(3)])
    heats.generate_heats(race.id, by=official)
    first, second, third = heats.race_heats(race.id)
    heats.set_heat_start(second.id, first_start + timedelta(minutes=30), by=official)

    times = heats.heat_times(race, [first, second, third])

    assert times[second.id].start == first_start + timedelta(minutes=30)
    assert times[third.id].start == first_start + timedelta(minutes=20)
    assert times[first.id].call == first_start - timedelta(minutes=20)
