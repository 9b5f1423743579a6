"""Step: payments of the upcoming meet in every state (SPEC §5).

Of the applications the entries step marked paid, most get an approved slip and about one in
ten a forced approval (強制承認) without a slip. Of the unpaid ones, about half are under review
with a generated slip image (some declaring a wrong amount), some were rejected with a reason,
and the rest still await payment.
"""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta
from io import BytesIO

from PIL import Image, ImageDraw
from sqlalchemy import select

from nitsys.demo.context import DemoContext
from nitsys.extensions import db
from nitsys.models import (
    Application,
    ApplicationStatus,
    PaymentApproval,
    PaymentSlip,
    SlipReview,
)
from nitsys.services.payments import check_slip_file

FORCED_SHARE = 0.1
UNDER_REVIEW_SHARE = 0.5
REJECTED_SHARE = 0.15
MISMATCH_SHARE = 0.15
REJECTION_REASONS = (
    "振込金額が読み取れません。金額がはっきり写った明細をアップロードしてください。",
    "振込名義に申込番号がありません。振込の控えを再度アップロードしてください。",
    "振込金額が請求額と異なります。差額をお振り込みのうえ、両方の明細をアップロードしてください。",
)
FORCE_REASONS = ("当日現場確認", "通帳の写しを窓口で確認")


def slip_image(application: Application, amount: int, day, *, optimize: bool = True) -> bytes:
    """A small PNG that looks enough like an ATM slip for the demo (`optimize`: a few per cent
    smaller, three times slower to encode)."""
    image = Image.new("RGB", (480, 300), "#fdfcf7")
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 471, 291), outline="#5b7fa6", width=3)
    lines = (
        "FURIKOMI / TRANSFER RECEIPT",
        f"DATE   {day.isoformat()}",
        f"REF    {application.number}",
        f"AMOUNT JPY {amount:,}",
        "TO     NITTAI UNIV. LONG DISTANCE",
    )
    for number, line in enumerate(lines):
        draw.text((30, 30 + number * 48), line, fill="#1f2d3d")
    buffer = BytesIO()
    image.save(buffer, "PNG", optimize=optimize)
    return buffer.getvalue()


def _latest_payment_time(application: Application, context: DemoContext):
    """The latest moment a slip or approval can have: now, or the meet's payment deadline
    when that has passed."""
    return min(context.now, application.meet.payment_deadline)


def _slip(
    application: Application,
    rng: random.Random,
    context: DemoContext,
    *,
    optimize: bool = True,
    **review,
):
    amount = application.total_amount
    if rng.random() < MISMATCH_SHARE:
        amount -= application.unit_fee
    until = _latest_payment_time(application, context)
    uploaded_at = application.submitted_at + (until - application.submitted_at) * rng.random()
    data = slip_image(application, amount, uploaded_at.date(), optimize=optimize)
    checked = check_slip_file(data)
    return PaymentSlip(
        application=application,
        uploaded_by_id=application.submitted_by_id,
        uploaded_at=uploaded_at,
        content=data,
        content_type=checked.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        original_filename=f"slip_{application.number}.png",
        thumbnail=checked.thumbnail,
        transfer_date=uploaded_at.date(),
        declared_amount=amount,
        payer_name=f"{application.number} {application.owner_label}"[:100],
        **review,
    )


def create_payments(rng: random.Random, context: DemoContext) -> None:
    applications = db.session.scalars(
        select(Application)
        .where(
            Application.meet_id == context.meet.id, Application.status != ApplicationStatus.DRAFT
        )
        .order_by(Application.id)
    ).all()
    official = context.official
    added = []
    for application in applications:
        if application.status is ApplicationStatus.PAID:
            added.extend(paid_records(application, rng, context))
            continue
        draw = rng.random()
        if draw < UNDER_REVIEW_SHARE:
            application.status = ApplicationStatus.UNDER_REVIEW
            added.append(_slip(application, rng, context))
        elif draw < UNDER_REVIEW_SHARE + REJECTED_SHARE:
            reason = rng.choice(REJECTION_REASONS)
            slip = _slip(application, rng, context, review=SlipReview.REJECTED,
                         reviewed_by_id=official.id, review_reason=reason)  # fmt: skip
            slip.reviewed_at = slip.uploaded_at + timedelta(hours=rng.randint(1, 30))
            application.rejection_reason = reason
            application.rejected_at = slip.reviewed_at
            added.append(slip)
    db.session.add_all(added)
    db.session.flush()


def paid_records(
    application: Application, rng: random.Random, context: DemoContext, *, optimize: bool = True
) -> list:
    """The approval of a paid application (an approved slip with it, or forced), as an
    official recorded it before now or the meet's payment deadline; for the caller to add."""
    official = context.official
    until = _latest_payment_time(application, context)
    if rng.random() < FORCED_SHARE:
        return [
            PaymentApproval(
                application=application, approved_by_id=official.id,
                approved_at=until - timedelta(hours=rng.randint(1, 72)),
                amount=application.total_amount, forced=True,
                reason=rng.choice(FORCE_REASONS),
            )
        ]  # fmt: skip
    slip = _slip(application, rng, context, optimize=optimize, review=SlipReview.APPROVED,
                 reviewed_by_id=official.id)  # fmt: skip
    slip.declared_amount = application.total_amount
    slip.reviewed_at = min(slip.uploaded_at + timedelta(hours=rng.randint(1, 48)), until)
    approval = PaymentApproval(
        application=application, slip=slip, approved_by_id=official.id,
        approved_at=slip.reviewed_at, amount=application.total_amount,
    )  # fmt: skip
    return [slip, approval]
