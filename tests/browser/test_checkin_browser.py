"""A desk official on a phone finds a runner by bib, checks in, undoes, marks DNS, while a
second screen's progress counters follow by polling; the desk fits a 360 px screen."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import PHONE, SMALL_PHONE, assert_fits_width

pytestmark = pytest.mark.browser


@pytest.fixture
def setup(app):
    race = factories.make_race(first_start_at=datetime.now(UTC) + timedelta(minutes=15))
    entries = factories.make_confirmed_entries(race, [90000, 91000])
    factories.make_heat_with_slots(race, entries, bib=512)
    return factories.make_user("official"), race.meet_id


def counter(page, name):
    return page.locator(f"[data-count={name}]")


def test_desk_checks_in_undoes_and_marks_dns_while_progress_follows(new_page, browser_login, setup):
    official, meet_id = setup
    board = new_page(PHONE)
    browser_login(board, official)
    board.goto(f"/admin/meets/{meet_id}/checkin/progress")
    expect(counter(board, "waiting")).to_have_text("2")

    desk = new_page(PHONE)
    browser_login(desk, official)
    desk.goto("/admin/checkin")
    desk.get_by_role("button", name="受付", exact=True).click()
    desk.wait_for_url(re.compile(rf"/admin/meets/{meet_id}/checkin"))
    desk.wait_for_load_state()  # htmx (deferred) listens before the first keystroke
    desk.get_by_label("氏名・カナ・ローマ字・ゼッケン・所属").fill("513")
    card = desk.locator(".checkin-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("腰ナンバー2")
    expect(desk).to_have_url(re.compile(r"q=513"))  # in the address: reload or Back keeps it

    card.get_by_role("button", name="点呼", exact=True).click()
    expect(card).to_contain_text("点呼済み")
    expect(counter(board, "checked-in")).to_have_text("1")
    expect(counter(board, "waiting")).to_have_text("1")

    card.get_by_role("button", name="点呼取消").click()
    expect(card).to_contain_text("未点呼")
    card.get_by_role("button", name="DNS", exact=True).click()
    expect(card).to_contain_text("欠場（DNS）")
    expect(card.get_by_role("button", name="DNS取消")).to_be_visible()
    expect(counter(board, "dns")).to_have_text("1")
    expect(counter(board, "checked-in")).to_have_text("0")
    assert_fits_width(desk)


def test_the_desk_and_the_call_room_fit_a_small_phone(new_page, browser_login, setup):
    official, meet_id = setup
    page = new_page(SMALL_PHONE)
    browser_login(page, official)
    page.goto(f"/admin/meets/{meet_id}/checkin?q=512")
    expect(page.locator(".checkin-card")).to_have_count(1)
    assert_fits_width(page)
    page.get_by_role("link", name="1組").click()
    page.wait_for_load_state()
    expect(page.locator(".checkin-card")).to_have_count(2)
    assert_fits_width(page)
    box = page.get_by_role("button", name="点呼", exact=True).first.bounding_box()
    assert box["height"] >= 44  # a thumb-sized target
