"""On a phone, staff build a timing-CSV profile from the exports page and download with it; the
all-data workbook downloads from its card."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import PHONE
from tests.test_exports_service import build_race

pytestmark = pytest.mark.browser


def test_staff_build_a_profile_on_a_phone_and_download_with_it(new_page, browser_login, app):
    staff = factories.make_user("staff")
    race, _ = build_race()
    factories.make_locked_heats(race, staff)
    page = new_page(PHONE)
    browser_login(page, staff)
    page.goto(f"/admin/meets/{race.meet_id}/exports")

    card = page.locator("#timing-csv-card")
    expect(card).to_contain_text("まだ出力設定がありません")  # loaded by htmx
    card.get_by_role("link", name="出力設定の作成・編集").click()
    page.get_by_label("設定名").fill("NISHI")
    page.get_by_role("checkbox", name="組", exact=True).check()
    page.get_by_label("組の順番").fill("3")
    page.get_by_label("組の項目ID").fill("k1")
    page.get_by_label("ゼッケンの順番").fill("1")
    page.get_by_label("氏名の順番").fill("2")
    page.get_by_label("腰ナンバーの項目ID").fill("")  # a chosen column without an ID
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "項目ID（英大文字と数字の2文字）を指定してください: 腰ナンバー"
    )

    page.get_by_label("腰ナンバーの順番").fill("")
    page.get_by_role("checkbox", name="腰ナンバー").uncheck()
    page.get_by_role("button", name="保存").click()

    expect(page.locator("#toasts")).to_contain_text("設定「NISHI」を保存しました。")
    expect(page.get_by_role("heading", name="設定「NISHI」の編集")).to_be_visible()
    download_card = page.locator("#timing-csv-card")
    download_card.get_by_label("対象").select_option(label="男子5000m")
    with page.expect_download() as started:
        download_card.get_by_role("button", name="タイミングCSVをダウンロード").click()
    lines = started.value.path().read_bytes().decode("cp932").split("\r\n")
    assert started.value.suggested_filename == "timing_2026-12-05_男子5000m.csv"
    assert lines[0].split(",")[:3] == ["ZK", "N1", "K1"]


def test_staff_download_the_all_data_workbook(new_page, browser_login, app):
    staff = factories.make_user("staff")
    race, _ = build_race()
    page = new_page()
    browser_login(page, staff)
    page.goto(f"/admin/meets/{race.meet_id}/exports")

    card = page.locator("article", has_text="全データ（Excel）")
    with page.expect_download() as started:
        card.get_by_role("button", name="全データをダウンロード").click()

    assert started.value.suggested_filename == "alldata_2026-12-05_全種目.xlsx"
    book = load_workbook(io.BytesIO(started.value.path().read_bytes()))  # the path has no .xlsx
    assert "髙橋" in [row[1] for row in book["選手"].iter_rows(values_only=True)]
