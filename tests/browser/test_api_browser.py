"""A coach makes and revokes an API token on the profile page (phone and desktop); the API
reference page runs Swagger UI from our own assets under the CSP (no console error)."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import DESKTOP, PHONE, assert_fits_width

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_coach_creates_sees_once_and_revokes_a_token(page, live_server, browser_login):
    coach = factories.make_user()
    browser_login(page, coach)
    page.goto("/auth/profile#api-tokens")
    section = page.locator("#api-tokens")
    expect(section.get_by_role("heading", name="API アクセストークン")).to_be_visible()

    section.get_by_label("名前（用途）").fill("部の記録表")
    section.get_by_label("write").check()
    section.get_by_role("button", name="トークンを作成").click()
    secret = page.locator("#token-secret")
    expect(secret).to_be_visible()
    assert secret.input_value().startswith("nit_")
    expect(page.locator("#api-tokens .token-item")).to_contain_text("部の記録表")
    expect(page.locator("#api-tokens .token-item")).to_contain_text("未使用")
    page.wait_for_load_state()
    assert_fits_width(page)
    button = page.locator("#api-tokens .token-item").get_by_role("button", name="取り消す")
    assert button.bounding_box()["height"] >= 44

    page.once("dialog", lambda dialog: dialog.accept())
    button.click()
    expect(page.locator("#api-tokens")).to_contain_text("取り消しました")
    expect(page.locator("#api-tokens .token-item")).to_contain_text("取り消し済み")
    expect(page.locator("#token-secret")).to_have_count(0)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_reference_page_renders_the_contract(page, live_server):
    page.goto("/api/v1/docs")
    expect(page.get_by_text("NIT-SYS API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/meets/{meet_id}/races/{race_id}/startlist")).to_be_visible()
    page.wait_for_load_state()
    assert_fits_width(page)
