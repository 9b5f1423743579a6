"""The participant's entry pages: form fragments, submission, withdrawal, import, PDF, 404s."""

from __future__ import annotations

from io import BytesIO

import pdfplumber
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import Application, ApplicationStatus, Entry, EntryStatus, Gender, RaceGender
from nitsys.services import entries
from tests import factories
from tests.test_entry_rules import upload, workbook

HTMX = {"HX-Request": "true"}


@pytest.fixture
def coach(app, login_as):
    return login_as()


@pytest.fixture
def meet(app):
    meet = factories.make_meet(
        number=325,
        fee_per_entry=1000,
        bank_account=factories.make_bank_account(account_number="7654321"),
    )
    factories.make_race(meet, max_entries=10, standard_time=93000)
    factories.make_race(meet, distance=3000, gender=RaceGender.FEMALE)
    return meet


def races(meet):
    return {race.code: race for race in meet.races}


def add(client, meet, race, athlete, time="15:00.00", pb=""):
    return client.post(
        f"/my/meets/{meet.id}/entry",
        headers=HTMX,
        data={
            "race_id": race.id,
            "athlete_id": athlete.id,
            "declared_time": time,
            "personal_best": pb,
        },
    )


def test_meet_page_shows_races_capacity_fee_and_window(coach, client, meet):
    factories.make_submitted_entries(
        factories.make_user(), races(meet)["M5000"], 3, declared_time="15:10.00"
    )
    page = client.get(f"/my/meets/{meet.id}").text
    assert "男子5000m" in page and "女子3000m" in page
    assert "15:30.00" in page  # standard time
    assert "7名" in page  # 10 - 3 remaining
    assert "¥1,000" in page
    assert "受付中" in page


def test_meets_list_links_each_published_meet(coach, client, meet):
    factories.make_meet(is_published=False, name="非公開の大会")
    page = client.get("/my/meets").text
    assert meet.name in page and "非公開の大会" not in page


def test_adding_a_row_updates_the_total_and_capacity_out_of_band(coach, client, meet):
    athlete = factories.make_athlete(coach)
    response = add(client, meet, races(meet)["M5000"], athlete, pb="14:50.00")
    assert response.status_code == 200
    assert athlete.full_name in response.text
    assert 'id="entry-summary" class="entry-summary" hx-swap-oob="true"' in response.text
    assert "<strong data-entry-total>¥1,000</strong>" in response.text
    entry = db.session.scalars(select(Entry)).one()
    assert (entry.declared_time, entry.personal_best) == (90000, 89000)


def test_error_comes_back_in_place_with_the_typed_values(coach, client, meet):
    athlete = factories.make_athlete(coach)
    response = add(client, meet, races(meet)["M5000"], athlete, time="15:61.00")
    assert response.status_code == 422
    assert "秒は60未満" in response.text
    assert 'value="15:61.00"' in response.text


def test_reloading_the_form_shows_the_saved_draft(coach, client, meet):
    athlete = factories.make_athlete(coach)
    add(client, meet, races(meet)["M5000"], athlete, time="14:58.20")
    page = client.get(f"/my/meets/{meet.id}/entry").text
    assert athlete.full_name in page and 'value="14:58.20"' in page
    assert "325-0001" in page


def test_athlete_search_is_filtered_by_race_gender_and_roster(coach, client, meet):
    man = factories.make_athlete(coach, last_name="佐藤", first_name="一郎")
    woman = factories.make_athlete(coach, gender=Gender.FEMALE, last_name="佐藤", first_name="花子")
    stranger = factories.make_athlete(factories.make_user(), last_name="佐藤", first_name="三郎")
    retired = factories.make_athlete(coach, last_name="佐藤", first_name="四郎", is_active=False)
    race = races(meet)["F3000"]
    html = client.get(
        f"/my/meets/{meet.id}/athlete-options?race_id={race.id}&q=佐藤", headers=HTMX
    ).text
    assert woman.full_name in html
    for hidden in (man, stranger, retired):
        assert hidden.full_name not in html


def test_time_is_checked_as_typed_for_the_race_distance(coach, client, meet):
    race = races(meet)["M5000"]
    url = f"/my/meets/{meet.id}/validate-time"
    ok = client.post(url, headers=HTMX, data={"race_id": race.id, "declared_time": "14分30秒5"})
    assert ok.status_code == 200 and "14:30.50 として受け付けます" in ok.text
    slow = client.post(url, headers=HTMX, data={"race_id": race.id, "declared_time": "15:31.00"})
    assert slow.status_code == 422 and "参加標準記録" in slow.text
    silly = client.post(url, headers=HTMX, data={"race_id": race.id, "declared_time": "2:00.00"})
    assert silly.status_code == 422 and "ありえない値" in silly.text


def test_row_update_answers_the_row_and_keeps_a_bad_value_in_place(coach, client, meet):
    athlete = factories.make_athlete(coach)
    add(client, meet, races(meet)["M5000"], athlete)
    entry = db.session.scalars(select(Entry)).one()
    bad = client.post(
        f"/my/entries/{entry.id}/update",
        headers=HTMX,
        data={"declared_time": "abc", "personal_best": "", "note": ""},
    )
    assert bad.status_code == 422
    assert f'id="entry-{entry.id}"' in bad.text and 'value="abc"' in bad.text
    good = client.post(
        f"/my/entries/{entry.id}/update",
        headers=HTMX,
        data={"declared_time": "14:40.00", "personal_best": "", "note": ""},
    )
    assert good.status_code == 200 and 'value="14:40.00"' in good.text
    assert "保存済み" in good.text and "保存済み" not in bad.text  # one saving model: on change


def test_removing_a_row_without_javascript_redirects_back(coach, client, meet):
    athlete = factories.make_athlete(coach)
    add(client, meet, races(meet)["M5000"], athlete)
    entry = db.session.scalars(select(Entry)).one()
    response = client.post(f"/my/entries/{entry.id}/remove")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_submit_shows_amount_bank_and_reference(coach, client, meet):
    for _ in range(3):
        add(client, meet, races(meet)["M5000"], factories.make_athlete(coach))
    application = db.session.scalars(select(Application)).one()
    confirm = client.get(f"/my/applications/{application.id}/submit").text
    assert "¥3,000" in confirm
    response = client.post(f"/my/applications/{application.id}/submit", follow_redirects=True)
    assert response.status_code == 200
    for shown in ("325-0001", "¥3,000", "7654321", "ゆうちょ銀行", "入金待ち"):
        assert shown in response.text
    assert "申込 325-0001 を提出しました" in response.text  # a confirmation, plain POST too


def test_submitting_through_htmx_confirms_on_the_next_page(coach, client, meet):
    add(client, meet, races(meet)["M5000"], factories.make_athlete(coach))
    application = db.session.scalars(select(Application)).one()
    response = client.post(f"/my/applications/{application.id}/submit", headers=HTMX)
    assert response.status_code == 204
    landed = client.get(response.headers["HX-Redirect"]).text
    assert "申込 325-0001 を提出しました" in landed


def test_withdrawal_notice_from_the_application_page(coach, client, meet):
    application = factories.make_submitted_entries(coach, races(meet)["M5000"], 1)
    entry = application.entries[0]
    refused = client.post(f"/my/entries/{entry.id}/withdraw", headers=HTMX, data={"reason": ""})
    assert refused.status_code == 422 and "欠場の理由を入力してください" in refused.text
    done = client.post(
        f"/my/entries/{entry.id}/withdraw", headers=HTMX, data={"reason": "故障のため"}
    )
    assert done.status_code == 200 and "故障のため" in done.text
    assert db.session.get(Entry, entry.id).status is EntryStatus.WITHDRAWN


def test_history_lists_submitted_entries_across_meets(coach, client, meet):
    other_meet = factories.make_meet(name="第326回日本体育大学長距離競技会")
    factories.make_submitted_entries(coach, races(meet)["M5000"], 1)
    factories.make_submitted_entries(coach, factories.make_race(other_meet), 1)
    page = client.get("/my/entries").text
    assert meet.name in page and other_meet.name in page


def test_dashboard_tells_the_next_step_of_each_application(coach, client, meet):
    submitted = factories.make_submitted_entries(coach, races(meet)["M5000"], 1)
    add(client, meet, races(meet)["M5000"], factories.make_athlete(coach))
    rejected = factories.make_submitted_entries(
        coach, factories.make_race(factories.make_meet()), 1
    )
    rejected.rejection_reason = "金額が不足しています"
    db.session.commit()
    page = client.get("/my/").text
    assert "入力を続けて提出する" in page
    assert f"{submitted.total_amount:,}" in page and "明細をアップロード" in page
    assert "再アップロード" in page and "金額が不足しています" in page


def test_other_teams_objects_answer_404(coach, client, meet):
    rival = factories.make_user()
    application = factories.make_submitted_entries(rival, races(meet)["M5000"], 1)
    entry = application.entries[0]
    for method, url in (
        ("get", f"/my/applications/{application.id}"),
        ("get", f"/my/applications/{application.id}/submit"),
        ("get", f"/my/applications/{application.id}/confirmation.pdf"),
        ("post", f"/my/applications/{application.id}/submit"),
        ("post", f"/my/entries/{entry.id}/update"),
        ("post", f"/my/entries/{entry.id}/remove"),
        ("post", f"/my/entries/{entry.id}/withdraw"),
    ):
        assert getattr(client, method)(url).status_code == 404, url
    assert db.session.get(Entry, entry.id).status is EntryStatus.SUBMITTED


def test_confirmation_pdf_has_japanese_names_and_times(coach, client, meet):
    athlete = factories.make_athlete(coach, last_name="日体", first_name="太郎")
    add(client, meet, races(meet)["M5000"], athlete, time="14:31.05")
    application = db.session.scalars(select(Application)).one()
    response = client.get(f"/my/applications/{application.id}/confirmation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with pdfplumber.open(BytesIO(response.data)) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    for shown in ("エントリー申込確認書", "日体 太郎", "14:31.05", "男子5000m", "325-0001"):
        assert shown in text


def test_template_has_the_meet_race_codes(coach, client, meet):
    response = client.get(f"/my/meets/{meet.id}/import/template.xlsx")
    book = load_workbook(BytesIO(response.data))
    header = [cell.value for cell in book["エントリーデータ"][1]]
    assert header[:5] == ["JAAF ID", "姓", "名", "種目コード", "申告タイム"]
    codes = {row[0] for row in book["入力説明"].iter_rows(values_only=True)}
    assert {"M5000", "F3000"} <= codes


def test_import_preview_then_confirm_adds_all_rows(coach, client, meet):
    man = factories.make_athlete(coach, jaaf_id="")
    woman = factories.make_athlete(coach, gender=Gender.FEMALE)
    data = workbook(
        [
            ("", man.last_name, man.first_name, "m5000", "14:59.00", "14:50.00"),
            (woman.jaaf_id, "", "", "F3000", "10:05.00", None),
        ]
    )
    preview = upload(client, meet, data)
    assert "取り込み可能 <strong>2</strong>行" in preview.text
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0
    token = preview.text.split("/import/")[1].split("/confirm")[0]
    done = client.post(f"/my/meets/{meet.id}/import/{token}/confirm")
    assert done.status_code == 302
    rows = db.session.scalars(select(Entry).order_by(Entry.id)).all()
    assert [(e.athlete_id, e.declared_time, e.personal_best) for e in rows] == [
        (man.id, 89900, 89000),
        (woman.id, 60500, None),
    ]
    assert client.post(f"/my/meets/{meet.id}/import/{token}/confirm").status_code == 422


def test_import_is_all_or_nothing_and_checks_rows_against_each_other(coach, client, meet):
    athlete = factories.make_athlete(coach)
    data = workbook(
        [
            (athlete.jaaf_id, "", "", "M5000", "14:59.00", ""),
            (athlete.jaaf_id, "", "", "M5000", "14:58.00", ""),
            ("", "", "", "Z9", "14:58.00", ""),
        ]
    )
    preview = upload(client, meet, data)
    assert "既に男子5000mにエントリーしています" in preview.text
    assert "種目コード「Z9」が読み取れません" in preview.text
    assert "取り込む" not in preview.text.split("別のファイル")[0].split("</table>")[1]
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_import_reads_spreadsheet_time_cells(coach, client, meet):
    from datetime import time

    athlete = factories.make_athlete(coach)
    preview = upload(client, meet, workbook([(athlete.jaaf_id, "", "", "M5000", time(14, 30), "")]))
    assert "14:30.00" in preview.text and "取り込み可能 <strong>1</strong>行" in preview.text


def test_import_refuses_files_that_are_not_xlsx(coach, client, meet):
    response = upload(client, meet, b"not a workbook")
    assert response.status_code == 422 and "読み込めませんでした" in response.text


def test_the_status_of_a_submitted_application_is_shown(coach, client, meet):
    application = factories.make_submitted_entries(coach, races(meet)["M5000"], 2)
    application.status = ApplicationStatus.UNDER_REVIEW
    db.session.commit()
    page = client.get(f"/my/applications/{application.id}").text
    assert "確認中" in page and "事務局が入金を確認しています" in page
    assert entries.remaining_capacity([races(meet)["M5000"]])[races(meet)["M5000"].id] == 8


def test_athlete_search_reads_hiragana_and_shows_who_is_already_entered(coach, client, meet):
    race = races(meet)["M5000"]
    entered = factories.make_athlete(
        coach,
        last_name="山田",
        first_name="一郎",
        last_name_kana="ヤマダ",
        first_name_kana="イチロウ",
    )
    free = factories.make_athlete(
        coach,
        last_name="山田",
        first_name="次郎",
        last_name_kana="ヤマダ",
        first_name_kana="ジロウ",
    )
    inside = factories.make_athlete(
        coach,
        last_name="小山田",
        first_name="三郎",
        last_name_kana="オヤマダ",
        first_name_kana="サブロウ",
    )
    add(client, meet, race, entered, time="14:58.20")
    html = client.get(
        f"/my/meets/{meet.id}/athlete-options?race_id={race.id}&q=やまだ", headers=HTMX
    ).text
    assert inside.full_name not in html  # not a hit inside a word
    assert f'<option value="{free.id}">' in html
    assert f'<option value="{entered.id}" disabled>' in html
    assert "エントリー済" in html.split(entered.full_name)[1].split("</option>")[0]


def test_history_is_grouped_by_meet_newest_first_with_results_once_over(client):
    from datetime import UTC, datetime, timedelta

    from nitsys.models import User
    from tests.test_results_import import make_heat
    from tests.test_results_views import import_for

    today = (datetime.now(UTC) + timedelta(hours=9)).date()
    held = today - timedelta(days=10)
    past = factories.make_meet(
        name="第320回日本体育大学長距離競技会", first_day=held, last_day=held
    )
    heat = make_heat(factories.make_race(past))
    import_for(heat)
    winner = heat.slots[2].entry
    coach = db.session.get(User, winner.application.created_by_id)
    upcoming = factories.make_meet(name="第330回日本体育大学長距離競技会")
    factories.make_confirmed_entries(factories.make_race(upcoming), [90000], coach=coach)
    factories.log_in(client, coach)

    page = client.get("/my/entries").text
    assert page.index("第330回") < page.index("第320回")  # newest first
    past_section = page[page.index("第320回") :]
    assert "14:20.43" in past_section and "1位" in past_section and "途中棄権" in past_section
    assert f"/meets/{past.id}/results" in past_section
