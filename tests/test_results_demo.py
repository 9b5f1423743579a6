"""`flask seed-demo`: the past 324th meet looks like a meet that happened — results are in."""

from __future__ import annotations

from collections import Counter

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from nitsys.demo import DEFAULT_SEED, STEPS, seed_demo
from nitsys.demo.results import create_past_results
from nitsys.domain.lynx import ResultStatus
from nitsys.domain.times import format_time
from nitsys.extensions import db
from nitsys.formatting import to_tokyo
from nitsys.models import (
    Application,
    ApplicationStatus,
    Entry,
    EntryStatus,
    Heat,
    HeatResult,
    HeatSlot,
    Meet,
    PersonalBest,
    Race,
    ResultImport,
)
from nitsys.services import payments, results
from tests.conftest import empty_all_tables


@pytest.fixture
def past_meet(app):
    seed_demo(DEFAULT_SEED)
    db.session.commit()
    return db.session.scalars(select(Meet).where(Meet.number == 324)).one()


def statuses(meet_id: int) -> Counter:
    return Counter(
        db.session.scalars(
            select(HeatResult.status)
            .join(Heat, Heat.id == HeatResult.heat_id)
            .join(Race, Race.id == Heat.race_id)
            .where(Race.meet_id == meet_id)
        )
    )


def test_the_past_meet_has_a_field_paid_for_heats_and_results(past_meet):
    applications = db.session.scalars(
        select(Application).where(Application.meet_id == past_meet.id)
    ).all()
    assert all(a.status is ApplicationStatus.PAID and a.approval for a in applications)
    assert all(a.number.startswith("324-") for a in applications)
    owners = Counter((a.organization_id, a.owner_user_id) for a in applications)
    assert max(owners.values()) == 1
    entry_states = Counter(
        db.session.scalars(
            select(Entry.status).join(Race, Race.id == Entry.race_id)
            .where(Race.meet_id == past_meet.id)
        )
    )  # fmt: skip
    assert set(entry_states) == {EntryStatus.CONFIRMED, EntryStatus.DNS}
    runners = entry_states.total()
    assert 300 <= runners <= 500
    paid = payments.review_rows(meet_id=past_meet.id, state="paid", limit=1000)
    assert len(paid) == len(applications)

    heats = db.session.scalars(
        select(Heat).join(Race, Race.id == Heat.race_id).where(Race.meet_id == past_meet.id)
    ).all()
    assert heats and all(heat.locked and heat.is_published for heat in heats)
    imports = db.session.scalars(
        select(ResultImport).where(ResultImport.meet_id == past_meet.id)
    ).all()
    assert sorted(record.heat_id for record in imports) == sorted(heat.id for heat in heats)
    assert {to_tokyo(record.at).date() for record in imports} == {past_meet.first_day}
    unbibbed = db.session.scalar(
        select(func.count(HeatSlot.id)).where(
            HeatSlot.meet_id == past_meet.id, HeatSlot.bib.is_(None)
        )
    )
    assert unbibbed == 0

    found = statuses(past_meet.id)
    assert found[ResultStatus.DQ] == 1
    assert found[ResultStatus.DNS] >= 3 and found[ResultStatus.DNF] >= 1
    assert found.total() == runners  # every runner has a result
    # The call room agrees with the results: DNS at the desk, everyone else checked in.
    assert found[ResultStatus.DNS] == entry_states[EntryStatus.DNS]
    slots = db.session.scalars(select(HeatSlot).where(HeatSlot.meet_id == past_meet.id)).all()
    assert sum(slot.dns for slot in slots) == found[ResultStatus.DNS]
    assert all(slot.checked_in != slot.dns for slot in slots)
    assert {to_tokyo(s.checked_in_at).date() for s in slots if s.checked_in} == {
        past_meet.first_day
    }


def test_the_public_results_page_shows_places_names_and_times(client, past_meet):
    index = client.get(f"/meets/{past_meet.id}/results").get_data(as_text=True)
    races = {race.code: race for race in past_meet.races}
    for code in ("M5000", "M10000", "F3000", "F5000"):
        assert f"/meets/{past_meet.id}/results/{races[code].id}" in index

    race = races["M5000"]
    response = client.get(f"/meets/{past_meet.id}/results/{race.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    race_results = results.race_results(race, imported_only=True)
    assert len(race_results.heats) > 1 and "総合順位（全組）" in html
    for heat in race_results.heats:
        assert f"第{heat.number}組" in html
        finishers = [line for line in heat.lines if line.status is ResultStatus.FINISHED]
        assert [line.place for line in finishers] == list(range(1, len(finishers) + 1))
        times = [line.time for line in finishers]
        assert times == sorted(times)  # places follow the times
        winner = finishers[0]
        assert str(escape(winner.name)) in html and format_time(winner.time) in html
    codes = {line.code for heat in race_results.heats for line in heat.lines}
    assert {"DNF", "DNS"} <= codes
    assert '<td class="time">DNF</td>' in html and '<td class="time">DNS</td>' in html
    dns = next(line for h in race_results.heats for line in h.lines if line.code == "DNS")
    assert f"<td>{escape(dns.name)}<small" in html


def test_the_staff_results_desk_lists_the_imported_heats(client, login_as, past_meet):
    login_as("staff")
    html = client.get(f"/admin/meets/{past_meet.id}/results").get_data(as_text=True)
    for summary in results.race_summaries(past_meet.id, imported_only=True):
        assert summary.name in html
        assert summary.imported_heats == summary.heats


def test_personal_bests_are_the_best_imported_times(past_meet):
    finishes = db.session.execute(
        select(Entry.athlete_id, Race.distance, HeatResult.time)
        .join(HeatSlot, HeatSlot.entry_id == Entry.id)
        .join(HeatResult, HeatResult.slot_id == HeatSlot.id)
        .join(Race, Race.id == Entry.race_id)
        .where(HeatResult.status == ResultStatus.FINISHED)
    ).all()
    best: dict[tuple[int, int], int] = {}
    for athlete_id, distance, time in finishes:
        best[athlete_id, distance] = min(time, best.get((athlete_id, distance), time))
    held = {
        (pb.athlete_id, pb.distance): pb for pb in db.session.scalars(select(PersonalBest)).all()
    }
    assert {key: pb.time for key, pb in held.items()} == best
    assert {pb.achieved_on for pb in held.values()} == {past_meet.first_day}


def upcoming_meet_rows() -> dict[str, list]:
    """What a user sees of the upcoming meet that does not depend on the clock."""
    meet = db.session.scalars(select(Meet).where(Meet.number == 325)).one()
    return {
        "applications": db.session.execute(
            select(Application.number, Application.status, Application.entry_count)
            .where(Application.meet_id == meet.id).order_by(Application.id)
        ).all(),
        "entries": db.session.execute(
            select(Entry.athlete_id, Race.name, Entry.declared_time,
                   Entry.personal_best, Entry.status)
            .join(Race, Race.id == Entry.race_id)
            .where(Race.meet_id == meet.id).order_by(Entry.id)
        ).all(),
        "slots": db.session.execute(
            select(HeatSlot.entry_id, HeatSlot.position, HeatSlot.bib, Heat.number)
            .join(Heat, Heat.id == HeatSlot.heat_id)
            .where(HeatSlot.meet_id == meet.id).order_by(HeatSlot.id)
        ).all(),
        "results": db.session.execute(
            select(HeatResult.id).join(HeatSlot, HeatSlot.id == HeatResult.slot_id)
            .where(HeatSlot.meet_id == meet.id)
        ).all(),
    }  # fmt: skip


def test_the_results_step_leaves_the_upcoming_meet_as_it_was(app, monkeypatch):
    assert create_past_results in STEPS
    monkeypatch.setattr("nitsys.demo.STEPS", [s for s in STEPS if s is not create_past_results])
    seed_demo(DEFAULT_SEED)
    db.session.commit()
    without = upcoming_meet_rows()
    empty_all_tables()
    monkeypatch.undo()

    seed_demo(DEFAULT_SEED)
    db.session.commit()

    assert upcoming_meet_rows() == without
    assert without["entries"] and without["slots"] and not without["results"]
