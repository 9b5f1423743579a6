"""Staff set up a meet's races in place, in a real browser (HTMX row swaps, CSRF on)."""

import os
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import PHONE, assert_fits_width, label

pytestmark = pytest.mark.browser
SCREENSHOTS = os.environ.get("NITSYS_SCREENSHOTS")  # a directory, to look at the pages


def test_staff_add_and_edit_races_in_the_table_then_publish(page, browser_login):
    staff = factories.make_user("staff")
    meet = factories.make_meet(is_published=False, entry_open=False)
    browser_login(page, staff)

    page.get_by_role("link", name="大会管理").click()
    page.get_by_role("link", name=meet.name).click()
    # htmx (deferred) must own the button first, or the click opens the full-page form.
    page.wait_for_url(re.compile(rf"/admin/meets/{meet.id}$"))
    page.get_by_role("button", name="種目を追加").click()

    row = page.locator("tr#race-new")
    row.get_by_label(label("参加標準記録")).fill("15:75")
    row.get_by_role("button", name="保存").click()
    expect(row).to_contain_text("「15:75」は読み取れません。秒は60未満で")

    row.get_by_label(label("参加標準記録")).fill("１５：３０")
    row.get_by_role("button", name="保存").click()
    saved = page.locator("#race-rows tr").first
    expect(saved).to_contain_text("男子5000m")
    expect(saved).to_contain_text("15:30.00")
    expect(page.locator("tr#race-new")).to_have_count(0)

    saved.get_by_role("link", name="編集").click()
    editing = page.locator("tr.race-editing")
    editing.get_by_label(label("エントリー上限（空欄は上限なし）")).fill("1360")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/meet-race-edit.png", full_page=True)
    editing.get_by_role("button", name="保存").click()
    expect(page.locator("#race-rows tr").first).to_contain_text("1360")

    page.get_by_role("button", name="公開する").click()
    expect(page.locator("#meet-status")).to_contain_text("公開中")
    page.get_by_role("button", name="受付を開始").click()
    expect(page.locator("#meet-status")).to_contain_text("振込先口座が設定されていないため")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/meet-detail.png", full_page=True)
        page.goto(f"/admin/meets/{meet.id}/edit")
        page.screenshot(path=f"{SCREENSHOTS}/meet-form.png", full_page=True)


AUTO_FIELDS = ("name", "heat_capacity", "first_start_at", "max_entries", "ncg_capacity")


@pytest.mark.parametrize("viewport", [PHONE])
def test_new_race_form_shows_no_error_on_untouched_auto_fields(page, browser_login):
    """Distance and gender changed, then another field refused: only that field is marked."""
    staff = factories.make_user("staff")
    meet = factories.make_meet(is_published=False, entry_open=False)
    browser_login(page, staff)
    page.goto(f"/admin/meets/{meet.id}")
    page.get_by_role("button", name="種目を追加").click()
    row = page.locator("tr#race-new")
    row.get_by_label(label("距離")).select_option("10000")
    row.get_by_label(label("性別区分")).select_option("F")
    row.get_by_label(label("参加標準記録")).click()  # focus moves on: nothing is judged yet
    expect(row.locator('[aria-invalid="true"]')).to_have_count(0)
    expect(row.locator(".field-error")).to_have_count(0)

    row.get_by_label(label("参加標準記録")).fill("35:3")
    row.get_by_role("button", name="保存").click()
    expect(row).to_contain_text("「35:3」は読み取れません")
    expect(row.locator('[aria-invalid="true"]')).to_have_count(1)
    expect(row.locator(".field-error")).to_have_count(1)
    for name in AUTO_FIELDS:
        auto = row.locator(f'[name="race-new-{name}"]')
        expect(auto).not_to_have_attribute("aria-invalid", "true")
    expect(row.locator('[name="race-new-name"]')).to_have_value("")
    expect(row.locator('[name="race-new-distance"]')).to_have_value("10000")
    assert_fits_width(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/meet-race-new-phone.png", full_page=True)

    row.get_by_label(label("参加標準記録")).fill("35:30.00")
    row.get_by_role("button", name="保存").click()
    expect(page.locator("#race-rows tr").first).to_contain_text("女子10000m")
