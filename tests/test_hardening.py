"""Findings of the security and reliability probe (issue 13), each kept closed by a test."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from bench import xlsx_bomb
from nitsys import create_app
from nitsys.extensions import db
from tests import conftest, factories

# 1. Logout ends the session -------------------------------------------------------------


def test_cookie_copied_before_logout_no_longer_opens_the_account(app, client, login_as):
    login_as("participant")
    assert client.get("/my/").status_code == 200
    copied = client.get_cookie("session").value
    client.post("/auth/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    replay = thief.get("/my/")
    assert replay.status_code == 302
    assert "/auth/login" in replay.headers["Location"]


# 7. /readyz tells anonymous callers nothing about the database --------------------------


def test_readyz_does_not_show_database_connection_details(tmp_path):
    url = "postgresql://postgres@127.0.0.1:9/secret_meet_db?connect_timeout=1"
    broken = create_app(conftest.test_settings(url))
    response = broken.test_client().get("/readyz")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert body == "database unreachable\n"
    for detail in ("127.0.0.1", "secret_meet_db", "5432", ":9"):
        assert detail not in body


# 2. One neutralising writer for every CSV and xlsx ---------------------------------------

FORMULA_NAMES = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cells(data: bytes):
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _assert_csv_defused(data: bytes):
    cells = _csv_cells(data)
    assert any("cmd|" in cell for cell in cells)  # the names are there…
    for cell in cells:  # …but none would run
        assert not cell.startswith(DANGEROUS_START), repr(cell)


def _assert_xlsx_defused(data: bytes):
    book = load_workbook(io.BytesIO(data))
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"live formula {cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str) and cell.value.startswith(DANGEROUS_START):
                    assert cell.quotePrefix, f"{cell.coordinate}: {cell.value!r}"
                    seen.append(cell.value)
    assert any("cmd|" in value for value in seen)


def _formula_athletes(coach):
    for index, name in enumerate(FORMULA_NAMES):
        factories.make_athlete(coach.organization, last_name=name, first_name=name[:4] + "名")
        factories.make_athlete(coach.organization, jaaf_id=f"0{index:010d}")


def test_roster_exports_carry_no_live_formula(client, login_as):
    coach = login_as("participant")
    _formula_athletes(coach)
    csv_export = client.get("/my/athletes/export.csv")
    assert csv_export.status_code == 200
    _assert_csv_defused(csv_export.data)
    xlsx_export = client.get("/my/athletes/export.xlsx")
    assert xlsx_export.status_code == 200
    _assert_xlsx_defused(xlsx_export.data)


def test_staff_exports_carry_no_live_formula(app, client, login_as):
    staff = login_as("staff")
    meet = factories.make_meet()
    race = factories.make_race(meet, name="=1+1 男子5000m")
    coach = factories.make_user(full_name="=cmd|' /C calc'!A0")
    entries = factories.make_confirmed_entries(race, [90000, 91000], coach=coach)
    for entry, name in zip(entries, FORMULA_NAMES, strict=False):
        entry.athlete.last_name = name
    db.session.commit()
    factories.make_locked_heats(race, staff)
    workbook = client.post(f"/admin/meets/{meet.id}/exports/workbook")
    assert workbook.status_code == 200
    _assert_xlsx_defused(workbook.data)
    template = client.get(f"/my/meets/{meet.id}/import/template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.data))
    assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)


# 3 and 6. One safe opener for every uploaded workbook ----------------------------------


def _upload_roster(client, data: bytes):
    return client.post("/my/athletes/import", data={"file": (io.BytesIO(data), "選手.xlsx")})


def _upload_entries(client, meet, data: bytes):
    return client.post(
        f"/my/meets/{meet.id}/import", data={"file": (io.BytesIO(data), "entries.xlsx")}
    )


def test_a_workbook_bomb_is_refused_with_a_message_before_it_is_parsed(client, login_as):
    login_as("participant")
    meet = factories.make_meet()
    bomb = xlsx_bomb.row_bomb(400_000, columns=1)  # ~2.7 MB expanding to ~17 MB of XML
    for response in (_upload_roster(client, bomb), _upload_entries(client, meet, bomb)):
        assert response.status_code == 422
        assert "中身が大きすぎます" in response.get_data(as_text=True)


def test_reading_stops_at_the_row_limit(client, login_as):
    login_as("participant")
    meet = factories.make_meet()
    long_sheet = xlsx_bomb.row_bomb(20_000, columns=1)  # small enough to be parsed
    for response in (_upload_roster(client, long_sheet), _upload_entries(client, meet, long_sheet)):
        assert response.status_code == 422
        assert "行数が多すぎます" in response.get_data(as_text=True)


def test_a_workbook_with_a_dtd_is_a_could_not_read_message(client, login_as):
    login_as("participant")
    meet = factories.make_meet()
    for kind in ("laughs", "external"):
        data = xlsx_bomb.dtd_workbook(kind)
        for response in (_upload_roster(client, data), _upload_entries(client, meet, data)):
            assert response.status_code == 422, kind
            assert "読み込めませんでした" in response.get_data(as_text=True)


# 4. A check-in tap on a heat that is not locked ----------------------------------------


def test_check_in_on_an_unlocked_heat_answers_the_rule_in_place(client, login_as):
    login_as("official")
    race = factories.make_race(factories.make_meet())
    entries = factories.make_confirmed_entries(race, [90000])
    heat = factories.make_heat_with_slots(race, entries, locked=False)
    slot = heat.slots[0]
    response = client.post(
        f"/admin/checkin/slots/{slot.id}", data={"action": "check_in"}, headers={"HX-Request": "1"}
    )
    assert response.status_code == 422
    assert "まだ確定していません" in response.get_data(as_text=True)
    assert f'id="slot-{slot.id}"' in response.get_data(as_text=True)
    db.session.refresh(slot)
    assert slot.checked_in_at is None


# 8. A stranger's wrong passwords do not lock the owner out ------------------------------


def _login(client, password, address):
    return client.post(
        "/auth/login",
        data={"email": "coach@example.jp", "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_owner_still_signs_in_from_a_clean_address_after_a_stranger_locked_the_account(
    app,
):
    factories.make_user(email="coach@example.jp")
    stranger = app.test_client()
    for n in range(6):
        _login(stranger, "guess-guess", f"10.0.0.{n}")
    assert _login(stranger, "another-guess", "10.0.0.99").status_code == 429  # still locked
    assert _login(stranger, factories.PASSWORD, "10.0.0.1").status_code == 429  # a failing address
    owner = app.test_client()
    response = _login(owner, factories.PASSWORD, "192.0.2.7")
    assert response.status_code == 302
    assert owner.get("/my/").status_code == 200


def test_check_deploy_warns_when_several_workers_keep_limits_in_memory(app, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "memory://")
    output = app.test_cli_runner().invoke(args=["check-deploy"]).output
    assert "レート制限の回数がワーカー（3個）ごとのメモリに数えられます" in output
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "redis://:secret@127.0.0.1:6379/0")
    output = app.test_cli_runner().invoke(args=["check-deploy"]).output
    assert "ごとのメモリ" not in output
    assert "secret" not in output


# 9. Registration does not reveal which addresses have accounts --------------------------

REGISTRATION = {
    "kind": "individual",
    "password": "hashiru-2026",
    "password_confirm": "hashiru-2026",
    "full_name": "日体 太郎",
    "full_name_kana": "ニッタイ タロウ",
    "phone": "090-1234-5678",
}


def test_registering_an_existing_address_answers_like_a_new_one_and_mails_the_owner(app):
    from nitsys.models import OutboxMessage, User

    owner = factories.make_user(email="coach@example.jp")
    new = app.test_client().post("/auth/register", data={**REGISTRATION, "email": "new@example.jp"})
    taken = app.test_client().post(
        "/auth/register", data={**REGISTRATION, "email": "Coach@Example.jp"}
    )
    assert (taken.status_code, taken.headers["Location"]) == (
        new.status_code,
        new.headers["Location"],
    )
    assert "既に登録" not in taken.get_data(as_text=True)
    mail = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.to_address == owner.email)
    ).one()
    assert "/auth/login" in mail.body_text and "/auth/password-reset" in mail.body_text
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 2
    # A weak password is refused the same way whether or not the address exists.
    weak = {**REGISTRATION, "password": "12345678", "password_confirm": "12345678"}
    for email in ("coach@example.jp", "other@example.jp"):
        refused = app.test_client().post("/auth/register", data={**weak, "email": email})
        assert refused.status_code == 422
        assert "数字だけ" in refused.get_data(as_text=True)


# 11. An impossible date is called impossible, not badly formatted ----------------------


def test_an_impossible_birth_date_is_said_not_to_exist(client, login_as):
    login_as("participant")
    for typed, shown in (("2004/02/30", "2004年2月30日"), ("H16.2.30", "2004年2月30日")):
        fields = factories.athlete_fields(birth_date=typed)
        response = client.post("/my/athletes", data={f"new-{k}": v for k, v in fields.items()})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert f"{shown}という日付はありません" in page
        assert "の形で入力してください" not in page


def test_an_impossible_transfer_date_is_said_not_to_exist(client, login_as):
    coach = login_as("participant")
    race = factories.make_race(factories.make_meet())
    application = factories.make_submitted_entries(coach, race)
    response = client.post(
        f"/my/applications/{application.id}/payment",
        data={"transfer_date": "2026-02-30", "declared_amount": "2000", "payer_name": "ニッタイ"},
    )
    assert response.status_code == 422
    assert "2026年2月30日という日付はありません" in response.get_data(as_text=True)


def test_an_impossible_meet_day_is_said_not_to_exist(app):
    from flask_wtf import FlaskForm

    from nitsys.admin.meet_forms import JapanDateField, JapanDateTimeField

    class Days(FlaskForm):
        first_day = JapanDateField("開催日")
        entry_closes_at = JapanDateTimeField("締切")

    data = {"first_day": "2027-02-29", "entry_closes_at": "2027-04-31T09:00"}
    with app.test_request_context(method="POST", data=data):
        form = Days()
        form.validate()
    assert form.first_day.errors == [
        "2027年2月29日という日付はありません。日付を確認してください。"
    ]
    assert form.entry_closes_at.errors == [
        "2027年4月31日という日付はありません。日付を確認してください。"
    ]


# 10. Every PDF table keeps each cell's text inside its column ---------------------------

LONG_KANA = ("チェルイヨット", "アグネスアグネスアグネスアグネスアグネスアグネス")  # 30 characters


def _crossings(data: bytes) -> list[str]:
    """Characters of table text that straddle one of the table's vertical grid lines."""
    import pdfplumber

    found = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            verticals = [e for e in page.edges if e["orientation"] == "v"]
            for char in page.chars:
                for edge in verticals:
                    inside_rows = (
                        edge["top"] - 1 <= char["top"] and char["bottom"] <= edge["bottom"] + 1
                    )
                    if inside_rows and char["x0"] < edge["x0"] - 0.5 < char["x1"] - 1:
                        found.append(f"p{page.page_number} {char['text']} x={edge['x0']:.1f}")
    return found


def test_long_katakana_names_stay_inside_their_column_in_the_roll_call():
    from dataclasses import replace

    from nitsys.reports.meet_pdfs import roll_call_pdf
    from tests import sample_startlist

    first = sample_startlist.rows()[0]
    rows = [
        replace(first, last_name_kana=LONG_KANA[0], first_name_kana=LONG_KANA[1],
                last_name="キプチュンバ", first_name="ジョセフジョセフジョセフ",
                organization="チェルイヨットアスリートクラブ")
    ]  # fmt: skip
    data = roll_call_pdf(rows, title="点呼表")
    assert _crossings(data) == []


def test_long_katakana_names_stay_inside_their_column_in_the_entry_confirmation(app):
    from nitsys.reports.entry_confirmation import entry_confirmation_pdf

    coach = factories.make_user()
    race = factories.make_race(factories.make_meet())
    application = factories.make_submitted_entries(coach, race)
    athlete = application.entries[0].athlete
    athlete.last_name, athlete.first_name = "キプチュンバ", "ジョセフジョセフジョセフ"
    athlete.last_name_kana, athlete.first_name_kana = LONG_KANA
    db.session.commit()
    data = entry_confirmation_pdf(application, application.entries)
    assert _crossings(data) == []


# 13. Spreadsheet details ---------------------------------------------------------------


def test_the_athlete_templates_jaaf_id_column_is_text(client, login_as):
    login_as("participant")
    response = client.get("/my/athletes/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["選手一覧"]
    header = [cell.value for cell in sheet[1]]
    letter = chr(ord("A") + header.index("JAAF ID"))
    assert sheet.column_dimensions[letter].number_format == "@"


def test_ascii_fallback_names_are_distinct_and_meaningful():
    from nitsys.reports.download import ascii_filename

    names = ["男子5000m.pdf", "女子5000m.pdf", "点呼表_男子5000m.pdf", "点呼表_女子5000m.pdf"]
    fallbacks = [ascii_filename(name) for name in names]
    assert len(set(fallbacks)) == len(names)
    assert fallbacks[2] == "roll_call_M5000m.pdf"
    assert ascii_filename("第325回日本体育大学長距離競技会.pdf") != "325.pdf"
    assert ascii_filename("点呼リスト_A.pdf") != ascii_filename("点呼メモ_A.pdf")
