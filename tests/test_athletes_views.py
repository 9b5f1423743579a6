"""Roster pages: HTMX fragments, plain-form fallbacks, other teams' athletes unreachable."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import Athlete
from nitsys.reports import athlete_files
from tests.factories import make_athlete, make_user

HX = {"HX-Request": "true"}


def form_data(prefix="new", **changes):
    values = {
        "last_name": "青山", "first_name": "学", "last_name_kana": "アオヤマ",
        "first_name_kana": "マナブ", "gender": "M", "birth_date": "2005-04-01", "grade": "1",
        "pref": "13", "jaaf_id": "12345678901", "nationality": "JPN",
    }  # fmt: skip
    values.update(changes)
    return {f"{prefix}-{key}": value for key, value in values.items()}


@pytest.fixture
def coach(login_as):
    return login_as("participant")


def test_roster_page_and_search_fragment(client, coach):
    make_athlete(coach, last_name="山田", first_name="太郎")
    make_athlete(coach, last_name="鈴木", first_name="一郎", last_name_kana="スズキ",
                 first_name_kana="イチロウ")  # fmt: skip
    page = client.get("/my/athletes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "選手管理" in html and "山田 太郎" in html and "鈴木 一郎" in html
    assert 'hx-trigger="input changed delay:250ms, search"' in html

    fragment = client.get("/my/athletes?q=すずき", headers=HX).get_data(as_text=True)
    assert fragment.startswith('<div id="roster-results">')
    assert "鈴木 一郎" in fragment and "山田 太郎" not in fragment and "<html" not in fragment


def test_inline_add_returns_the_row_and_a_fresh_form(client, coach):
    response = client.post("/my/athletes", data=form_data(), headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="athlete-form-new"' in html and "青山 学" in html
    assert "toast" in response.headers["HX-Trigger"]
    athlete = db.session.scalar(select(Athlete))
    assert (athlete.organization_id, athlete.last_name_en) == (coach.organization_id, "AOYAMA")


def test_inline_add_with_errors_answers_422_with_messages_in_place(client, coach):
    response = client.post(
        "/my/athletes", data=form_data(last_name_kana="aoyama", birth_date="2030-01-01"),
        headers=HX,
    )  # fmt: skip
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="athlete-form-new"' in html
    assert "姓カナは全角カタカナで入力してください" in html and "生年月日を確認してください" in html
    assert 'value="aoyama"' in html  # what was typed stays in the field
    assert db.session.scalar(select(func.count(Athlete.id))) == 0


def test_without_javascript_the_forms_post_and_redirect(client, coach):
    assert "選手を追加" in client.get("/my/athletes/new").get_data(as_text=True)
    response = client.post("/my/athletes", data=form_data())
    assert response.status_code == 302 and response.location.endswith("/my/athletes")
    assert "青山 学 さんを登録しました" in client.get("/my/athletes").get_data(as_text=True)
    bad = client.post("/my/athletes", data=form_data(first_name="別", jaaf_id="12345678901"))
    assert bad.status_code == 422 and "<html" in bad.get_data(as_text=True)
    assert "既に登録されています" in bad.get_data(as_text=True)


def test_inline_edit_and_cancel(client, coach):
    athlete = make_athlete(coach, last_name="山田", first_name="太郎")
    form = client.get(f"/my/athletes/{athlete.id}/edit", headers=HX).get_data(as_text=True)
    assert f'id="athlete-form-a{athlete.id}"' in form and 'value="山田"' in form
    response = client.post(
        f"/my/athletes/{athlete.id}",
        data=form_data(f"a{athlete.id}", last_name="山田", first_name="太朗", jaaf_id=athlete.jaaf_id),
        headers=HX,
    )  # fmt: skip
    assert response.status_code == 200 and "山田 太朗" in response.get_data(as_text=True)
    assert f'id="athlete-{athlete.id}"' in response.get_data(as_text=True)
    row = client.get(f"/my/athletes/{athlete.id}/row", headers=HX).get_data(as_text=True)
    assert row.startswith(f'<tr id="athlete-{athlete.id}"')


def test_deactivate_with_undo(client, coach):
    athlete = make_athlete(coach, last_name="山田", first_name="太郎")
    response = client.post(f"/my/athletes/{athlete.id}/deactivate", headers=HX)
    html = response.get_data(as_text=True)
    assert "登録解除しました" in html and "元に戻す" in html
    assert "山田 太郎" in client.get("/my/athletes?view=inactive").get_data(as_text=True)
    assert "山田 太郎" not in client.get("/my/athletes", headers=HX).get_data(as_text=True)
    undone = client.post(f"/my/athletes/{athlete.id}/reactivate", headers=HX)
    assert undone.status_code == 200 and "編集" in undone.get_data(as_text=True)
    assert athlete.is_active


def test_deactivate_without_javascript_offers_undo_on_the_page(client, coach):
    athlete = make_athlete(coach)
    response = client.post(f"/my/athletes/{athlete.id}/deactivate")
    assert response.status_code == 302 and f"undo={athlete.id}" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert f'action="/my/athletes/{athlete.id}/reactivate"' in page


def test_another_teams_athlete_is_404_everywhere(client, coach):
    theirs = make_athlete(make_user(), last_name="他校", first_name="選手")
    for method, path in [
        ("get", f"/my/athletes/{theirs.id}/edit"),
        ("get", f"/my/athletes/{theirs.id}/row"),
        ("post", f"/my/athletes/{theirs.id}"),
        ("post", f"/my/athletes/{theirs.id}/deactivate"),
        ("post", f"/my/athletes/{theirs.id}/reactivate"),
    ]:
        assert getattr(client, method)(path, data=form_data(f"a{theirs.id}")).status_code == 404
    assert theirs.is_active and theirs.first_name == "選手"
    results = client.get("/my/athletes?q=他校", headers=HX).get_data(as_text=True)
    assert "0名" in results and "他校 選手" not in results
    export = client.get("/my/athletes/export.csv").get_data().decode("utf-8-sig")
    assert "他校" not in export


def test_script_in_names_is_escaped(client, coach):
    make_athlete(coach, last_name="<script>alert(1)</script>", first_name="太郎")
    html = client.get("/my/athletes").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_exports_and_template_download(client, coach):
    make_athlete(coach, last_name="山田", first_name="太郎", jaaf_id="01234567890")
    xlsx = client.get("/my/athletes/export.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data))["選手一覧"]
    assert sheet["A2"].value == "山田" and sheet["I2"].value == "01234567890"
    csv_text = client.get("/my/athletes/export.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith(
        "山田,太郎,ヤマダ,タロウ,男,2004/05/01,2,東京,01234567890"
    )
    assert client.get("/my/athletes/template.xlsx").status_code == 200


def test_import_upload_preview_confirm(client, coach):
    data = ("姓,名,姓カナ,名カナ,性別,生年月日,学年,登録陸協,JAAF ID\n"
            "青山,学,あおやま,まなぶ,男,2005/4/1,1,東京,12345678901\n"
            "石井,健,イシイ,ケン,?,2005/4/1,1,東京,12345678902\n").encode("cp932")  # fmt: skip
    upload = client.post("/my/athletes/import",
                         data={"file": (io.BytesIO(data), "roster.csv")})  # fmt: skip
    assert upload.status_code == 302
    preview = client.get(upload.location).get_data(as_text=True)
    assert "新規登録 <strong>1</strong>名" in preview and "エラー <strong>1</strong>行" in preview
    assert "性別：「?」— 性別は M/F または 男/女 で入力してください。" in preview
    assert db.session.scalar(select(func.count(Athlete.id))) == 0

    other = make_user()
    with client.session_transaction() as session:
        session["_user_id"], saved = other.get_id(), session["_user_id"]
    assert client.get(upload.location).status_code == 404
    assert client.post(upload.location + "/confirm", data={"mode": "update"}).status_code == 404
    with client.session_transaction() as session:
        session["_user_id"] = saved

    done = client.post(upload.location + "/confirm", data={"mode": "skip"})
    assert done.status_code == 302
    assert "1名を登録しました。 エラーの1行は取り込んでいません。" in client.get(
        "/my/athletes").get_data(as_text=True)  # fmt: skip
    assert db.session.scalar(select(Athlete.last_name_kana)) == "アオヤマ"


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        (
            "photo.png",
            b"\x89PNG\r\n",
            "Excel（.xlsx）または CSV ファイルをアップロードしてください。",
        ),
        ("big.csv", b"a" * (athlete_files.MAX_UPLOAD_BYTES + 10), "5MB以下"),
        ("bad.csv", b"\x81\x20\x81\x20", "文字コードを判別できません"),
    ],
)
def test_import_refuses_bad_files_in_japanese(client, coach, filename, data, message):
    response = client.post("/my/athletes/import", data={"file": (io.BytesIO(data), filename)})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_nav_links_to_the_roster(client, coach):
    assert 'href="/my/athletes">選手管理</a>' in client.get("/my/").get_data(as_text=True)
