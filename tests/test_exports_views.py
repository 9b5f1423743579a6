"""The exports page: staff only, downloads with RFC 6266 names, refusals shown, the log listed."""

import codecs
from datetime import date
from urllib.parse import quote

from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import ExportLog
from tests.factories import make_locked_heats, make_meet, make_race, make_user
from tests.test_exports_service import build_race


def ready_race(staff):
    race, _ = build_race()
    make_locked_heats(race, staff)
    return race


def test_staff_see_both_exports_with_their_options(client, login_as):
    staff = login_as("staff")
    race = ready_race(staff)

    page = client.get(f"/admin/meets/{race.meet_id}/exports").get_data(as_text=True)

    assert "スタートリスト（CSV）" in page and "FinishLynx" in page
    assert "UTF-8（BOM付き）" in page and "ASCII（ローマ字）" in page
    assert f'<option value="{race.id}">男子5000m</option>' in page
    assert "まだ出力できない" not in page and "まだ出力されていません" in page


def test_the_page_says_what_is_not_ready(client, login_as):
    login_as("staff")
    race, _ = build_race()

    page = client.get(f"/admin/meets/{race.meet_id}/exports").get_data(as_text=True)

    assert "男子5000m: 組がまだ編成されていません（確定エントリー3名）" in page


def test_participants_and_officials_are_refused(client, login_as):
    race = make_race()
    for role in ("participant", "official"):
        login_as(role)
        assert client.get(f"/admin/meets/{race.meet_id}/exports").status_code == 403
        posted = client.post(
            f"/admin/meets/{race.meet_id}/exports/startlist", data={"encoding": "utf-8-sig"}
        )
        assert posted.status_code == 403
    assert db.session.scalar(select(func.count(ExportLog.id))) == 0


def test_the_start_list_downloads_with_an_rfc_6266_name_and_is_logged(client, login_as):
    staff = login_as("staff")
    race = ready_race(staff)

    response = client.post(
        f"/admin/meets/{race.meet_id}/exports/startlist",
        data={"race_id": race.id, "encoding": "utf-8-sig"},
    )

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="startlist_2026-12-05_M5000m.csv"; '
        f"filename*=UTF-8''{quote('startlist_2026-12-05_男子5000m.csv')}"
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(codecs.BOM_UTF8) and "髙橋 健太".encode() in response.data
    page = client.get(f"/admin/meets/{race.meet_id}/exports").get_data(as_text=True)
    assert "startlist_2026-12-05_男子5000m.csv" in page and staff.full_name in page


def test_the_lynx_zip_downloads_and_is_logged(client, login_as):
    staff = login_as("staff")
    race = ready_race(staff)

    response = client.post(
        f"/admin/meets/{race.meet_id}/exports/lynx", data={"race_id": "", "encoding": "cp932"}
    )

    assert response.status_code == 200 and response.content_type == "application/zip"
    assert response.data.startswith(b"PK")
    log = db.session.scalar(select(ExportLog))
    assert (log.kind, log.race_id, log.parameters) == ("lynx_zip", None, {"encoding": "cp932"})


def test_a_refused_export_returns_to_the_page_with_the_message(client, login_as):
    login_as("staff")
    race, _ = build_race()

    response = client.post(
        f"/admin/meets/{race.meet_id}/exports/lynx",
        data={"race_id": race.id, "encoding": "utf-16-le"},
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert response.request.path == f"/admin/meets/{race.meet_id}/exports"
    assert "まだ出力できません。男子5000m: 組がまだ編成されていません" in page
    assert db.session.scalar(select(func.count(ExportLog.id))) == 0


def test_an_unknown_encoding_is_a_bad_request(client, login_as):
    login_as("staff")
    meet = make_meet()

    response = client.post(
        f"/admin/meets/{meet.id}/exports/startlist", data={"encoding": "latin-1"}
    )

    assert response.status_code == 400


def test_the_meet_page_links_to_the_exports_for_staff_only(client, login_as):
    meet = make_meet()
    link = f"/admin/meets/{meet.id}/exports"
    login_as(make_user("official"))
    assert link not in client.get(f"/admin/meets/{meet.id}").get_data(as_text=True)
    login_as("staff")
    assert link in client.get(f"/admin/meets/{meet.id}").get_data(as_text=True)


def test_a_two_day_meet_offers_the_lynx_files_per_day(client, login_as):
    staff = login_as("staff")
    race = ready_race(staff)
    race.meet.last_day = date(2026, 12, 6)
    db.session.commit()

    page = client.get(f"/admin/meets/{race.meet_id}/exports").get_data(as_text=True)
    response = client.post(
        f"/admin/meets/{race.meet_id}/exports/lynx",
        data={"race_id": "", "encoding": "cp932", "day": "2026-12-05"},
    )
    forged = client.post(
        f"/admin/meets/{race.meet_id}/exports/lynx",
        data={"race_id": "", "encoding": "cp932", "day": "5th"},
    )

    assert '<option value="2026-12-06">2026年12月6日(日)</option>' in page
    assert response.status_code == 200
    assert quote("lynx_2026-12-05_全種目.zip") in response.headers["Content-Disposition"]
    assert forged.status_code == 400


def test_a_download_answers_the_pages_token_in_a_cookie(client, login_as):
    staff = login_as("staff")
    race = ready_race(staff)
    url = f"/admin/meets/{race.meet_id}/exports/startlist"
    data = {"race_id": race.id, "encoding": "utf-8-sig"}
    answered = client.post(url, data={**data, "download_token": "abc123XYZ9"})
    assert "nitsys_download=abc123XYZ9" in answered.headers["Set-Cookie"]
    forged = client.post(url, data={**data, "download_token": "x; Path=/; evil"})
    assert "nitsys_download" not in forged.headers.get("Set-Cookie", "")
    page = client.get(f"/admin/meets/{race.meet_id}/exports")
    assert "nitsys_download" not in page.headers.get("Set-Cookie", "")
