"""Payment pages: the review desk fragments, slips and receipts behind ownership, CSV, CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO

import pdfplumber
import pytest

from nitsys.extensions import db
from nitsys.models import ApplicationStatus, PaymentSlip
from nitsys.models.base import utcnow
from nitsys.services import payments
from tests import factories
from tests.test_payments_service import png_bytes

HTMX = {"HX-Request": "true"}


@pytest.fixture
def coach(app):
    return factories.make_user(full_name="監督 一郎")


@pytest.fixture
def application(coach):
    return factories.make_submitted_entries(coach, factories.make_race(), count=2)


def uploaded(application, coach, **fields) -> PaymentSlip:
    slip = payments.upload_slip(
        application.id, by=coach, data=png_bytes(), filename="明細.png", **fields
    )
    db.session.commit()
    return slip


def test_coach_uploads_from_the_payment_page(client, login_as, application, coach):
    login_as(coach)
    page = client.get(f"/my/applications/{application.id}/payment").get_data(as_text=True)
    assert application.number in page and "¥4,000" in page
    response = client.post(
        f"/my/applications/{application.id}/payment",
        data={
            "file": (BytesIO(png_bytes()), "slip.png"),
            "declared_amount": "4,000",
            "payer_name": "テスト",
            "transfer_date": "2026-05-01",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert application.status is ApplicationStatus.UNDER_REVIEW
    assert application.slips[0].declared_amount == 4000
    page = client.get(f"/my/applications/{application.id}/payment").get_data(as_text=True)
    assert "確認待ち" in page and "振込明細のアップロード" not in page
    assert "振込明細をアップロードしました" in page  # the confirmation, plain POST too


def test_forged_upload_is_refused_on_the_page(client, login_as, application, coach):
    login_as(coach)
    response = client.post(
        f"/my/applications/{application.id}/payment",
        data={"file": (BytesIO(b"<?php system($_GET['c']); ?>"), "slip.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "画像またはPDFとして読み取れないファイルです" in response.get_data(as_text=True)
    assert application.status is ApplicationStatus.AWAITING_PAYMENT


def test_30_mb_upload_is_refused_before_reading(client, login_as, application, coach):
    login_as(coach)
    response = client.post(
        f"/my/applications/{application.id}/payment",
        data={"file": (BytesIO(b"%PDF-" + b"0" * 30 * 2**20), "big.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.get_data(as_text=True)


def test_rejection_reason_is_on_the_coach_page(client, login_as, application, coach):
    uploaded(application, coach)
    payments.reject_payment(
        application.id, by=factories.make_user("official"), reason="振込名義が読み取れません"
    )
    db.session.commit()
    login_as(coach)
    page = client.get(f"/my/applications/{application.id}/payment").get_data(as_text=True)
    assert "理由: 振込名義が読み取れません" in page and "振込明細のアップロード" in page


def test_another_teams_payment_slip_and_receipt_are_not_found(client, login_as, application, coach):
    slip = uploaded(application, coach)
    payments.approve_payment(application.id, by=factories.make_user("official"))
    db.session.commit()
    login_as("participant")
    for path in (
        f"/my/applications/{application.id}/payment",
        f"/my/applications/{application.id}/slips/{slip.id}",
        f"/my/applications/{application.id}/receipt.pdf",
    ):
        assert client.get(path).status_code == 404
    assert client.get(f"/admin/payments/slips/{slip.id}/file").status_code == 403


def test_owner_sees_own_slip_inline(client, login_as, application, coach):
    slip = uploaded(application, coach)
    login_as(coach)
    response = client.get(f"/my/applications/{application.id}/slips/{slip.id}")
    assert response.status_code == 200 and response.data == png_bytes()
    assert response.headers["Content-Disposition"].startswith("inline;")


def test_receipt_pdf_has_number_addressee_and_snapshot_amount(client, login_as, application, coach):
    uploaded(application, coach)
    payments.approve_payment(application.id, by=factories.make_user("official"))
    db.session.commit()
    application.meet.fee_per_entry = 9999  # a later fee change never alters the receipt
    db.session.commit()
    login_as(coach)
    response = client.get(f"/my/applications/{application.id}/receipt.pdf")
    assert response.status_code == 200
    with pdfplumber.open(BytesIO(response.data)) as pdf:
        text = pdf.pages[0].extract_text()
    assert f"R-{application.number}" in text
    assert f"{coach.organization.name}" in text and "個人" not in text
    assert "¥4,000-" in text and "領 収 書" in text and "日本体育大学陸上競技部" in text


def test_receipt_of_an_individual_is_addressed_to_the_person(client, login_as):
    person = factories.make_user(individual=True, full_name="山田 太郎")
    application = factories.make_submitted_entries(person, factories.make_race())
    payments.force_approve(application.id, by=factories.make_user("official"), reason="当日")
    db.session.commit()
    login_as(person)
    response = client.get(f"/my/applications/{application.id}/receipt.pdf")
    with pdfplumber.open(BytesIO(response.data)) as pdf:
        assert "山田 太郎" in pdf.pages[0].extract_text()


def test_receipt_not_available_before_payment(client, login_as, application, coach):
    login_as(coach)
    assert client.get(f"/my/applications/{application.id}/receipt.pdf").status_code == 404


def test_review_desk_lists_and_approves_in_place(client, login_as, application, coach):
    uploaded(application, coach, declared_amount=3000)
    login_as("official")
    page = client.get("/admin/payments").get_data(as_text=True)
    assert application.number in page and "不一致" in page and 'data-counter="to_review">1<' in page
    response = client.post(f"/admin/payments/{application.id}/approve", headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="payment-{application.id}"') and "入金済み" in html
    events = json.loads(response.headers["HX-Trigger"])
    assert events["payments-changed"] and "承認しました" in events["toast"]["message"]
    counters = client.get("/admin/payments/counters").get_data(as_text=True)
    assert 'data-counter="approved_today">1<' in counters and "¥4,000" in counters

    again = client.post(f"/admin/payments/{application.id}/approve", headers=HTMX)
    assert again.status_code == 422 and "既に" in again.get_data(as_text=True)


def test_reject_without_reason_keeps_the_row_with_a_message(client, login_as, application, coach):
    uploaded(application, coach)
    login_as("official")
    response = client.post(
        f"/admin/payments/{application.id}/reject", data={"reason": ""}, headers=HTMX
    )
    assert response.status_code == 422 and "理由を入力" in response.get_data(as_text=True)
    response = client.post(
        f"/admin/payments/{application.id}/reject", data={"reason": "金額不足"}, headers=HTMX
    )
    assert response.status_code == 200 and "差し戻し中" in response.get_data(as_text=True)


def test_review_desk_filters(client, login_as, application, coach):
    uploaded(application, coach, declared_amount=4000)
    login_as("official")
    assert application.number not in client.get(
        "/admin/payments?mismatch=1", headers=HTMX
    ).get_data(as_text=True)
    assert application.number in client.get(
        f"/admin/payments?team={coach.organization.name}", headers=HTMX
    ).get_data(as_text=True)
    assert application.number not in client.get(
        "/admin/payments?state=paid", headers=HTMX
    ).get_data(as_text=True)


def test_participants_cannot_open_the_review_desk(client, login_as):
    login_as("participant")
    assert client.get("/admin/payments").status_code == 403


def test_thumbnail_is_cached_by_hash(client, login_as, application, coach):
    slip = uploaded(application, coach)
    login_as("official")
    response = client.get(f"/admin/payments/slips/{slip.id}/thumbnail")
    assert response.status_code == 200 and response.content_type == "image/jpeg"
    assert "max-age" in response.headers["Cache-Control"]
    again = client.get(
        f"/admin/payments/slips/{slip.id}/thumbnail",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_slip_viewer_shows_pdf_inline_from_our_url(client, login_as, application, coach):
    slip = payments.upload_slip(application.id, by=coach, data=b"%PDF-1.4\n%%EOF", filename="a.pdf")
    db.session.commit()
    login_as("official")
    page = client.get(f"/admin/payments/slips/{slip.id}").get_data(as_text=True)
    assert f'<iframe src="/admin/payments/slips/{slip.id}/file"' in page
    file = client.get(f"/admin/payments/slips/{slip.id}/file")
    assert file.content_type == "application/pdf"
    assert "frame-ancestors 'self'" in file.headers["Content-Security-Policy"]
    assert file.headers["X-Frame-Options"] == "SAMEORIGIN"
    viewer = client.get(f"/admin/payments/slips/{slip.id}")
    assert "frame-src 'self'" in viewer.headers["Content-Security-Policy"]


def test_force_desk_finds_by_athlete_and_preselects(client, login_as, application):
    login_as("official")
    athlete = application.entries[0].athlete
    page = client.get(f"/admin/payments/force?q={athlete.last_name}{athlete.first_name}")
    assert application.number in page.get_data(as_text=True)
    page = client.get(f"/admin/payments/force?entry={application.entries[0].id}")
    assert "指定された申込" in page.get_data(as_text=True)
    refused = client.post(
        f"/admin/payments/{application.id}/force", data={"reason": ""}, headers=HTMX
    )
    assert refused.status_code == 422
    done = client.post(
        f"/admin/payments/{application.id}/force", data={"reason": "当日現場確認"}, headers=HTMX
    )
    assert done.status_code == 200 and "強制承認済み" in done.get_data(as_text=True)
    forced = client.get("/admin/payments?state=forced", headers=HTMX).get_data(as_text=True)
    assert application.number in forced and "強制承認" in forced


def test_force_desk_finds_a_runner_by_bib_and_shows_who_approved(client, login_as, application):
    official = factories.make_user("official", full_name="受付 花子")
    payments.force_approve(application.id, by=official, reason="当日現場確認")
    db.session.commit()
    factories.make_heat_with_slots(application.entries[0].race, application.entries, bib=4321)
    other_meet = factories.make_meet()
    login_as("official")
    page = client.get("/admin/payments/force?q=４３２２", headers=HTMX).get_data(as_text=True)
    assert application.number in page and "ゼッケン 4322" in page
    assert "強制承認済み: 受付 花子" in page and 'name="reason"' not in page
    elsewhere = client.get(f"/admin/payments/force?q=4322&meet={other_meet.id}", headers=HTMX)
    assert application.number not in elsewhere.get_data(as_text=True)
    by_name = client.get(f"/admin/payments/force?q={application.entries[0].athlete.last_name}")
    assert application.number not in by_name.get_data(as_text=True)  # paid: not a candidate


def test_export_csv_has_one_bom_and_japanese_header(client, login_as, application):
    login_as("official")
    response = client.get(f"/admin/payments/export.csv?meet={application.meet_id}")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf") and response.data.count(b"\xef\xbb\xbf") == 1
    text = response.data.decode("utf-8-sig")
    assert text.startswith("申込番号,大会,申込者") and application.number in text
    assert "attachment;" in response.headers["Content-Disposition"]


def test_remind_command_is_idempotent(app, application):
    application.meet.payment_deadline = utcnow() + timedelta(days=1)
    db.session.commit()
    runner = app.test_cli_runner()
    assert "1 件" in runner.invoke(args=["payments", "remind"]).output
    assert "0 件" in runner.invoke(args=["payments", "remind"]).output


def test_the_reject_and_adjust_forms_load_when_opened(client, login_as, application, coach):
    from tests.test_payments_service import upload

    upload(application, coach, declared_amount=4000)
    login_as("official")
    desk = client.get("/admin/payments").get_data(as_text=True)
    assert 'name="reason"' not in desk  # not in the list: loaded on opening
    url = f"/admin/payments/{application.id}/form/reject"
    assert url in desk
    fragment = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="reason"' in fragment and "<html" not in fragment
    page = client.get(f"/admin/payments/{application.id}/form/adjust").get_data(as_text=True)
    assert 'name="amount"' in page and "<html" in page  # without htmx, a page of its own
    assert client.get("/admin/payments/999999/form/reject").status_code == 404
    assert client.get(f"/admin/payments/{application.id}/form/other").status_code == 404
