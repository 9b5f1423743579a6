"""The layout on a phone: nothing wider than the screen, the menu collapsed."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PHONE, SMALL_PHONE, assert_fits_width

pytestmark = pytest.mark.browser

PAGES = ["/", "/auth/login", "/auth/register"]


@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE])
@pytest.mark.parametrize("path", PAGES)
def test_phone_pages_do_not_scroll_sideways(page, live_server, path):
    page.goto(path)
    assert_fits_width(page)
    expect(page.get_by_role("link", name="ログイン", exact=True)).to_be_hidden()


ROW_HEIGHTS = "[...document.querySelectorAll('table.compact tbody tr')].map(r => r.offsetHeight)"


@pytest.mark.parametrize("viewport", [SMALL_PHONE])
def test_a_phone_shows_one_line_per_runner_in_start_lists_and_results(page, live_server):
    from tests import factories
    from tests.test_heats_publication import published_race
    from tests.test_results_views import import_for, make_heat

    meet, race, mine, _ = published_race(factories.make_user("official"), factories.make_user())
    heat = make_heat(factories.make_race())
    import_for(heat)
    runner = mine[0].athlete

    page.goto(f"/meets/{meet.id}/startlist/{race.id}")
    expect(page.get_by_role("heading", name="第2組")).to_contain_text("スタート・招集")
    row = page.locator("tbody tr", has_text=runner.full_name)
    team = runner.organization.short_name or runner.organization.name
    expect(row.locator("small")).to_have_text(team)  # the team, under the name
    expect(row.get_by_text(runner.full_name_kana)).to_be_hidden()
    assert max(page.evaluate(ROW_HEIGHTS)) < 72, page.evaluate(ROW_HEIGHTS)
    assert_fits_width(page)

    page.goto(f"/meets/{heat.race.meet_id}/results/{heat.race_id}")
    winner = page.locator("tbody tr").first
    expect(winner).to_contain_text("14:20.43")
    expect(winner).to_contain_text("No.")
    assert max(page.evaluate(ROW_HEIGHTS)) < 72, page.evaluate(ROW_HEIGHTS)
    assert_fits_width(page)
