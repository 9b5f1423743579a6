"""An official moves a runner between two heats and locks the heat; the coach then sees the
runner's heat, bib and start time on the dashboard."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from nitsys.extensions import db
from nitsys.models import HeatOrder
from nitsys.services import heats
from tests import factories

pytestmark = pytest.mark.browser

FIRST_START = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 10:00 in Japan


@pytest.fixture
def setup(app):
    official = factories.make_user("official")
    coach = factories.make_user()
    race = factories.make_race(
        heat_capacity=2,
        heat_order=HeatOrder.FAST_FIRST,
        first_start_at=FIRST_START,
        heat_interval_minutes=15,
    )
    (runner,) = factories.make_confirmed_entries(race, [88000], coach=coach)
    factories.make_confirmed_entries(race, [89000, 90000, 91000])
    heats.generate_heats(race.id, by=official)
    heats.assign_bibs(race.meet_id, by=official)
    db.session.commit()
    return official, coach, race, runner, heats.race_heats(race.id)


def test_official_moves_and_locks_then_the_coach_sees_heat_bib_and_start(
    new_page, browser_login, setup
):
    official, coach, race, runner, (first, second) = setup
    name = runner.athlete.full_name
    desk = new_page()
    browser_login(desk, official)
    desk.goto(f"/admin/programme/races/{race.id}")

    desk.locator(f"#heat-{first.id} summary").click()
    row = desk.locator(f"#heat-{first.id} tr", has_text=name)
    row.get_by_label("移動先の組番号").fill("2")
    row.get_by_role("button", name="組へ移動").click()
    expect(desk.locator(f"#heat-{second.id}")).to_contain_text(name)
    expect(desk.locator(f"#heat-{first.id}")).not_to_contain_text(name)

    desk.locator(f"#heat-{second.id}").get_by_role("button", name="この組を確定").click()
    expect(desk.locator(f"#heat-{second.id} summary")).to_contain_text("確定")
    desk.get_by_role("button", name="確定済みの組を公開").click()
    expect(desk.locator("#flash-messages")).to_contain_text("1組公開しました")

    coach_page = new_page()
    browser_login(coach_page, coach)
    coach_page.goto("/my/")
    heat_row = coach_page.locator("#my-heats tr", has_text=name)
    expect(heat_row).to_contain_text("第2組")
    expect(heat_row).to_contain_text("1000")
    expect(heat_row).to_contain_text("10:15")
