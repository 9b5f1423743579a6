"""The programme builder pages: overview, race page with lazy heats, HTMX edits."""

from sqlalchemy import select

from nitsys.extensions import db
from nitsys.models import Heat, HeatOrder, HeatSlot
from nitsys.services import heats
from tests.factories import make_confirmed_entries, make_meet, make_race

HTMX = {"HX-Request": "true"}


def built_race(official, count=4):
    meet = make_meet(name="第330回日本体育大学長距離競技会")
    race = make_race(meet, heat_capacity=2, heat_order=HeatOrder.FAST_FIRST)
    entries = make_confirmed_entries(race, [90000 + i * 100 for i in range(count)])
    heats.generate_heats(race.id, by=official)
    db.session.commit()
    return race, entries, heats.race_heats(race.id)


def slot_of(entry) -> HeatSlot:
    return db.session.scalar(select(HeatSlot).where(HeatSlot.entry_id == entry.id))


def test_the_meet_overview_lists_races_with_counts(client, login_as):
    official = login_as("official")
    race, _, _ = built_race(official)

    page = client.get(f"/admin/meets/{race.meet_id}/programme").get_data(as_text=True)

    assert race.name in page and "4名" in page and "2組" in page
    assert "NCG選考を実行" in page and "ゼッケンを全件振り直す" in page


def test_participants_cannot_open_the_builder(client, login_as):
    race = make_race()
    login_as("participant")

    assert client.get(f"/admin/meets/{race.meet_id}/programme").status_code == 403


def test_the_race_page_loads_runners_only_when_a_heat_is_opened(client, login_as):
    official = login_as("official")
    race, entries, (first, _) = built_race(official)
    name = entries[0].athlete.full_name

    page = client.get(f"/admin/programme/races/{race.id}").get_data(as_text=True)
    assert "第1組" in page and "第2組" in page and name not in page

    fragment = client.get(f"/admin/programme/heats/{first.id}", headers=HTMX).get_data(as_text=True)
    assert name in fragment and "<html" not in fragment


def test_a_move_answers_with_both_heats_swapped_in_place(client, login_as):
    official = login_as("official")
    _race, entries, (first, second) = built_race(official)

    response = client.post(
        f"/admin/programme/slots/{slot_of(entries[0]).id}/move",
        data={"to_heat": second.id, "position": 1},
        headers=HTMX,
    )

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="heat-{first.id}"' in body and f'id="heat-{second.id}"' in body
    assert body.count('hx-swap-oob="true"') == 3  # two heats and the message area
    assert slot_of(entries[0]).heat_id == second.id


def test_a_move_into_a_locked_heat_shows_the_refusal(client, login_as):
    official = login_as("official")
    _race, entries, (first, second) = built_race(official)
    heats.lock_heat(second.id, by=official)
    db.session.commit()

    response = client.post(
        f"/admin/programme/slots/{slot_of(entries[0]).id}/move",
        data={"to_heat": second.id},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert "確定済みのため変更できません" in response.get_data(as_text=True)
    assert slot_of(entries[0]).heat_id == first.id


def test_generate_lock_and_assign_bibs_from_the_pages(client, login_as):
    login_as("official")
    meet = make_meet()
    race = make_race(meet, heat_capacity=3)
    make_confirmed_entries(race, [90000 + i for i in range(5)])

    client.post(f"/admin/meets/{meet.id}/programme/generate")
    client.post(f"/admin/meets/{meet.id}/programme/bibs")
    first = heats.race_heats(race.id)[0]
    response = client.post(f"/admin/programme/heats/{first.id}/lock", headers=HTMX)

    assert response.status_code == 200 and "確定" in response.get_data(as_text=True)
    assert db.session.get(Heat, first.id).locked
    assert sorted(db.session.scalars(select(HeatSlot.bib))) == list(range(1000, 1005))


def test_renumber_all_without_confirmation_is_refused(client, login_as):
    official = login_as("official")
    race, _, _ = built_race(official)
    heats.assign_bibs(race.meet_id, by=official)
    db.session.commit()

    response = client.post(
        f"/admin/meets/{race.meet_id}/programme/bibs", data={"renumber": "1"}, follow_redirects=True
    )

    assert "確認のうえ" in response.get_data(as_text=True)


def test_the_heat_number_button_moves_a_runner_and_refuses_a_missing_heat(client, login_as):
    official = login_as("official")
    _race, entries, (_first, second) = built_race(official)
    url = f"/admin/programme/slots/{slot_of(entries[0]).id}/move"

    missing = client.post(url, data={"to_number": 9}, headers=HTMX)
    moved = client.post(url, data={"to_number": 2}, headers=HTMX)

    assert missing.status_code == 422 and "第9組はありません" in missing.get_data(as_text=True)
    assert moved.status_code == 200
    assert slot_of(entries[0]).heat_id == second.id and slot_of(entries[0]).position == 3


def test_a_heat_start_override_is_read_as_japan_time(client, login_as):
    official = login_as("official")
    _race, _entries, (first, _second) = built_race(official)

    response = client.post(
        f"/admin/programme/heats/{first.id}/start",
        data={"start_at": "2026-12-05T10:30"},
        headers=HTMX,
    )

    assert response.status_code == 200 and "開始 10:30" in response.get_data(as_text=True)
    assert "招集 10:10" in response.get_data(as_text=True)


def test_the_whole_race_shows_every_runner_of_every_heat_in_one_request(client, login_as):
    from tests.test_payment_queries import count_queries

    official = login_as("official")
    race, entries, _heats = built_race(official, count=4)
    page = client.get(f"/admin/programme/races/{race.id}/all").get_data(as_text=True)
    assert "第1組" in page and "第2組" in page
    assert all(entry.athlete.full_name in page for entry in entries)
    assert page.index("第1組") < page.index("第2組")
    few = count_queries(client, f"/admin/programme/races/{race.id}/all")
    more, _, _ = built_race(official, count=12)  # six heats: the same queries
    assert count_queries(client, f"/admin/programme/races/{more.id}/all") == few <= 6


def test_a_move_names_the_runner_and_the_heat_and_marks_the_row(client, login_as):
    from tests.factories import toast_message

    official = login_as("official")
    _race, entries, _heats = built_race(official)
    slot = slot_of(entries[0])
    response = client.post(
        f"/admin/programme/slots/{slot.id}/move", data={"to_number": 2}, headers=HTMX
    )
    name = entries[0].athlete.full_name
    assert toast_message(response) == f"{name}を第2組へ移動しました。"
    moved = response.get_data(as_text=True).split(f'id="slot-{slot.id}"')[1]
    assert moved.startswith(' class="just-moved"')


def test_the_row_buttons_of_a_heat_move_and_step_the_runner_they_name(client, login_as):
    official = login_as("official")
    _race, entries, (first, second) = built_race(official)
    url = f"/admin/programme/heats/{first.id}/rows"
    slot = slot_of(entries[0])
    missing = client.post(url, data={"move": slot.id}, headers=HTMX)
    assert missing.status_code == 422 and "移動先の組番号を入力してください" in missing.text
    other = slot_of(next(e for e in entries if slot_of(e).heat_id == first.id and e != entries[0]))
    forged = client.post(url, data={"up": "9" * 30}, headers=HTMX)
    assert forged.status_code == 404
    step = client.post(url, data={"up": other.id}, headers=HTMX)
    assert step.status_code == 200 and slot_of(other.entry).position == 1
    moved = client.post(url, data={"move": slot.id, f"to{slot.id}": "2"}, headers=HTMX)
    assert moved.status_code == 200 and slot_of(entries[0]).heat_id == second.id
    assert client.post(url, data={"move": slot.id, f"to{slot.id}": "2"}).status_code == 404


def test_a_heat_of_forty_stays_small(client, login_as):
    official = login_as("official")
    race = make_race(heat_capacity=40)
    make_confirmed_entries(race, [85000 + n for n in range(40)])
    heats.generate_heats(race.id, by=official)
    heats.assign_bibs(race.meet_id, by=official)
    db.session.commit()
    (heat,) = heats.race_heats(race.id)
    response = client.get(f"/admin/programme/heats/{heat.id}", headers=HTMX)
    assert response.status_code == 200, response.data[-2000:]
    body = response.data
    assert body.count(b"<tr id=") == 40 and len(body) < 25 * 1024
