"""A coach enters five athletes in two races, fixes a bad time in place, reloads, submits."""

import pytest
from playwright.sync_api import expect

from nitsys.models import Gender, RaceGender
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def setup(app):
    coach = factories.make_user()
    meet = factories.make_meet(
        number=325,
        fee_per_entry=1000,
        bank_account=factories.make_bank_account(account_number="7654321"),
    )
    men = factories.make_race(meet, max_entries=50)
    women = factories.make_race(meet, distance=3000, gender=RaceGender.FEMALE)
    runners = [
        (men, factories.make_athlete(coach, last_name="駒沢", first_name=f"一郎{n}"), f"14:5{n}.00")
        for n in range(3)
    ] + [
        (
            women,
            factories.make_athlete(
                coach, gender=Gender.FEMALE, last_name="青山", first_name=f"花子{n}"
            ),
            f"9:5{n}.00",
        )
        for n in range(2)
    ]
    return coach, meet, runners


def add_row(page, race, athlete, time):
    form = page.locator("form.entry-add")
    races = form.locator("select[name=race_id]")
    # The form keeps the last race after an add; choosing it again would fire no change event.
    if races.input_value() != str(race.id):
        with page.expect_response(lambda response: "athlete-options" in response.url):
            races.select_option(str(race.id))
    # The athlete list follows the race's gender (the other gender is not offered).
    expect(page.locator(f"#athlete-select option[value='{athlete.id}']")).to_have_count(1)
    other = Gender.MALE if race.gender is RaceGender.FEMALE else Gender.FEMALE
    expect(page.locator("#athlete-select option", has_text=other.label)).to_have_count(0)
    page.locator("#athlete-select").select_option(str(athlete.id))
    form.locator("input[name=declared_time]").fill(time)
    form.get_by_role("button", name="追加").click()


def test_coach_enters_five_athletes_fixes_a_time_and_submits(
    page, live_server, browser_login, setup
):
    coach, meet, runners = setup
    browser_login(page, coach)
    page.goto(f"/my/meets/{meet.id}/entry")
    editor = page.locator("#entry-editor")

    race, athlete, _ = runners[0]
    add_row(page, race, athlete, "14:75.00")
    expect(editor.locator(".field-error")).to_contain_text("秒は60未満")
    # The refused form is back (the live check of the field shows the same error sooner).
    expect(editor.locator("input[name=declared_time]")).to_have_attribute("aria-invalid", "true")
    expect(editor.locator("input[name=declared_time]")).to_have_value("14:75.00")
    # Type only once htmx has settled the swapped form, or the first input event is not heard.
    expect(page.locator(".htmx-added, .htmx-settling")).to_have_count(0)
    editor.locator("input[name=declared_time]").fill("14:55.00")
    expect(page.locator("#add-declared_time-hint")).to_contain_text("14:55.00 として受け付けます")
    editor.get_by_role("button", name="追加").click()
    expect(editor.locator("tbody tr")).to_have_count(1)

    for count, (race, athlete, time) in enumerate(runners[1:], start=2):
        add_row(page, race, athlete, time)
        expect(editor.locator("tbody tr")).to_have_count(count)
        if count == 3:
            page.reload()
            expect(editor.locator("tbody tr")).to_have_count(3)

    summary = page.locator("#entry-summary")
    expect(summary.locator("[data-entry-total]")).to_have_text("¥5,000")
    expect(summary.locator("[data-race-remaining]").first).to_have_text("47名")

    page.reload()
    expect(editor.locator("tbody tr")).to_have_count(5)
    expect(editor).to_contain_text("青山 花子1")
    page.get_by_role("button", name="内容を確認して提出").click()
    expect(page.get_by_role("heading", name="申込の確認と提出")).to_be_visible()
    page.reload()
    page.get_by_role("button", name="この内容で提出する").click()

    info = page.locator(".payment-info")
    expect(info.locator("[data-amount]")).to_have_text("¥5,000")
    expect(info.locator("[data-payment-reference]")).to_have_text("325-0001")
    expect(info).to_contain_text("7654321")
    page.reload()
    expect(page.locator(".payment-info [data-amount]")).to_have_text("¥5,000")
    expect(page.locator("main")).to_contain_text("入金待ち")
