"""Money changes only through an explicit, audited adjustment (SPEC §5): the amount due moves,
the submission snapshot never does, and every place that shows an amount shows the amount due."""

from __future__ import annotations

from io import BytesIO

import pdfplumber
import pytest
from sqlalchemy import select

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import AuditEvent
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


@pytest.fixture
def official(app):
    return factories.make_user("official")


def test_adjustment_changes_the_amount_due_never_the_snapshot(application, official):
    payments.adjust_amount(application.id, by=official, amount="−2,000", reason="NCG却下分")
    db.session.commit()
    assert application.total_amount == 4000
    assert application.amount_due == 2000
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "application.adjust"))
    assert event.actor_id == official.id
    assert event.before == {"amount_due": 4000}
    assert event.after == {"amount_due": 2000, "adjustment": -2000, "reason": "NCG却下分"}


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("-2000", " ", "理由を入力"),
        ("abc", "訂正", "整数で入力"),
        ("0", "訂正", "整数で入力"),
        ("-5000", "訂正", "マイナスになります"),
    ],
)
def test_adjustment_refused(application, official, amount, reason, message):
    with pytest.raises(RuleViolation, match=message):
        payments.adjust_amount(application.id, by=official, amount=amount, reason=reason)
    db.session.rollback()
    assert application.amount_due == 4000


def test_participants_cannot_adjust(application, coach):
    with pytest.raises(NotFound):
        payments.adjust_amount(application.id, by=coach, amount="-2000", reason="値引き")


def test_approval_and_receipt_use_the_amount_due(client, login_as, application, coach, official):
    payments.adjust_amount(application.id, by=official, amount="-2000", reason="NCG却下分")
    payments.upload_slip(application.id, by=coach, data=png_bytes(), declared_amount=2000)
    db.session.commit()
    assert payments.review_rows(mismatch_only=True) == []  # 2,000 declared, 2,000 due
    payments.approve_payment(application.id, by=official)
    db.session.commit()
    assert application.approval.amount == 2000

    login_as(coach)
    page = client.get(f"/my/applications/{application.id}/payment").get_data(as_text=True)
    assert "¥2,000" in page and "NCG却下分" in page
    response = client.get(f"/my/applications/{application.id}/receipt.pdf")
    with pdfplumber.open(BytesIO(response.data)) as pdf:
        text = pdf.pages[0].extract_text()
    assert "¥2,000-" in text
    assert "申込時の合計: ¥4,000" in text and "NCG却下分" in text


def test_official_adjusts_inline_on_the_review_desk_and_in_the_export(
    client, login_as, application
):
    login_as("official")
    response = client.post(
        f"/admin/payments/{application.id}/adjust",
        data={"amount": "-2000", "reason": ""},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "金額調整の理由を入力してください" in response.get_data(as_text=True)
    response = client.post(
        f"/admin/payments/{application.id}/adjust",
        data={"amount": "-2000", "reason": "NCG却下分"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "<span data-amount-due>¥2,000</span>" in response.get_data(as_text=True)
    assert application.total_amount == 4000
    text = client.get(f"/admin/payments/export.csv?meet={application.meet_id}").data.decode(
        "utf-8-sig"
    )
    assert "申込時合計,調整額,請求金額" in text
    assert ",4000,-2000,2000," in text


def test_participant_cannot_post_an_adjustment(client, login_as, application, coach):
    login_as(coach)
    response = client.post(
        f"/admin/payments/{application.id}/adjust", data={"amount": "-4000", "reason": "x"}
    )
    assert response.status_code in (403, 404)
    assert application.amount_due == 4000
