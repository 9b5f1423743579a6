"""A coach asks for parking on a 390 px phone (error in place, then saved without a reload);
staff see the request in the list and the import page, on a phone and on a desktop."""

from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from nitsys.extensions import db
from nitsys.services import parking
from tests import factories
from tests.browser.helpers import DESKTOP, PHONE, assert_fits_width

pytestmark = pytest.mark.browser

SMALL_TAPS = """[...document.querySelectorAll('#parking-request input, #parking-request button, #parking-request textarea')]
  .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44).map(e => e.name)"""


@pytest.fixture
def meet(app):
    staff = factories.make_user("staff")
    meet = factories.make_meet(parking_deadline=datetime.now(UTC) + timedelta(days=3))
    parking.save_lot(meet.id, by=staff, name="A駐車場", capacities={"large_bus": 5, "car": 20})
    parking.save_settings(
        meet.id, by=staff, enabled=True, entry_time=time(7), exit_time=time(18), rules="徐行"
    )
    db.session.commit()
    return meet


def test_coach_requests_parking_on_a_phone(new_page, browser_login, meet):
    coach = factories.make_user()
    page = new_page(PHONE)
    browser_login(page, coach)
    page.goto(f"/my/meets/{meet.id}")
    page.get_by_role("link", name="駐車場の申請・駐車許可証").click()
    expect(page.get_by_role("heading", name="駐車場の申請")).to_be_visible()
    assert_fits_width(page)
    assert page.evaluate(SMALL_TAPS) == []

    page.get_by_label("大型バス").fill("1")
    page.get_by_label("乗用車").fill("2")
    page.get_by_label("到着予定").fill("07:30")
    page.get_by_role("button", name="申請する").click()
    expect(page.locator("[data-parking-error]")).to_contain_text("電話番号")
    assert page.get_by_label("大型バス").input_value() == "1"  # what was typed stays

    page.get_by_label("当日の運転者の連絡先（電話）").fill("090-1234-5678")
    page.get_by_role("button", name="申請する").click()
    expect(page.locator("[data-parking-state]")).to_have_text("申請中")
    expect(page.get_by_role("button", name="申請を更新する")).to_be_visible()
    assert_fits_width(page)
    saved = parking.request_of(meet, coach.organization_id)
    assert (saved.large_bus, saved.car, saved.driver_phone) == (1, 2, "090-1234-5678")


@pytest.mark.parametrize("size", [PHONE, DESKTOP])
def test_staff_parking_pages_fit_the_screen(new_page, browser_login, meet, size):
    coach = factories.make_user()
    parking.save_request(meet.id, by=coach, counts={"car": 2}, driver_phone="090-1-2")
    db.session.commit()
    page = new_page(size)
    browser_login(page, factories.make_user("staff"))
    page.goto(f"/admin/meets/{meet.id}/parking")
    expect(page.locator("[data-request]")).to_contain_text(coach.organization.name)
    assert_fits_width(page)
    page.goto(f"/admin/meets/{meet.id}/parking/settings")
    expect(page.get_by_role("heading", name="駐車場の設定")).to_be_visible()
    assert_fits_width(page)


@pytest.mark.parametrize("size", [PHONE, DESKTOP])
def test_staff_import_a_sheet_picking_the_fuzzy_team(new_page, browser_login, meet, size):
    teams = [factories.make_organization(name=n) for n in ("日本体育大学", "横浜体育大学")]
    for team in teams:
        coach = factories.make_user(organization=team)
        parking.save_request(meet.id, by=coach, counts={"car": 2}, driver_phone="090-1-2")
    db.session.commit()
    page = new_page(size)
    browser_login(page, factories.make_user("staff"))
    page.goto(f"/admin/meets/{meet.id}/parking")
    page.get_by_placeholder("団体名・略称").fill("横浜")
    expect(page.locator("[data-request]")).to_have_count(1)
    assert "q=" in page.url

    sheet = "団体名,駐車場,許可証番号,大型バス,マイクロ・中型バス,乗用車\r\n日本体育学,A駐車場,P-1,0,0,2\r\n横浜体育大,A駐車場,P-2,0,0,3\r\n"
    page.locator("input[name=file]").set_input_files(
        {"name": "割当.csv", "mimeType": "text/csv", "buffer": sheet.encode("cp932")}
    )
    page.get_by_role("button", name="確認画面へ").click()
    expect(page.get_by_role("heading", name="割当表の確認")).to_be_visible()
    assert_fits_width(page)
    page.get_by_role("button", name="割当を反映する").click()  # no choice made yet
    expect(page.locator("[data-confirm-error]")).to_contain_text("2行目")
    page.get_by_label("2行目の団体").select_option(str(teams[0].id))
    page.get_by_label("警告を確認しました").check()  # 3 cars for a request of 2
    page.get_by_role("button", name="割当を反映する").click()
    expect(page.locator(".flash-success")).to_contain_text("2件取り込みました")
    expect(page.locator("[data-request]").first).to_contain_text("No.P-")
