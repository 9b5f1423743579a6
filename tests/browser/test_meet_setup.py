"""Staff set up a meet's races in place, in a real browser (HTMX row swaps, CSRF on)."""

import os
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import label

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
