"""`flask seed-demo`: the demo meet has applications in every payment state."""

from __future__ import annotations

from io import BytesIO

from PIL import Image
from sqlalchemy import select

from nitsys.demo import DEFAULT_SEED, seed_demo
from nitsys.extensions import db
from nitsys.models import ApplicationStatus, PaymentSlip
from nitsys.services import payments


def test_demo_meet_has_every_payment_state(app):
    seed_demo(DEFAULT_SEED)
    db.session.commit()
    counts = {
        state: len(payments.review_rows(state=state, limit=10_000))
        for state, _ in payments.ReviewState.CHOICES
    }
    assert all(counts.values()), counts
    under_review = payments.review_rows()
    assert all(row.application.status is ApplicationStatus.UNDER_REVIEW for row in under_review)
    assert any(row.mismatch for row in under_review)
    rejected = payments.review_rows(state="rejected")[0].application
    assert rejected.rejection_reason and rejected.slips[-1].review_reason
    slip = db.session.scalars(select(PaymentSlip).limit(1)).one()
    with Image.open(BytesIO(slip.content)) as image:
        assert image.format == "PNG"
    assert all(row.application.approval for row in payments.review_rows(state="paid"))
