"""A team's prefecture (都道府県): chosen at registration, shown and filtered by staff."""

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from nitsys.extensions import db
from nitsys.models import Organization
from nitsys.services import teams
from tests import factories
from tests.test_accounts import TEAM_FORM
from tests.test_entry_queries import count_queries


def test_registration_keeps_the_chosen_prefecture(client):
    form = client.get("/auth/register").get_data(as_text=True)
    assert "都道府県" in form and '<option value="13">東京都</option>' in form
    assert client.post("/auth/register", data=TEAM_FORM | {"prefecture": "13"}).status_code == 302
    assert db.session.scalar(select(Organization.prefecture)) == "13"


def test_registration_without_a_prefecture_leaves_it_unknown(client):
    assert client.post("/auth/register", data=TEAM_FORM).status_code == 302
    assert db.session.scalar(select(Organization.prefecture)) is None


def test_registration_refuses_a_forged_prefecture(client):
    response = client.post("/auth/register", data=TEAM_FORM | {"prefecture": "99"})
    assert response.status_code == 422
    assert "選択肢が正しくありません" in response.get_data(as_text=True)
    assert db.session.scalar(select(Organization)) is None


def test_team_list_shows_and_filters_by_prefecture(client, login_as):
    factories.make_organization(name="東西大学", name_kana="トウザイ", prefecture="13")
    factories.make_organization(name="浪速大学", name_kana="ナニワ", prefecture="27")
    factories.make_organization(name="不明クラブ", name_kana="フメイ")
    assert [r.team.name for r in teams.list_teams(prefecture="27")] == ["浪速大学"]
    login_as("official")
    listing = client.get("/admin/teams").get_data(as_text=True)
    assert "東京都" in listing and "大阪府" in listing
    filtered = client.get("/admin/teams?pref=13").get_data(as_text=True)
    assert "東西大学" in filtered and "浪速大学" not in filtered and "不明クラブ" not in filtered
    assert '<option value="13" selected>東京都</option>' in filtered
    assert count_queries(client, "/admin/teams?pref=13&q=東西", False) <= 5


def test_team_page_shows_the_prefecture(client, login_as):
    team = factories.make_organization(name="浪速大学", name_kana="ナニワ", prefecture="27")
    unknown = factories.make_organization(name="不明クラブ", name_kana="フメイ")
    login_as("official")
    assert "大阪府" in client.get(f"/admin/teams/{team.id}").get_data(as_text=True)
    assert "未登録" in client.get(f"/admin/teams/{unknown.id}").get_data(as_text=True)


def test_team_data_export_names_the_prefecture(client, login_as):
    team = factories.make_organization(name="浪速大学", name_kana="ナニワ", prefecture="27")
    login_as("staff")
    response = client.get(f"/admin/teams/{team.id}/export.xlsx")
    sheet = load_workbook(BytesIO(response.data))["団体"]
    assert ("都道府県", "大阪府") in sheet.iter_rows(min_row=2, values_only=True)
