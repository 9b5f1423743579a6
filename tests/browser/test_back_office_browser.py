"""The payment desk looks up the team behind a slip and phones its representative, on a phone
and on a desktop; the staff back office pages fit a phone."""

from datetime import datetime

import pytest
from playwright.sync_api import expect

from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import Role, User
from nitsys.services import accounts, heats, payments
from tests import factories
from tests.browser.helpers import DESKTOP, PHONE, assert_fits_width
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
    assert_fits_width(page)


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
        f"/admin/meets/{slip.meet_id}/entry-review",
        f"/admin/athletes/{slip.entries[0].athlete_id}",
    ):
        page.goto(path)
        assert_fits_width(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
def test_history_panels_open_inline_on_users_heats_and_entries(page, browser_login, slip, viewport):
    staff = factories.make_user("staff")
    entry = slip.entries[0]
    race = entry.race
    heat = factories.make_heat_with_slots(race, [entry], locked=False)
    heats.set_heat_start(heat.id, datetime(2026, 5, 3, 10, 0, tzinfo=TOKYO), by=staff)
    person = db.session.scalar(db.select(User).where(User.full_name == "監督 次郎"))
    accounts.change_role(staff, person, Role.OFFICIAL, reason="大会役員")
    db.session.commit()
    browser_login(page, staff)

    page.goto("/admin/users?q=監督")
    toggle = page.locator(f"#history-user-{person.id}").locator("xpath=..")
    toggle.locator("summary").click()
    expect(page.locator(f"#history-user-{person.id}")).to_contain_text("user.role_change")
    assert toggle.locator("summary").bounding_box()["height"] >= 44
    assert_fits_width(page)

    page.goto(f"/admin/programme/races/{race.id}")
    page.locator(f"#heat-{heat.id} summary").click()
    expect(page.locator(f"#history-heat-{heat.id}")).to_contain_text("heats.set_start")
    assert_fits_width(page)

    page.goto(f"/admin/athletes/{entry.athlete_id}")
    page.locator(f"#history-entry-{entry.id}").locator("xpath=..").locator("summary").click()
    expect(page.locator(f"#history-entry-{entry.id}")).to_contain_text("entry.add")
    assert_fits_width(page)
