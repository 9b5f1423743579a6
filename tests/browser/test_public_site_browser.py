"""From the top page a visitor reaches every public page of both meets by clicks alone, on a
phone and on a desktop; banners can be dismissed; the English switch sticks (issue #14)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, PHONE, assert_fits_width
from tests.public_site_data import build_public_site

pytestmark = pytest.mark.browser
SCREENSHOTS = os.environ.get("NITSYS_SCREENSHOTS")  # a directory, to look at the pages


def fits(page, name: str = "") -> None:
    if SCREENSHOTS and name:
        width = page.viewport_size["width"]
        page.screenshot(path=f"{SCREENSHOTS}/public-{name}-{width}.png", full_page=True)
    assert_fits_width(page)


def tap_height(locator) -> float:
    return locator.bounding_box()["height"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
def test_every_public_page_of_both_meets_is_reached_by_clicks(page, live_server):
    site = build_public_site()
    race = site.upcoming_race.name

    page.goto("/")
    fits(page, "home")
    # The upcoming meet: its page, start lists, one race, find-my-heat.
    card = page.locator("article.meet-card", has_text=site.upcoming.name)
    assert tap_height(card.get_by_role("link", name="大会ページを見る")) >= 44
    card.get_by_role("link", name="大会ページを見る").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(site.upcoming.name)
    expect(page.get_by_text("第901回 タイムテーブル変更").first).to_be_visible()
    fits(page, "meet")
    start_lists = page.locator("nav.meet-links a", has_text="スタートリスト")
    assert tap_height(start_lists) >= 44
    start_lists.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("スタートリスト")
    fits(page)
    page.get_by_role("link", name=race, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(race)
    expect(page.get_by_role("heading", name="第1組")).to_be_visible()
    fits(page)

    page.go_back()
    page.get_by_role("link", name="← 大会ページ").click()
    page.locator("nav.meet-links a", has_text="組を探す").click()
    search = page.get_by_role("searchbox", name="自分の組を探す")
    search.fill(site.runner_kanji)
    page.get_by_role("button", name="組を探す").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("検索結果")
    expect(page.locator("table").first).to_contain_text(site.runner_kanji)
    fits(page)

    # The past meet: its page, results, one race's results.
    page.get_by_role("link", name="← 大会ページ").click()
    page.get_by_role("link", name="← トップページ").click()
    past_card = page.locator("#past-meets article.meet-card", has_text=site.past.name)
    past_card.get_by_role("link", name="大会ページを見る").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(site.past.name)
    page.locator("nav.meet-links a", has_text="結果").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("結果")
    fits(page)
    page.get_by_role("link", name=site.past_race.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(site.past_race.name)
    expect(page.locator("table.results-table tbody tr").first).to_contain_text("14:01.00")
    fits(page)

    # News: the list and one notice.
    page.goto("/")
    page.get_by_role("link", name="お知らせ一覧へ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("お知らせ")
    fits(page)
    page.get_by_role("link", name="第900回 結果を掲載しました").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("第900回 結果を掲載しました")
    fits(page)


@pytest.mark.parametrize("viewport", [PHONE])
def test_a_dismissed_banner_stays_dismissed_in_this_browser(page, live_server):
    build_public_site()
    page.goto("/")
    banner = page.locator(".notice-banner", has_text="雷注意報のお知らせ")
    expect(banner).to_be_visible()
    dismiss = banner.get_by_role("button", name="このお知らせを閉じる")
    assert tap_height(dismiss) >= 44
    dismiss.click()
    expect(banner).to_be_hidden()
    page.reload()
    expect(page.locator(".notice-banner", has_text="雷注意報のお知らせ")).to_be_hidden()
    expect(page.locator(".notice-banner", has_text="タイムテーブル変更")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
def test_the_english_switch_is_visible_and_sticks(page, live_server):
    site = build_public_site()
    page.goto("/")
    switch = page.get_by_role("link", name="English")
    expect(switch).to_be_visible()  # on a phone too, outside the collapsed menu
    assert tap_height(switch) >= 44
    switch.click()
    expect(page.get_by_role("heading", name="Upcoming meets")).to_be_visible()
    fits(page, "home-en")
    page.locator("article.meet-card", has_text=site.upcoming.name).get_by_role(
        "link", name="Meet page"
    ).click()
    expect(page.get_by_text("Entry fee")).to_be_visible()
    page.locator("nav.meet-links a", has_text="Start lists").click()
    page.get_by_role("link", name="Men's 5000m").click()
    expect(page.locator("table").first).to_contain_text(site.runner_romaji)
    fits(page, "race-en")
    page.get_by_role("link", name="日本語").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(site.upcoming_race.name)
