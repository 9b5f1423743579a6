"""Published heats: the coach's dashboard and team sheet, the public start list."""

from datetime import UTC, datetime

from nitsys.extensions import db
from nitsys.services import heats
from tests.factories import (
    make_confirmed_entries,
    make_heat_with_slots,
    make_meet,
    make_race,
    make_user,
)

FIRST_START = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 10:00 in Japan


def published_race(official, coach, *, publish=True):
    meet = make_meet(name="第330回日本体育大学長距離競技会", call_offset_minutes=20)
    race = make_race(meet, heat_capacity=2, first_start_at=FIRST_START, heat_interval_minutes=15)
    mine = make_confirmed_entries(race, [90000, 91000], coach=coach)
    others = make_confirmed_entries(race, [92000])
    heats.generate_heats(race.id, by=official)
    heats.assign_bibs(meet.id, by=official)
    for heat in heats.race_heats(race.id):
        heats.lock_heat(heat.id, by=official)
    if publish:
        heats.publish_race(race.id, by=official)
    db.session.commit()
    return meet, race, mine, others


def test_a_coach_sees_their_runners_heat_bib_start_and_call_time(client, login_as):
    coach = login_as("participant")
    _meet, _race, mine, others = published_race(make_user("official"), coach)

    page = client.get("/my/").get_data(as_text=True)

    assert mine[0].athlete.full_name in page and others[0].athlete.full_name not in page
    # Slow first: the faster two (both mine) run in the last heat, 2nd heat at 10:15.
    # Bibs follow running order: the other team's runner in heat 1 took 1000.
    row = page[page.index(mine[0].athlete.full_name) :]
    cells = ["第2組", '<td data-label="腰No.">1</td>', "1001", "12/05 10:15", "09:55"]
    assert all(cell in row[:600] for cell in cells)


def test_unpublished_heats_stay_hidden_from_the_coach(client, login_as):
    coach = login_as("participant")
    meet, _race, mine, _ = published_race(make_user("official"), coach, publish=False)

    assert mine[0].athlete.full_name not in client.get("/my/").get_data(as_text=True)
    sheet = client.get(f"/my/meets/{meet.id}/heats").get_data(as_text=True)
    assert "公開済みの組に登録された選手はいません" in sheet


def test_the_team_sheet_lists_the_teams_runners(client, login_as):
    coach = login_as("participant")
    meet, _race, mine, others = published_race(make_user("official"), coach)

    sheet = client.get(f"/my/meets/{meet.id}/heats").get_data(as_text=True)

    assert all(entry.athlete.full_name in sheet for entry in mine)
    assert others[0].athlete.full_name not in sheet


def test_the_public_start_list_finds_a_heat_without_private_data(client):
    meet, race, mine, _ = published_race(make_user("official"), make_user())
    athlete = mine[0].athlete

    listing = client.get(f"/meets/{meet.id}/startlist/{race.id}").get_data(as_text=True)
    found = client.get(
        f"/meets/{meet.id}/startlist", query_string={"q": athlete.last_name + athlete.first_name}
    ).get_data(as_text=True)

    assert athlete.full_name in listing and athlete.full_name_kana in listing
    assert athlete.jaaf_id not in listing and "2004" not in listing
    assert athlete.full_name in found and "第2組" in found


def test_the_public_start_list_hides_unpublished_heats(client):
    meet, race, mine, _ = published_race(make_user("official"), make_user(), publish=False)

    listing = client.get(f"/meets/{meet.id}/startlist/{race.id}").get_data(as_text=True)

    assert mine[0].athlete.full_name not in listing
    assert "まだ公開されていません" in listing


def test_the_team_sheet_of_a_meet_that_is_over_shows_each_time_and_place(client, login_as):
    from datetime import timedelta

    from tests.test_results_views import import_for

    coach = login_as("participant")
    held = (datetime.now(UTC) + timedelta(hours=9)).date() - timedelta(days=5)
    meet = make_meet(first_day=held, last_day=held)
    race = make_race(meet)
    entries = make_confirmed_entries(race, [90000 + n * 100 for n in range(5)], coach=coach)
    heat = make_heat_with_slots(race, entries)
    heats.publish_race(race.id, by=make_user("official"))
    db.session.commit()
    import_for(heat)

    sheet = client.get(f"/my/meets/{meet.id}/heats").get_data(as_text=True)
    winner = sheet[sheet.index(heat.slots[2].entry.athlete.full_name) :]
    assert "14:20.43" in winner[:800] and "1位" in winner[:800]
    assert "<th>記録</th><th>順位</th>" in sheet
