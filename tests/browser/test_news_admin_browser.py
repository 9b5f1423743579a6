"""Staff write a notice on a phone and a desktop: preview, save as draft, publish with mail;
upload the meet's 要項 PDF from the meet admin page (issue #14)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import DESKTOP, PHONE, assert_fits_width, label

pytestmark = pytest.mark.browser
SCREENSHOTS = os.environ.get("NITSYS_SCREENSHOTS")  # a directory, to look at the pages


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
def test_staff_preview_save_and_publish_a_notice_with_mail(page, browser_login):
    meet = factories.make_meet()
    race = factories.make_race(meet)
    factories.make_submitted_entries(factories.make_user(), race)
    browser_login(page, factories.make_user("staff"))

    page.goto("/admin/news")
    page.get_by_role("button", name="お知らせを書く").click()
    assert_fits_width(page)
    page.get_by_label(label("タイトル")).fill("雷雨のため競技を中断します")
    page.get_by_label(label("本文（Markdown）")).fill(
        "**再開は15時**の予定です。<script>x</script>"
    )
    page.get_by_label(label("区分")).select_option(label="緊急")
    page.get_by_label(label("大会")).select_option(label=meet.name)
    page.get_by_label(label("公開")).select_option(label="下書き（公開しない）")
    page.get_by_label(label("公開時にメールで送る")).select_option(value="meet")
    page.get_by_role("button", name="プレビュー").click()
    preview = page.locator(".notice-preview")
    expect(preview.locator("strong")).to_have_text("再開は15時")
    expect(preview).to_contain_text("<script>x</script>")  # shown as text, never run
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/news-preview.png", full_page=True)
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("雷雨のため競技を中断します")
    expect(page.locator(".meet-facts")).to_contain_text("下書き")
    assert_fits_width(page)

    page.get_by_role("button", name="今すぐ公開してメール送信").click()
    expect(page.locator(".meet-facts")).to_contain_text("公開中")
    expect(page.locator(".meet-facts")).to_contain_text("送信待ち 1・送信済み 0・失敗 0")
    page.goto("/")
    expect(page.locator(".notice-banner", has_text="雷雨のため競技を中断します")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE])
def test_staff_upload_the_guideline_pdf_on_the_meet_page(page, browser_login, tmp_path):
    meet = factories.make_meet()
    browser_login(page, factories.make_user("staff"))
    pdf = Path(tmp_path) / "要項.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.goto(f"/admin/meets/{meet.id}")
    page.get_by_label("要項 PDF（10 MB まで）").set_input_files(str(pdf))
    page.get_by_role("button", name="登録する").click()
    expect(page.locator("#guideline")).to_contain_text("要項.pdf")
    assert_fits_width(page)
    page.goto(f"/meets/{meet.id}")
    expect(page.locator("nav.meet-links a", has_text="要項（PDF）")).to_be_visible()
