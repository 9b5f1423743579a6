"""Payments (SPEC §5): every transition allowed and refused, files checked by content, mail once."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import (
    ApplicationStatus,
    AuditEvent,
    EntryStatus,
    OutboxMessage,
    PaymentApproval,
    PaymentSlip,
    SlipReview,
)
from nitsys.models.base import utcnow
from nitsys.services import entries as entry_service
from nitsys.services import payments
from tests import factories


def png_bytes(size=(800, 600), color="skyblue") -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def coach(app):
    return factories.make_user()


@pytest.fixture
def official(app):
    return factories.make_user("official", full_name="審判 花子")


@pytest.fixture
def application(coach):
    race = factories.make_race()
    return factories.make_submitted_entries(coach, race, count=2)


def upload(application, user, data=None, **fields):
    slip = payments.upload_slip(
        application.id, by=user, data=data or png_bytes(), filename="slip.png", **fields
    )
    db.session.commit()
    return slip


def mails(key_prefix: str) -> list[OutboxMessage]:
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"{key_prefix}%"))
    ).all()


def test_upload_moves_to_review_and_keeps_file_hash_and_thumbnail(application, coach):
    slip = upload(application, coach, declared_amount=4000, payer_name="3250001 テスト")
    assert application.status is ApplicationStatus.UNDER_REVIEW
    assert slip.content_type == "image/png"
    assert len(slip.sha256) == 64 and slip.size == len(slip.content)
    with Image.open(BytesIO(slip.thumbnail)) as thumb:
        assert max(thumb.size) == 240 and thumb.format == "JPEG"
    assert len(mails("payment.slip_received")) == 1


def test_teammate_may_upload_but_another_team_gets_not_found(application, coach):
    teammate = factories.make_user(organization=coach.organization)
    assert upload(application, teammate).uploaded_by_id == teammate.id
    with pytest.raises(NotFound):
        payments.upload_slip(application.id, by=factories.make_user(), data=png_bytes())


def test_pdf_slip_is_accepted_with_an_icon_thumbnail(application, coach):
    slip = upload(application, coach, data=PDF_BYTES)
    assert slip.is_pdf and slip.thumbnail == payments.pdf_icon()


def test_script_renamed_jpg_is_refused(application, coach):
    with pytest.raises(RuleViolation, match="画像またはPDFとして読み取れない"):
        payments.upload_slip(
            application.id, by=coach, data=b"#!/bin/sh\nrm -rf /\n", filename="slip.jpg"
        )


def test_gif_is_refused_by_its_content(application, coach):
    buffer = BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    with pytest.raises(RuleViolation, match="GIF形式"):
        payments.upload_slip(application.id, by=coach, data=buffer.getvalue())


def test_30_mb_file_is_refused_with_its_size(application, coach):
    with pytest.raises(RuleViolation, match=r"ファイルが大きすぎます（30\.0MB）"):
        payments.upload_slip(application.id, by=coach, data=b"%PDF-" + b"0" * (30 * 2**20 - 5))


@pytest.mark.parametrize("status", ["draft", "under_review", "paid"])
def test_upload_refused_outside_awaiting_payment(application, coach, official, status):
    if status == "draft":
        athlete = factories.make_athlete(coach)
        entry = entry_service.add_entry(
            coach,
            meet_id=application.meet_id,
            athlete_id=athlete.id,
            race_id=application.entries[0].race_id,
            declared_time="15:00.00",
        )
        target = entry.application
    else:
        upload(application, coach)
        if status == "paid":
            payments.approve_payment(application.id, by=official)
        target = application
    with pytest.raises(RuleViolation):
        payments.upload_slip(target.id, by=coach, data=png_bytes())


def test_approve_confirms_entries_but_not_withdrawn_ones_and_mails_once(
    application, coach, official
):
    withdrawn = application.entries[0]
    entry_service.request_withdrawal(coach, withdrawn.id, "故障")
    upload(application, coach)
    payments.approve_payment(application.id, by=official)
    db.session.commit()
    assert application.status is ApplicationStatus.PAID
    assert [e.status for e in application.entries] == [
        EntryStatus.WITHDRAWN,
        EntryStatus.CONFIRMED,
    ]
    assert application.slips[0].review is SlipReview.APPROVED
    assert application.approval.approved_by_id == official.id
    assert not application.approval.forced
    assert len(mails("payment.approved")) == 1
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "payment.approve")) == 1
    )


def test_second_approval_is_refused_naming_who_and_when(application, coach, official):
    upload(application, coach)
    payments.approve_payment(application.id, by=official)
    db.session.commit()
    with pytest.raises(RuleViolation, match=r"既に審判 花子さんが.*に承認しています"):
        payments.approve_payment(application.id, by=factories.make_user("official"))
    with pytest.raises(RuleViolation, match="既に審判 花子さん"):
        payments.reject_payment(application.id, by=official, reason="x")
    assert len(mails("payment.approved")) == 1


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_review_refused_when_nothing_uploaded(application, official, action):
    with pytest.raises(RuleViolation, match="入金待ちのため"):
        if action == "approve":
            payments.approve_payment(application.id, by=official)
        else:
            payments.reject_payment(application.id, by=official, reason="読めません")


def test_reject_needs_reason_and_returns_to_awaiting_with_reason(application, coach, official):
    upload(application, coach)
    with pytest.raises(RuleViolation, match="理由を入力"):
        payments.reject_payment(application.id, by=official, reason="  ")
    payments.reject_payment(application.id, by=official, reason="金額が読み取れません")
    db.session.commit()
    assert application.status is ApplicationStatus.AWAITING_PAYMENT
    assert application.was_rejected
    assert application.slips[0].review_reason == "金額が読み取れません"
    assert [e.status for e in application.entries] == [EntryStatus.SUBMITTED] * 2
    [mail] = mails("payment.rejected")
    assert "金額が読み取れません" in mail.body_text and "再度アップロード" in mail.body_text


def test_reupload_after_rejection_returns_to_review_and_keeps_every_slip(
    application, coach, official
):
    upload(application, coach)
    payments.reject_payment(application.id, by=official, reason="不鮮明")
    db.session.commit()
    upload(application, coach, data=png_bytes(color="white"))
    assert application.status is ApplicationStatus.UNDER_REVIEW
    assert [s.review for s in application.slips] == [SlipReview.REJECTED, SlipReview.PENDING]
    assert [row.application.id for row in payments.review_rows()] == [application.id]
    payments.approve_payment(application.id, by=official)
    db.session.commit()
    assert application.rejection_reason == ""
    assert application.approval.slip_id == application.slips[1].id


def test_force_approve_without_slip_needs_reason_and_is_flagged(application, official, caplog):
    with pytest.raises(RuleViolation, match="理由"):
        payments.force_approve(application.id, by=official, reason="")
    payments.force_approve(application.id, by=official, reason="当日現場確認")
    db.session.commit()
    assert application.status is ApplicationStatus.PAID
    assert application.approval.forced and application.approval.slip_id is None
    assert "payment.force_approve" in caplog.text
    assert [row.application.id for row in payments.review_rows(state="forced")] == [application.id]
    with pytest.raises(RuleViolation, match="強制承認しています"):
        payments.force_approve(application.id, by=official, reason="再度")


def test_force_approve_of_a_slip_under_review_approves_that_slip(application, coach, official):
    upload(application, coach)
    payments.force_approve(application.id, by=official, reason="窓口で通帳確認")
    assert application.slips[0].review is SlipReview.APPROVED


def test_force_approve_refuses_a_draft(coach, official):
    race = factories.make_race()
    athlete = factories.make_athlete(coach)
    entry = entry_service.add_entry(
        coach,
        meet_id=race.meet_id,
        athlete_id=athlete.id,
        race_id=race.id,
        declared_time="15:00.00",
    )
    with pytest.raises(RuleViolation, match="まだ提出されていません"):
        payments.force_approve(entry.application_id, by=official, reason="当日")


def test_approval_row_is_unique_per_application(application, coach, official):
    upload(application, coach)
    payments.approve_payment(application.id, by=official)
    db.session.commit()
    db.session.add(
        PaymentApproval(
            application_id=application.id,
            approved_by_id=official.id,
            amount=0,
            forced=True,
            reason="二重",
        )
    )
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError from either database
        db.session.commit()
    db.session.rollback()


def test_counters_and_mismatch_filter(application, coach, official):
    other = factories.make_submitted_entries(factories.make_user(), application.entries[0].race)
    upload(application, coach, declared_amount=3000)
    upload(other, other.created_by, declared_amount=other.total_amount)
    assert payments.counters() == {"to_review": 2, "approved_today": 0, "amount_today": 0}
    assert [r.application.id for r in payments.review_rows(mismatch_only=True)] == [application.id]
    assert payments.review_rows(mismatch_only=True)[0].mismatch
    payments.approve_payment(other.id, by=official)
    db.session.commit()
    assert payments.counters() == {"to_review": 1, "approved_today": 1, "amount_today": 2000}


def test_team_search_finds_by_name_and_number(application, coach):
    upload(application, coach)
    assert payments.review_rows(team=coach.organization.name[:4])
    assert payments.review_rows(team=application.number)
    assert not payments.review_rows(team="存在しない大学")


def test_reminder_is_sent_once_per_deadline(application, coach, official):
    meet = application.meet
    meet.payment_deadline = utcnow() + timedelta(days=2)
    paid = factories.make_submitted_entries(factories.make_user(), application.entries[0].race)
    payments.force_approve(paid.id, by=official, reason="当日")
    db.session.commit()
    assert payments.remind_unpaid(days=3) == 1
    db.session.commit()
    assert payments.remind_unpaid(days=3) == 0
    meet.payment_deadline = utcnow() + timedelta(days=1)
    assert payments.remind_unpaid(days=3) == 1
    assert payments.remind_unpaid(days=0) == 0


def test_export_lists_every_submitted_application_with_forced_flag(application, official):
    payments.force_approve(application.id, by=official, reason="当日現場確認")
    rows = payments.export_payments(application.meet_id, by=official)
    assert rows[0][0] == "申込番号"
    assert rows[1][0] == application.number
    assert rows[1][-2:] == ["強制承認", "当日現場確認"]


def test_a_teammates_simultaneous_upload_is_refused_not_crashed(application, coach):
    upload(application, coach)
    # The other request read the application before the first upload was committed.
    application.status = ApplicationStatus.AWAITING_PAYMENT
    db.session.flush()

    with pytest.raises(RuleViolation, match="振込明細は既に確認中です"):
        payments.upload_slip(application.id, by=coach, data=png_bytes(), filename="again.png")
    db.session.rollback()  # as the view does on a refusal
    pending = select(func.count(PaymentSlip.id)).where(PaymentSlip.application_id == application.id)
    assert db.session.scalar(pending) == 1
