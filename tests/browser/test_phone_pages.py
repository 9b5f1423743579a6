"""Every page a role uses, on a 390×844 phone: no sideways scroll, every tap target in the
main content at least 44 px tall, and each page reachable from the role's navigation.

One small dataset built with the factories (a meet with two races, heats with bibs, a
submitted application with a slip, a draft) serves the whole module. Screenshots of each page
are written to test-results/phone/ (gitignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from nitsys.extensions import db
from nitsys.models import RaceGender
from nitsys.services import entries as entry_service
from nitsys.services import payments
from tests import factories
from tests.browser.helpers import DESKTOP, PHONE, page_width
from tests.test_payments_service import png_bytes

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "phone"

# Elements a finger taps, visible, inside <main>; the ones shorter than 44 px are reported.
SHORT_TARGETS = """() => {
  const picks = 'a[href], button, [role=button], select, input[type=submit], summary';
  return [...document.querySelectorAll('main ' + picks.split(', ').join(', main '))]
    .filter(el => el.offsetParent !== null && !el.closest('[hidden]'))
    .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height < 43.5; })
    .map(el => `${el.tagName.toLowerCase()} "${(el.textContent || el.value || '').trim()
      .slice(0, 24)}" ${Math.round(el.getBoundingClientRect().height)}px`);
}"""
# What sticks out on the right, named for the failure message.
TOO_WIDE = """() => [...document.querySelectorAll('main *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 4).map(el => `${el.tagName.toLowerCase()}.${el.className}`)"""


@pytest.fixture
def site(app):
    official = factories.make_user("official")
    staff = factories.make_user("staff")
    coach = factories.make_user()
    meet = factories.make_meet(number=330, fee_per_entry=1000)
    men = factories.make_race(meet, max_entries=60, heat_capacity=3)
    women = factories.make_race(meet, distance=3000, gender=RaceGender.FEMALE)
    for _ in range(3):
        factories.make_confirmed_entries(men, [85000, 86000, 87000, 88000])
    from nitsys.services import heats

    heats.generate_heats(men.id, by=official)
    heats.assign_bibs(meet.id, by=official)
    db.session.commit()
    submitted = factories.make_submitted_entries(coach, women, count=2)
    slip = payments.upload_slip(
        submitted.id,
        by=coach,
        data=png_bytes(),
        filename="slip.png",
        declared_amount=2000,
        payer_name="ニッタイ タロウ",
    )
    db.session.commit()
    athlete = factories.make_athlete(coach, last_name="駒沢", first_name="一郎")
    draft = entry_service.add_entry(
        coach, meet_id=meet.id, athlete_id=athlete.id, race_id=men.id, declared_time="14:50.00"
    )
    db.session.commit()
    return {
        "official": official,
        "staff": staff,
        "coach": coach,
        "meet": meet,
        "men": men,
        "submitted": submitted,
        "draft": draft.application_id,
        "slip": slip,
        "athlete": athlete,
        "heat": heats.race_heats(men.id)[0],
    }


def participant_pages(s) -> list[str]:
    meet, app_id = s["meet"].id, s["submitted"].id
    return [
        "/my/",
        "/my/athletes",
        "/my/athletes/new",
        f"/my/athletes/{s['athlete'].id}/edit",
        "/my/meets",
        f"/my/meets/{meet}",
        f"/my/meets/{meet}/entry",
        f"/my/meets/{meet}/heats",
        "/my/entries",
        f"/my/applications/{app_id}",
        f"/my/applications/{app_id}/payment",
        f"/my/applications/{s['draft']}/submit",
        "/auth/profile",
    ]


def official_pages(s) -> list[str]:
    meet = s["meet"].id
    return [
        "/admin/",
        "/admin/meets",
        f"/admin/meets/{meet}",
        "/admin/payments",
        f"/admin/payments/slips/{s['slip'].id}",
        f"/admin/meets/{meet}/entry-review",
        f"/admin/meets/{meet}/programme",
        f"/admin/programme/races/{s['men'].id}",
        "/admin/checkin",
        f"/admin/meets/{meet}/checkin",
        f"/admin/meets/{meet}/results",
    ]


def staff_pages(s) -> list[str]:
    meet = s["meet"].id
    return [
        "/admin/",
        f"/admin/meets/{meet}/edit",
        f"/admin/meets/{meet}/races/new",
        f"/admin/meets/{meet}/exports",
        f"/admin/meets/{meet}/exports/timing-profiles",
        "/admin/users",
        "/admin/system",
        "/admin/outbox",
        "/admin/bank-accounts",
    ]


ROLES = {
    "coach": participant_pages,
    "official": official_pages,
    "staff": staff_pages,
}


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_a_role_fits_a_phone_with_big_tap_targets(
    new_page, browser_login, site, role
):
    page = new_page(PHONE)
    browser_login(page, site[role])
    problems = []
    for path in ROLES[role](site):
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        assert response.ok, f"{path}: {response.status}"
        shoot(page, f"{role}{path.replace('/', '_')}")
        width = page_width(page)
        if width != PHONE["width"]:
            problems.append(f"{path}: the page is {width}px wide: {page.evaluate(TOO_WIDE)}")
        short = page.evaluate(SHORT_TARGETS)
        if short:
            problems.append(f"{path}: targets under 44px: {short[:6]}")
    assert not problems, "\n".join(problems)


TABLET = {"width": 768, "height": 1024}


@pytest.mark.parametrize("size", [PHONE, TABLET], ids=["phone", "tablet"])
def test_official_moves_a_runner_between_heats_on_a_phone_or_tablet(
    new_page, browser_login, site, size
):
    page = new_page(size)
    browser_login(page, site["official"])
    first, second = heats_of(site["men"])[:2]
    page.goto(f"/admin/programme/races/{site['men'].id}")
    page.wait_for_load_state("networkidle")
    with page.expect_response(lambda response: f"/programme/heats/{first.id}" in response.url):
        page.locator(f"#heat-{first.id} summary").click()
    name = first.slots[0].entry.athlete.full_name
    row = page.locator(f"#heat-{first.id} tr", has_text=name)
    expect(row).to_be_visible()
    assert page_width(page) == size["width"]
    assert page.evaluate(SHORT_TARGETS) == []
    shoot(page, f"heat-builder-{size['width']}")

    row.get_by_label("移動先の組番号").fill("2")
    row.get_by_role("button", name="組へ移動").click()
    expect(page.locator("#toasts")).to_contain_text(f"{name}を第2組へ移動しました")
    expect(page.locator(f"#heat-{second.id} summary")).to_contain_text("4名")
    expect(page.locator(f"#heat-{first.id} summary")).to_contain_text("2名")
    moved = page.locator(f"#heat-{second.id} tr.just-moved")
    expect(moved).to_contain_text(name)
    assert page_width(page) == size["width"]
    shoot(page, f"heat-builder-moved-{size['width']}")
    moved.get_by_role("button", name=f"{name}を上へ").click()
    expect(page.locator(f"#heat-{second.id} tr", has_text=name).locator("td").first).to_have_text(
        "3"
    )


def heats_of(race):
    from nitsys.services import heats

    return heats.race_heats(race.id)


# One line: every item of the bar overlaps every other vertically.
# The pages a role goes to from its navigation (the others are steps of a journey: a race's
# heats from the programme, the payment page from the application).
DESTINATIONS = {
    "coach": lambda s: [
        "/my/",
        "/my/athletes",
        "/my/meets",
        f"/my/meets/{s['meet'].id}",
        f"/my/meets/{s['meet'].id}/entry",
        "/my/entries",
        f"/my/applications/{s['submitted'].id}",
        "/auth/profile",
    ],
    "official": lambda s: [
        "/admin/",
        "/admin/meets",
        f"/admin/meets/{s['meet'].id}",
        "/admin/payments",
        f"/admin/meets/{s['meet'].id}/entry-review",
        f"/admin/meets/{s['meet'].id}/programme",
        "/admin/checkin",
        f"/admin/meets/{s['meet'].id}/checkin",
        f"/admin/meets/{s['meet'].id}/results",
    ],
    "staff": lambda s: [
        *DESTINATIONS["official"](s),
        f"/admin/meets/{s['meet'].id}/edit",
        f"/admin/meets/{s['meet'].id}/exports",
        "/admin/users",
        "/admin/system",
        "/admin/outbox",
        "/admin/bank-accounts",
    ],
}
NAV_LINKS = """[...document.querySelectorAll('.nav-links > li')]
  .map(li => [li.getBoundingClientRect().top, li.getBoundingClientRect().bottom])"""


@pytest.mark.parametrize("role", list(ROLES))
def test_the_navigation_fits_one_line_at_1280_and_reaches_every_page_in_two_taps(
    new_page, browser_login, site, role
):
    wide = new_page(DESKTOP)
    browser_login(wide, site[role])
    boxes = wide.evaluate(NAV_LINKS)
    assert max(top for top, _ in boxes) < min(bottom for _, bottom in boxes), boxes
    assert page_width(wide) == DESKTOP["width"]
    assert wide.request.get(wide.locator("link[rel=icon]").get_attribute("href")).ok
    shoot(wide, f"nav-1280-{role}")

    phone = new_page(PHONE)
    browser_login(phone, site[role])
    phone.get_by_text("メニュー").click()  # tap 1
    shoot(phone, f"nav-390-{role}")
    links = phone.locator(".nav-links a")
    targets = {link.get_attribute("href") for link in links.all() if link.is_visible()}
    for link in links.all():
        box = link.bounding_box()
        assert box and box["height"] >= 44, link.text_content()
    # Every page a role uses is a link of the opened menu (tap 2), or one tap from a page that is.
    one_tap_away = set(targets)
    for href in targets:
        phone.goto(href)
        one_tap_away |= set(
            phone.locator("main a[href]").evaluate_all("els => els.map(e => e.pathname)")
        )
    missing = [path for path in DESTINATIONS[role](site) if path not in one_tap_away]
    assert not missing, f"not reachable from the {role}'s navigation: {missing}"


@pytest.fixture
def entry_setup(app):
    from tests.browser.test_entry_form import setup

    coach, meet, runners = setup.__wrapped__(app)
    for distance in (1500, 3000, 5000, 10000):  # a meet of eight races, like the real ones
        factories.make_race(meet, distance=distance, name=f"オープン{distance}m")
    return coach, meet, runners


def test_coach_enters_five_athletes_and_submits_on_a_phone(new_page, browser_login, entry_setup):
    from tests.browser.test_entry_form import add_row

    coach, meet, runners = entry_setup
    page = new_page(PHONE)
    browser_login(page, coach)
    page.goto(f"/my/meets/{meet.id}/entry")
    form = page.locator("form.entry-add")
    shoot(page, "entry-form-empty")
    # The add button within the first screen and a half, the fields neutral until checked.
    assert form.get_by_role("button", name="追加").bounding_box()["y"] < 1.5 * PHONE["height"]
    for name in ("race_id", "athlete_id", "declared_time", "personal_best"):
        expect(form.locator(f"[name={name}]")).not_to_have_attribute("aria-invalid", "false")
    expect(form.locator("input[name=declared_time]")).to_have_attribute(
        "placeholder", "例 14:30.00"
    )
    expect(page.locator("#add-declared_time-hint")).to_have_text("例 14:30.00")

    bar = page.locator(".entry-total")
    for count, (race, athlete, time) in enumerate(runners, start=1):
        keypad = time.replace(":", "").replace(".", "")  # "14:50.00" typed as "145000"
        add_row(page, race, athlete, keypad)
        expect(page.locator("#entry-editor tbody tr")).to_have_count(count)
        expect(page.locator(f"#entry-editor tbody tr input[value='{time}']")).to_have_count(1)
        # The bar stays on screen with the count and the total.
        expect(bar.locator("[data-entry-count]")).to_have_text(str(count))
        assert bar.bounding_box()["y"] + bar.bounding_box()["height"] <= PHONE["height"] + 1
    # What was read is echoed while typing, so a misreading shows before 追加.
    expect(page.locator(".htmx-added, .htmx-settling")).to_have_count(0)
    form.locator("input[name=declared_time]").fill("95512")
    expect(page.locator("#add-declared_time-hint")).to_have_text("9:55.12 として受け付けます")
    # The athletes already in the race are shown as entered, not offered.
    race, athlete, _ = runners[0]
    page.locator("form.entry-add select[name=race_id]").select_option(str(runners[3][0].id))
    with page.expect_response(lambda response: "athlete-options" in response.url):
        page.locator("form.entry-add select[name=race_id]").select_option(str(race.id))
    taken = page.locator(f"#athlete-select option[value='{athlete.id}']")
    expect(taken).to_be_disabled()
    expect(taken).to_contain_text("エントリー済")
    assert page_width(page) == PHONE["width"]
    shoot(page, "entry-form-five-rows")

    bar.get_by_role("button", name="内容を確認して提出").click()
    page.get_by_role("button", name="この内容で提出する").click()
    expect(page.locator(".payment-info [data-amount]")).to_have_text("¥5,000")
    assert page_width(page) == PHONE["width"]


@pytest.fixture
def slips(app):
    from tests.browser.test_payments_browser import setup

    return setup.__wrapped__(app)


# The left edge of every line of text in a cell.
LINE_LEFTS = """cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  return [...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.left));
}"""


def test_official_approves_and_rejects_on_a_phone(new_page, browser_login, slips):
    official, _, (paid, rejected) = slips
    desk = new_page(PHONE)
    browser_login(desk, official)
    desk.goto("/admin/payments")
    row = desk.locator(f"#payment-{paid.id}")
    # Everything of a cell stays in its value column: the team under the number, not the label.
    lefts = row.locator("td[data-label='申込']").evaluate(LINE_LEFTS)
    assert max(lefts) - min(lefts) < 2, lefts
    row.get_by_role("button", name="承認").click()
    expect(row).to_contain_text("入金済み")

    other = desk.locator(f"#payment-{rejected.id}")
    other.get_by_text("差し戻し", exact=True).click()
    reason = other.get_by_label("差し戻しの理由")
    assert reason.bounding_box()["width"] > 0.75 * PHONE["width"]  # the whole card's width
    reason.fill("振込金額が1,000円不足しています")
    other.get_by_role("button", name="差し戻す").click()
    expect(desk.locator(f"#payment-{rejected.id}")).to_contain_text("差し戻し中")
    assert page_width(desk) == PHONE["width"]
    assert desk.evaluate(SHORT_TARGETS) == []
    shoot(desk, "payment-desk-after")

    desk.goto(f"/admin/payments/slips/{rejected.slips[0].id}")
    image = desk.locator("img.slip-image").bounding_box()
    details = desk.locator(".slip-details").bounding_box()
    assert image["y"] < details["y"]  # the image first, the details below
    assert page_width(desk) == PHONE["width"]


def test_a_refused_athlete_form_takes_the_phone_to_its_first_problem(new_page, browser_login, site):
    page = new_page(PHONE)
    browser_login(page, site["coach"])
    page.goto("/my/athletes/new")
    form = page.locator("form.athlete-form")
    form.locator("input[name$=last_name]").first.fill("駒沢")
    form.get_by_role("button", name="登録").click()
    expect(page.locator("form.athlete-form")).to_contain_text("登録陸協を選択してください。")
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("aria-invalid", "true")
    assert focused.bounding_box()["y"] < PHONE["height"]  # scrolled into view


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_a_role_fits_a_desktop_without_clipping(new_page, browser_login, site, role):
    page = new_page(DESKTOP)
    browser_login(page, site[role])
    problems = []
    for path in ROLES[role](site):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        width, wide = page_width(page), page.evaluate(TOO_WIDE)
        if width != DESKTOP["width"] or wide:
            problems.append(f"{path}: {width}px, sticking out: {wide}")
    assert not problems, "\n".join(problems)
