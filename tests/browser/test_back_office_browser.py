"""The payment desk looks up the team behind a slip and phones its representative, on a phone
and on a desktop; the staff back office pages fit a phone."""

import pytest
from playwright.sync_api import expect

from nitsys.extensions import db
from nitsys.services import payments
from tests import factories
from tests.browser.helpers import DESKTOP, PHONE, fits_width
from tests.test_payments_service import png_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def slip(app):
    team = factories.make_organization(
        name="北国学院大学", name_kana="キタグニガクインダイガク",
        representative_name="連絡 太郎", representative_phone="011-222-3333",
    )  # fmt: skip
    coach = factories.make_user(organization=team, full_name="監督 次郎")
    application = factories.make_submitted_entries(coach, factories.make_race())
    payments.upload_slip(
        application.id, by=coach, data=png_bytes(), filename="slip.png", payer_name="ｷﾀｸﾞﾆ"
    )
    db.session.commit()
    return application


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
def test_payment_desk_finds_the_team_and_its_contact_from_a_slip(
    page, browser_login, slip, viewport
):
    browser_login(page, factories.make_user("official"))
    page.goto("/admin/payments")
    row = page.locator(f"#payment-{slip.id}")
    row.get_by_role("link", name="北国学院大学").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("北国学院大学")
    phone = page.locator("#contact").get_by_role("link", name="011-222-3333")
    expect(phone).to_have_attribute("href", "tel:011-222-3333")
    assert phone.bounding_box()["height"] >= 44
    expect(page.locator("#members")).to_contain_text("監督 次郎")
    expect(page.locator("#applications")).to_contain_text(slip.number)
    assert fits_width(page), page.evaluate("document.scrollingElement.scrollWidth")


@pytest.mark.parametrize("viewport", [PHONE])
def test_staff_back_office_pages_fit_a_phone(page, browser_login, slip, viewport):
    browser_login(page, factories.make_user("staff"))
    for path in (
        "/admin/teams",
        f"/admin/teams/{slip.organization_id}",
        "/admin/athletes?q=やまだ",
        "/admin/audit",
        "/admin/system",
        "/admin/users",
    ):
        page.goto(path)
        assert fits_width(page), (
            f"{path} is {page.evaluate('document.scrollingElement.scrollWidth')}px wide"
        )
