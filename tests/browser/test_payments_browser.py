"""An official clears two slips inline (keyboard approve, reject with a reason) while the
counters follow; the coach then reads the reason and uploads again."""

import pytest
from playwright.sync_api import expect

from nitsys.extensions import db
from nitsys.services import payments
from tests import factories
from tests.test_payments_service import png_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def setup(app):
    race = factories.make_race()
    official = factories.make_user("official")
    coaches, applications = [], []
    for declared in (2000, 1000):
        coach = factories.make_user()
        application = factories.make_submitted_entries(coach, race)
        payments.upload_slip(
            application.id,
            by=coach,
            data=png_bytes(),
            filename="slip.png",
            declared_amount=declared,
            payer_name="振込 太郎",
        )
        db.session.commit()
        coaches.append(coach)
        applications.append(application)
    return official, coaches, applications


def counter(page, name):
    return page.locator(f"[data-counter={name}]")


def test_official_approves_and_rejects_inline_and_coach_uploads_again(
    new_page, browser_login, setup
):
    official, coaches, (paid, rejected) = setup
    desk = new_page()
    browser_login(desk, official)
    desk.goto("/admin/payments")
    expect(counter(desk, "to_review")).to_have_text("2")
    expect(desk.locator(f"#payment-{rejected.id}")).to_have_class("payment-row mismatch")

    desk.keyboard.press("j")  # first row: the earlier upload
    desk.keyboard.press("a")
    expect(desk.locator(f"#payment-{paid.id}")).to_contain_text("入金済み")
    expect(counter(desk, "to_review")).to_have_text("1")
    expect(counter(desk, "approved_today")).to_have_text("1")
    expect(counter(desk, "amount_today")).to_have_text("¥2,000")

    row = desk.locator(f"#payment-{rejected.id}")
    row.get_by_text("差し戻し", exact=True).click()
    row.get_by_label("差し戻しの理由").fill("振込金額が1,000円不足しています")
    row.get_by_role("button", name="差し戻す").click()
    expect(desk.locator(f"#payment-{rejected.id}")).to_contain_text("差し戻し中")
    expect(counter(desk, "to_review")).to_have_text("0")
    assert desk.url.endswith("/admin/payments")  # no page reload happened

    coach_page = new_page()
    browser_login(coach_page, coaches[1])
    coach_page.goto(f"/my/applications/{rejected.id}")
    coach_page.get_by_role("button", name="お支払い・振込明細").click()
    expect(coach_page.locator("[data-rejection-reason]")).to_contain_text(
        "振込金額が1,000円不足しています"
    )
    form = coach_page.locator("form.slip-upload")
    form.locator("input[name=file]").set_input_files(
        {"name": "slip2.png", "mimeType": "image/png", "buffer": png_bytes(color="white")}
    )
    form.get_by_label("振込金額（円）").fill("2000")
    form.get_by_role("button", name="アップロード").click()
    expect(coach_page.locator(".payment-state")).to_contain_text("確認中")
    expect(coach_page.locator("[data-slip]")).to_have_count(2)

    desk.reload()
    expect(counter(desk, "to_review")).to_have_text("1")
    expect(desk.locator(f"#payment-{rejected.id}")).to_contain_text("¥2,000")


def test_official_rejects_an_ncg_entry_inline_and_the_coach_sees_why(new_page, browser_login, app):
    coach = factories.make_user()
    race = factories.make_race(is_ncg=True, name="NCG男子5000m")
    application = factories.make_submitted_entries(coach, race, count=2)
    entry = application.entries[0]
    official = factories.make_user("official")

    desk = new_page()
    browser_login(desk, official)
    desk.goto(f"/admin/meets/{race.meet_id}/entry-review?standard=ncg")
    row = desk.locator(f"#entry-{entry.id}")
    row.get_by_text("却下", exact=True).click()
    row.get_by_label("却下の理由").fill("NCG申告タイムの公認記録が確認できません")
    row.get_by_role("button", name="却下する").click()
    expect(desk.locator(f"#entry-{entry.id}")).to_contain_text("理由: NCG申告タイムの公認記録")
    assert "entry-review" in desk.url

    coach_page = new_page()
    browser_login(coach_page, coach)
    coach_page.goto(f"/my/applications/{application.id}")
    expect(coach_page.locator(f"#submitted-entry-{entry.id}")).to_contain_text(
        "却下の理由: NCG申告タイムの公認記録が確認できません"
    )


def test_slip_viewer_frames_a_pdf_slip(new_page, browser_login, app):
    """The viewer page frames the PDF from our own URL; a refused frame (X-Frame-Options or
    frame-ancestors) would be a console error, which fails the test."""
    coach = factories.make_user()
    application = factories.make_submitted_entries(coach, factories.make_race())
    slip = payments.upload_slip(
        application.id, by=coach, data=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    )
    db.session.commit()
    viewer = new_page()
    browser_login(viewer, factories.make_user("official"))
    with viewer.expect_response(lambda r: r.url.endswith(f"/slips/{slip.id}/file")) as framed:
        viewer.goto(f"/admin/payments/slips/{slip.id}")
    assert framed.value.status == 200
    assert framed.value.headers["x-frame-options"] == "SAMEORIGIN"
    expect(viewer.locator("iframe.slip-pdf")).to_be_visible()
    viewer.wait_for_timeout(500)  # let a refused frame reach the console
