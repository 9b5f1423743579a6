"""Staff open the exports page from the meet page, download the start list of a race and the
FinishLynx zip of the meet, and find both in the export log."""

import codecs
import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import DESKTOP, PHONE, assert_fits_width
from tests.test_exports_service import build_race

pytestmark = pytest.mark.browser


def test_staff_download_the_start_list_and_the_lynx_zip(new_page, browser_login, app):
    staff = factories.make_user("staff")
    race, _ = build_race()
    factories.make_locked_heats(race, staff)
    page = new_page()
    browser_login(page, staff)
    page.goto(f"/admin/meets/{race.meet_id}")

    page.get_by_role("link", name="データ出力（スタートリスト・FinishLynx）").click()
    page.wait_for_url(re.compile(r"/exports$"))  # its script shows the busy state
    start_list = page.locator("article", has_text="スタートリスト（CSV）")
    start_list.get_by_label("対象").select_option(label="男子5000m")
    button = start_list.get_by_role("button", name="スタートリストをダウンロード")
    with page.expect_download() as started:
        button.click()
        expect(start_list.locator("button[aria-busy=true]")).to_have_text("作成中…")
    csv_file = started.value
    # The button comes back when the file has arrived (not after a fixed delay).
    expect(button).not_to_have_attribute("aria-busy", "true", timeout=2000)
    expect(button).to_be_enabled()

    lynx = page.locator("article", has_text="FinishLynx")
    lynx.get_by_label("文字コード").select_option(label="Shift_JIS（CP932）")
    with page.expect_download() as started:
        lynx.get_by_role("button", name="FinishLynx ファイルをダウンロード").click()
    zip_file = started.value

    assert csv_file.suggested_filename == "startlist_2026-12-05_男子5000m.csv"
    data = csv_file.path().read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and "髙橋 健太".encode() in data
    assert zip_file.suggested_filename == "lynx_2026-12-05_全種目.zip"
    archive = zipfile.ZipFile(zip_file.path())
    assert archive.namelist() == ["lynx.ppl", "lynx.evt", "lynx.sch"]
    assert "髙橋".encode("cp932") in archive.read("lynx.ppl")

    page.reload()
    log = page.locator("table.export-log")
    expect(log).to_contain_text("startlist_2026-12-05_男子5000m.csv")
    expect(log).to_contain_text("lynx_2026-12-05_全種目.zip")
    expect(log).to_contain_text(staff.full_name)


@pytest.mark.parametrize("size", [PHONE, DESKTOP])
def test_staff_build_the_emergency_list_in_the_background_and_download_it(
    new_page, browser_login, app, size, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path))  # the storage
    staff = factories.make_user("staff")
    race, _ = build_race()
    factories.make_locked_heats(race, staff)
    page = new_page(size)
    browser_login(page, staff)
    page.goto(f"/admin/meets/{race.meet_id}/exports")

    card = page.locator("article", has_text="緊急用全データ（PDF）")
    card.get_by_role("button", name="緊急用全データを作成").click()

    expect(page.locator(".flash")).to_contain_text("緊急用全データの作成を始めました")
    card = page.locator("article", has_text="緊急用全データ（PDF）")
    link = card.get_by_role("link", name="emergency_2026-12-05_全種目.pdf をダウンロード")
    expect(link).to_be_visible()
    assert_fits_width(page)
    with page.expect_download() as started:
        link.click()
    assert started.value.suggested_filename == "emergency_2026-12-05_全種目.pdf"
    assert started.value.path().read_bytes().startswith(b"%PDF")
