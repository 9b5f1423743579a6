"""The day-of desk pages: search as you type, one-tap changes, call room, live progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from nitsys.extensions import db
from nitsys.models import ApplicationStatus, EntryStatus, HeatSlot
from tests.factories import (
    make_confirmed_entries,
    make_heat_with_slots,
    make_race,
    make_user,
    toast_message,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def heat(app):
    race = make_race(first_start_at=datetime.now(UTC) + timedelta(minutes=10))
    entries = make_confirmed_entries(race, [90000, 91000, 92000])
    return make_heat_with_slots(race, entries, bib=700)


def slots_of(heat) -> list[HeatSlot]:
    return db.session.scalars(
        select(HeatSlot).where(HeatSlot.heat_id == heat.id).order_by(HeatSlot.position)
    ).all()


def tap(client, slot: HeatSlot, action: str):
    return client.post(f"/admin/checkin/slots/{slot.id}", data={"action": action}, headers=HTMX)


def test_the_desk_is_for_officials_only(client, login_as, heat):
    login_as("participant")
    assert client.get(f"/admin/meets/{heat.race.meet_id}/checkin").status_code == 403
    assert tap(client, slots_of(heat)[0], "check_in").status_code == 403
    assert not slots_of(heat)[0].checked_in


def test_search_as_you_type_answers_with_cards(client, login_as, heat):
    login_as("official")
    meets = client.get("/admin/checkin")
    assert 'href="/admin/checkin">受付・点呼</a>' in meets.text  # the nav link
    assert f"/admin/meets/{heat.race.meet_id}/checkin" in meets.text
    page = client.get(f"/admin/meets/{heat.race.meet_id}/checkin")
    assert 'hx-trigger="input changed delay:250ms' in page.text

    response = client.get(f"/admin/meets/{heat.race.meet_id}/checkin?q=701", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.count('class="checkin-card') == 1
    assert ">701<" in response.text and "腰ナンバー2" in response.text and "未点呼" in response.text


def test_a_tap_answers_with_the_card_the_server_holds(client, login_as, heat):
    login_as("official")
    slot = slots_of(heat)[0]

    response = tap(client, slot, "check_in")
    assert response.status_code == 200
    assert "点呼済み" in response.text and 'value="undo"' in response.text
    assert "点呼を完了しました" in toast_message(response)
    assert "checkin-changed" in response.headers["HX-Trigger"]

    again = tap(client, slot, "check_in")  # the second desk asked for the same state
    assert again.status_code == 200 and "点呼済み" in again.text

    response = tap(client, slot, "dns")
    assert "欠場（DNS）" in response.text and 'value="undo_dns"' in response.text
    db.session.expire_all()
    assert slot.dns and not slot.checked_in and slot.entry.status is EntryStatus.DNS


def test_an_unpaid_runner_is_refused_by_the_server_with_the_trouble_desk_link(
    client, login_as, heat
):
    slot = slots_of(heat)[0]
    slot.entry.application.status = ApplicationStatus.UNDER_REVIEW
    db.session.commit()
    login_as("official")

    response = tap(client, slot, "check_in")
    assert response.status_code == 422
    assert "トラブルデスク" in response.text
    assert f"/admin/payments/force?entry={slot.entry_id}" in response.text
    db.session.expire_all()
    assert not slot.checked_in
    force = client.get(f"/admin/payments/force?entry={slot.entry_id}")
    assert force.status_code == 200 and slot.entry.application.number in force.text


def test_an_unknown_action_or_slot_is_refused(client, login_as, heat):
    login_as("official")
    assert tap(client, slots_of(heat)[0], "flip").status_code == 400
    response = client.post("/admin/checkin/slots/999999", data={"action": "check_in"})
    assert response.status_code == 404


def test_the_call_room_lists_the_heat_in_position_order_with_the_next_heat(client, login_as, heat):
    second = make_heat_with_slots(
        heat.race, make_confirmed_entries(heat.race, [93000]), number=2, bib=800
    )
    login_as("official")
    tap(client, slots_of(heat)[1], "check_in")

    page = client.get(f"/admin/checkin/heats/{heat.id}")
    assert page.status_code == 200
    assert page.text.index(">700<") < page.text.index(">701<") < page.text.index(">702<")
    assert "点呼済 <strong>1</strong>" in page.text and "未点呼 <strong>2</strong>" in page.text
    assert f"/admin/checkin/heats/{second.id}" in page.text and "次の組" in page.text
    assert "前の組" in client.get(f"/admin/checkin/heats/{second.id}").text


def request_queries(client, path: str, headers: dict) -> tuple[int, str]:
    statements = []

    def note(conn, cursor, statement, *args):
        # The maintenance switch is read at most once a second per process, not per request.
        if "system_settings" not in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200
    return len(statements), response.text


@pytest.mark.parametrize("heat_count", [2, 20])
def test_the_progress_partial_takes_at_most_four_queries(client, login_as, heat_count):
    race = make_race(first_start_at=datetime.now(UTC) + timedelta(minutes=5))
    coach = make_user()
    for number in range(1, heat_count + 1):
        entries = make_confirmed_entries(race, [90000, 91000], coach=coach)
        make_heat_with_slots(race, entries, number=number)
    login_as("official")
    path = f"/admin/meets/{race.meet_id}/checkin/progress"

    queries, text = request_queries(client, path, {**HTMX, "X-Nitsys-Poll": "1"})
    assert queries <= 4
    assert text.count("組</a>") == heat_count
    assert "未点呼:" in text  # the first heat's call time has come: its missing runners


def test_the_progress_page_polls_without_counting_as_activity(client, login_as, heat):
    login_as("official")
    page = client.get(f"/admin/meets/{heat.race.meet_id}/checkin/progress")
    assert 'hx-trigger="every 5s"' in page.text and "X-Nitsys-Poll" in page.text
    assert 'data-count="waiting">3<' in page.text
