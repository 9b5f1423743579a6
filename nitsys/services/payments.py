"""Payments (SPEC §5): slip upload, review (approve / reject), force approval, reminders.

Every transition locks the application row (SELECT … FOR UPDATE) before reading its state, so
two officials clicking at once queue up: the first approves, the second is told who approved
and when. `PaymentApproval.application_id` is unique as a last line of defence, and each mail
carries a dedupe key, so no transition is ever mailed twice.

The lock query also loads what a review needs (slips, entries, owner) so that an approval is
one SELECT plus its writes. Under PostgreSQL READ COMMITTED the locked row is re-read fresh
after waiting for another transaction, but rows joined to it come from the statement's
snapshot; hence the fresh look-ups in `_paid_by` and `pending_slip` when they disagree.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from io import BytesIO

from flask import has_request_context
from PIL import Image, ImageDraw, ImageOps
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.numbers import fits_db_int
from nitsys.extensions import db
from nitsys.formatting import TOKYO, jst
from nitsys.models import (
    Application,
    ApplicationAdjustment,
    ApplicationStatus,
    Athlete,
    Entry,
    EntryStatus,
    HeatSlot,
    Meet,
    Organization,
    PaymentApproval,
    PaymentSlip,
    SlipReview,
    User,
)
from nitsys.models.base import utcnow
from nitsys.models.payments import MAX_SLIP_BYTES
from nitsys.services import audit, outbox, pauses, runner_search
from nitsys.services.conflicts import refused_on_conflict
from nitsys.services.entries import contact_for

security_log = logging.getLogger("nitsys.security")

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PDF_TYPE = "application/pdf"
THUMBNAIL_SIZE = (240, 240)
SLIP_FIELDS = ("review", "review_reason")
APPLICATION_FIELDS = ("status", "rejection_reason")
FORCE_SEARCH_LIMIT = 50
UNPAID_STATUSES = (ApplicationStatus.AWAITING_PAYMENT, ApplicationStatus.UNDER_REVIEW)
ALREADY_UNDER_REVIEW = "振込明細は既に確認中です。確認結果をお待ちください。"


# ---------------------------------------------------------------------------------------------
# Reading the uploaded file


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    thumbnail: bytes


def check_slip_file(data: bytes) -> CheckedFile:
    """The file's real type from its content, and its thumbnail; RuleViolation otherwise."""
    if not data:
        raise RuleViolation("振込明細のファイルを選んでください。", field="file")
    if len(data) > MAX_SLIP_BYTES:
        raise RuleViolation(
            f"ファイルが大きすぎます（{len(data) / 1024 / 1024:.1f}MB）。"
            f"{MAX_SLIP_BYTES // 1024 // 1024}MB以下の画像またはPDFをアップロードしてください。",
            field="file",
        )
    if data.startswith(b"%PDF-"):
        return CheckedFile(PDF_TYPE, pdf_icon())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                image_format = image.format
                image.verify()
            thumbnail = _thumbnail(data)
    except Exception as error:  # Pillow raises many kinds for a file that is not an image
        raise RuleViolation(
            "画像またはPDFとして読み取れないファイルです。"
            "振込明細の写真（JPEG・PNG・WebP）またはPDFをアップロードしてください。",
            field="file",
        ) from error
    if image_format not in IMAGE_TYPES:
        raise RuleViolation(
            f"{image_format}形式の画像は受け付けていません。JPEG・PNG・WebP・PDFのいずれかにしてください。",
            field="file",
        )
    return CheckedFile(IMAGE_TYPES[image_format], thumbnail)


def _thumbnail(data: bytes) -> bytes:
    with Image.open(BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMBNAIL_SIZE)
        buffer = BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@cache
def pdf_icon() -> bytes:
    """The generic thumbnail of a PDF slip (PDFs are never rendered on the server)."""
    image = Image.new("RGB", (180, 240), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 170, 230), outline="#888888", width=4)
    draw.rectangle((30, 150, 150, 200), fill="#c0392b")
    draw.text((68, 165), "PDF", fill="white")
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Locking and guards


def lock_application(application_id: int, *, with_entries: bool = False) -> Application:
    """The application row locked (SELECT … FOR UPDATE of it only), loaded in the same query
    with its slips, approval and what the mails and the review row show."""
    options = [
        joinedload(Application.meet),
        joinedload(Application.organization),
        joinedload(Application.owner_user),
        joinedload(Application.submitted_by),
        joinedload(Application.approval),
        joinedload(Application.slips),
    ]
    if with_entries:
        options.append(
            joinedload(Application.entries).options(
                joinedload(Entry.athlete), joinedload(Entry.race)
            )
        )
    application = (
        db.session.scalars(
            select(Application)
            .where(Application.id == application_id)
            .options(*options)
            .with_for_update(of=Application)
        )
        .unique()
        .one_or_none()
    )
    if application is None:
        raise NotFound()
    return application


def _paid_by(application: Application) -> PaymentApproval:
    return application.approval or db.session.scalar(
        select(PaymentApproval).where(PaymentApproval.application_id == application.id)
    )


def _already_paid_message(application: Application) -> str:
    approval = _paid_by(application)
    how = "強制承認" if approval.forced else "承認"
    return (
        f"申込 {application.number} は既に{approval.approved_by.full_name}さんが"
        f"{jst(approval.approved_at)}に{how}しています。"
    )


def _require_under_review(application: Application, action: str) -> None:
    if application.status is ApplicationStatus.UNDER_REVIEW:
        return
    if application.status is ApplicationStatus.PAID:
        raise RuleViolation(_already_paid_message(application))
    raise RuleViolation(
        f"申込 {application.number} は{application.status.label}のため{action}できません"
        "（確認中の申込だけが対象です）。"
    )


def pending_slip(application: Application) -> PaymentSlip | None:
    """The slip waiting for review, from the slips loaded with the locked application."""
    found = next((s for s in application.slips if s.review is SlipReview.PENDING), None)
    if found is None and application.status is ApplicationStatus.UNDER_REVIEW:
        db.session.refresh(application, ["slips"])  # uploaded while we waited for the lock
        found = next((s for s in application.slips if s.review is SlipReview.PENDING), None)
    return found


# ---------------------------------------------------------------------------------------------
# Upload


def upload_slip(
    application_id: int,
    *,
    by: User,
    data: bytes,
    filename: str = "",
    transfer_date: date | None = None,
    declared_amount: int | None = None,
    payer_name: str = "",
) -> PaymentSlip:
    """Keep a new slip and put the application under review (from awaiting payment only)."""
    pauses.ensure_open("slip_upload")
    application = lock_application(application_id)
    if not application.is_owned_by(by):
        raise NotFound()
    if application.status is ApplicationStatus.DRAFT:
        raise RuleViolation(
            "提出前の申込には振込明細をアップロードできません。先に提出してください。"
        )
    if application.status is ApplicationStatus.UNDER_REVIEW:
        raise RuleViolation(ALREADY_UNDER_REVIEW)
    if application.status is ApplicationStatus.PAID:
        raise RuleViolation("この申込は入金確認済みです。")
    if declared_amount is not None and declared_amount < 0:
        raise RuleViolation("振込金額が正しくありません。", field="declared_amount")
    checked = check_slip_file(data)
    with refused_on_conflict(RuleViolation(ALREADY_UNDER_REVIEW)):
        slip = PaymentSlip(
            application=application,
            uploaded_by_id=by.id,
            content=data,
            content_type=checked.content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            original_filename=(filename or "")[-200:],
            thumbnail=checked.thumbnail,
            transfer_date=transfer_date,
            declared_amount=declared_amount,
            payer_name=(payer_name or "").strip()[:100],
        )
        db.session.add(slip)
    application.status = ApplicationStatus.UNDER_REVIEW
    db.session.flush()
    audit.record(
        by,
        "payment.slip_upload",
        slip,
        meet_id=application.meet_id,
        after={
            "application": application.number,
            "sha256": slip.sha256,
            "size": slip.size,
            "declared_amount": declared_amount,
        },
    )
    outbox.enqueue(
        by.email,
        "payment_slip_received",
        subject=f"振込明細を受け付けました（申込番号 {application.number}）",
        dedupe_key=f"payment.slip_received:{slip.id}",
        application=application,
        slip=slip,
        user=by,
    )
    return slip


# ---------------------------------------------------------------------------------------------
# Review


def approve_payment(application_id: int, *, by: User) -> Application:
    """Under review → paid: the pending slip approved, every submitted entry confirmed."""
    application = lock_application(application_id, with_entries=True)
    _require_under_review(application, "承認")
    slip = pending_slip(application)
    slip.review = SlipReview.APPROVED
    slip.reviewed_by_id = by.id
    slip.reviewed_at = utcnow()
    _mark_paid(application, by=by, slip=slip)
    return application


def reject_payment(application_id: int, *, by: User, reason: str) -> Application:
    """Under review → awaiting payment again, with the reason shown to the coach and mailed."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("差し戻しの理由を入力してください。", field="reason")
    application = lock_application(application_id)
    _require_under_review(application, "差し戻し")
    slip = pending_slip(application)
    before = audit.snapshot(application, *APPLICATION_FIELDS)
    now = utcnow()
    slip.review_reason = reason
    slip.review = SlipReview.REJECTED
    slip.reviewed_by_id = by.id
    slip.reviewed_at = now
    application.status = ApplicationStatus.AWAITING_PAYMENT
    application.rejection_reason = reason
    application.rejected_at = now
    audit.record(
        by,
        "payment.reject",
        application,
        meet_id=application.meet_id,
        before=before,
        after={**audit.snapshot(application, *APPLICATION_FIELDS), "slip_id": slip.id},
    )
    recipient = contact_for(application)
    outbox.enqueue(
        recipient.email,
        "payment_rejected",
        subject=f"入金確認について（申込番号 {application.number}）",
        dedupe_key=f"payment.rejected:{slip.id}",
        check_duplicate=False,  # the slip was pending under our lock: first and only time
        application=application,
        meet=application.meet,
        reason=reason,
        user=recipient,
    )
    return application


def force_approve(application_id: int, *, by: User, reason: str) -> Application:
    """強制承認 at the trouble desk: any submitted, unpaid application → paid, slip or not."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("強制承認の理由を入力してください。", field="reason")
    application = lock_application(application_id, with_entries=True)
    if application.status is ApplicationStatus.PAID:
        raise RuleViolation(_already_paid_message(application))
    if application.status is ApplicationStatus.DRAFT:
        raise RuleViolation(
            f"申込 {application.number} はまだ提出されていません。提出してから承認してください。"
        )
    slip = pending_slip(application)
    if slip is not None:
        slip.review = SlipReview.APPROVED
        slip.reviewed_by_id = by.id
        slip.reviewed_at = utcnow()
    _mark_paid(application, by=by, slip=slip, forced_reason=reason)
    _log_force(application, by, reason)
    return application


def _mark_paid(
    application: Application,
    *,
    by: User,
    slip: PaymentSlip | None,
    forced_reason: str = "",
) -> None:
    before = audit.snapshot(application, *APPLICATION_FIELDS)
    # `lock_application` loaded the (absent) approval, so this assignment costs no query.
    approval = PaymentApproval(
        application=application,
        slip=slip,
        approved_by=by,
        approved_at=utcnow(),
        amount=application.amount_due,
        forced=bool(forced_reason),
        reason=forced_reason,
    )
    db.session.add(approval)
    application.status = ApplicationStatus.PAID
    application.rejection_reason = ""
    confirmed = _confirm_entries(application)
    audit.record(
        by,
        "payment.force_approve" if forced_reason else "payment.approve",
        application,
        meet_id=application.meet_id,
        before=before,
        after={
            **audit.snapshot(application, *APPLICATION_FIELDS),
            "slip_id": slip.id if slip else None,
            "amount": approval.amount,
            "confirmed_entries": len(confirmed),
            "reason": forced_reason,
        },
    )
    recipient = contact_for(application)
    outbox.enqueue(
        recipient.email,
        "payment_approved",
        subject=f"入金確認完了のお知らせ（申込番号 {application.number}）",
        dedupe_key=f"payment.approved:{application.id}",
        check_duplicate=False,  # status was unpaid under our lock: first and only time
        application=application,
        meet=application.meet,
        entries=confirmed,
        approval=approval,
        user=recipient,
    )


def _confirm_entries(application: Application) -> list[Entry]:
    """Submitted → confirmed; withdrawn entries stay withdrawn."""
    entries = [e for e in application.entries if e.status is EntryStatus.SUBMITTED]
    for entry in entries:
        entry.status = EntryStatus.CONFIRMED
    return entries


def _log_force(application: Application, by: User, reason: str) -> None:
    fields = {
        "application": application.number,
        "owner": application.owner_label,
        "official": by.id,
        "reason": reason,
    }
    if has_request_context():
        from nitsys.security import log_security

        log_security("payment.force_approve", **fields)
    else:
        security_log.warning(
            "payment.force_approve %s", " ".join(f"{k}={v}" for k, v in fields.items())
        )


def force_candidates(meet_id: int | None, query: str) -> list[Application]:
    """The trouble desk's search. Unpaid submitted applications whose team, athlete (as the
    desks search them: `runner_search`) or number matches `query`; and, for a bib, the
    application of the runner wearing it whatever its state, so the desk sees who approved a
    paid one."""
    query = runner_search.cleaned(query)
    if not query:
        return []
    by_athlete = (
        select(Entry.application_id).join(Athlete).where(runner_search.name_terms(query)[0])
    )
    by_team = select(Organization.id).where(runner_search.team_match(query))
    matches = and_(
        Application.status.in_(UNPAID_STATUSES),
        or_(
            Application.id.in_(by_athlete),
            Application.organization_id.in_(by_team),
            Application.number.contains(query, autoescape=True),
        ),
    )
    bib = runner_search.typed_bib(query)
    if bib is not None:
        by_bib = select(Entry.application_id).join(HeatSlot).where(HeatSlot.bib == bib)
        if meet_id:
            by_bib = by_bib.where(HeatSlot.meet_id == meet_id)
        matches = or_(matches, Application.id.in_(by_bib))
    statement = select(Application).where(matches)
    if meet_id:
        statement = statement.where(Application.meet_id == meet_id)
    statement = statement.options(
        joinedload(Application.meet),
        joinedload(Application.organization),
        joinedload(Application.owner_user),
        joinedload(Application.approval).joinedload(PaymentApproval.approved_by),
        selectinload(Application.entries).options(
            joinedload(Entry.athlete), joinedload(Entry.race), joinedload(Entry.slot)
        ),
    )
    return db.session.scalars(statement.order_by(Application.id).limit(FORCE_SEARCH_LIMIT)).all()


# ---------------------------------------------------------------------------------------------
# Amount adjustments


def read_adjustment(value: str) -> int:
    """A typed yen amount with its sign: "-2,000", "−2000円", "+500"."""
    text = (value or "").translate(str.maketrans("−－＋０１２３４５６７８９", "--+0123456789"))
    text = text.replace(",", "").replace("，", "").replace("¥", "").replace("円", "").strip()
    digits = text.lstrip("+-")
    if not digits.isdigit() or int(digits) == 0:
        raise RuleViolation(
            "調整額は円単位の整数で入力してください（減額は -2000 のようにマイナスを付けます）。",
            field="amount",
        )
    amount = -int(digits) if text.startswith("-") else int(digits)
    if not fits_db_int(amount):
        raise RuleViolation("調整額が大きすぎます。", field="amount")
    return amount


def adjust_amount(application_id: int, *, by: User, amount: str, reason: str) -> Application:
    """An explicit, audited change of the amount due; the submission snapshot stays as it is."""
    if not by.is_official:
        raise NotFound()
    reason = (reason or "").strip()
    change = read_adjustment(amount)
    if not reason:
        raise RuleViolation("金額調整の理由を入力してください。", field="reason")
    application = lock_application(application_id)
    if application.is_draft:
        raise RuleViolation(f"申込 {application.number} はまだ提出されていないため調整できません。")
    before = application.amount_due
    if before + change < 0:
        raise RuleViolation(
            f"調整後の金額がマイナスになります（現在の請求額 {before:,}円）。", field="amount"
        )
    adjustment = ApplicationAdjustment(
        application_id=application.id, amount=change, reason=reason[:500], by_id=by.id
    )
    db.session.add(adjustment)
    db.session.flush()
    db.session.expire(application, ["adjustment_total", "adjustments"])
    audit.record(
        by,
        "application.adjust",
        application,
        meet_id=application.meet_id,
        before={"amount_due": before},
        after={"amount_due": before + change, "adjustment": change, "reason": reason},
    )
    return application


# ---------------------------------------------------------------------------------------------
# Reminders


def remind_unpaid(*, days: int = 3, now: datetime | None = None) -> int:
    """Mail every unpaid application whose payment deadline is within `days`; returns the
    number of reminders queued now (a second run for the same deadline queues none)."""
    now = now or utcnow()
    applications = db.session.scalars(
        select(Application)
        .join(Application.meet)
        .where(
            Application.status == ApplicationStatus.AWAITING_PAYMENT,
            Meet.payment_deadline.is_not(None),
            Meet.payment_deadline > now,
            Meet.payment_deadline <= now + timedelta(days=days),
        )
        .order_by(Application.id)
    ).all()
    queued = 0
    for application in applications:
        deadline = application.meet.payment_deadline
        recipient = contact_for(application)
        message = outbox.enqueue(
            recipient.email,
            "payment_reminder",
            subject=f"参加料のお振込期限が近づいています（申込番号 {application.number}）",
            dedupe_key=f"payment.reminder:{application.id}:{deadline.isoformat()}",
            application=application,
            meet=application.meet,
            bank_account=application.meet.bank_account,
            user=recipient,
        )
        if message in db.session.new:
            queued += 1
    if queued:
        audit.record(None, "payment.remind", object_type="applications", after={"queued": queued})
    return queued


# ---------------------------------------------------------------------------------------------
# The review desk: rows and counters


class ReviewState:
    UNDER_REVIEW = "under_review"
    AWAITING = "awaiting_payment"
    REJECTED = "rejected"
    PAID = "paid"
    FORCED = "forced"
    ALL = "all"

    CHOICES = (
        (UNDER_REVIEW, "確認待ち"),
        (AWAITING, "入金待ち"),
        (REJECTED, "差し戻し中"),
        (PAID, "入金済み"),
        (FORCED, "強制承認"),
        (ALL, "すべて"),
    )


@dataclass
class ReviewRow:
    application: Application
    slip: PaymentSlip | None

    @property
    def mismatch(self) -> bool:
        return self.slip is not None and self.slip.amount_mismatch


def _state_filter(query, state: str):
    if state == ReviewState.REJECTED:
        return query.where(
            Application.status == ApplicationStatus.AWAITING_PAYMENT,
            Application.rejection_reason != "",
        )
    if state == ReviewState.FORCED:
        forced = select(PaymentApproval.application_id).where(PaymentApproval.forced.is_(True))
        return query.where(Application.id.in_(forced))
    if state in {ReviewState.UNDER_REVIEW, ReviewState.AWAITING, ReviewState.PAID}:
        return query.where(Application.status == ApplicationStatus(state))
    return query.where(Application.status != ApplicationStatus.DRAFT)


def _latest_slip_ids():
    return (
        select(PaymentSlip.application_id, func.max(PaymentSlip.id).label("slip_id"))
        .group_by(PaymentSlip.application_id)
        .subquery()
    )


def review_rows(
    *,
    meet_id: int | None = None,
    state: str = ReviewState.UNDER_REVIEW,
    team: str = "",
    mismatch_only: bool = False,
    application_ids: list[int] | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[ReviewRow]:
    """The review list in one query: application, owner, latest slip and approval."""
    latest = _latest_slip_ids()
    query = (
        select(Application, PaymentSlip)
        .outerjoin(latest, latest.c.application_id == Application.id)
        .outerjoin(PaymentSlip, PaymentSlip.id == latest.c.slip_id)
        .outerjoin(Organization, Organization.id == Application.organization_id)
        .outerjoin(User, User.id == Application.owner_user_id)
        .options(
            joinedload(Application.organization),
            joinedload(Application.owner_user),
            joinedload(Application.approval).joinedload(PaymentApproval.approved_by),
        )
    )
    if application_ids is not None:
        query = query.where(Application.id.in_(application_ids))
    else:
        query = _state_filter(query, state)
    if meet_id:
        query = query.where(Application.meet_id == meet_id)
    if team.strip():
        pattern = f"%{team.strip()}%"
        query = query.where(
            or_(
                Organization.name.ilike(pattern),
                Organization.name_kana.ilike(pattern),
                User.full_name.ilike(pattern),
                Application.number.ilike(pattern),
            )
        )
    if mismatch_only:
        query = query.where(
            PaymentSlip.declared_amount.is_not(None),
            PaymentSlip.declared_amount != Application.total_amount + Application.adjustment_total,
        )
    query = query.order_by(
        PaymentSlip.uploaded_at.is_(None), PaymentSlip.uploaded_at, Application.id
    )
    rows = db.session.execute(query.limit(limit).offset(offset)).unique().all()
    return [ReviewRow(application, slip) for application, slip in rows]


def row_of(application: Application) -> ReviewRow:
    """The desk row of an application already loaded by `lock_application` (no query)."""
    return ReviewRow(application, max(application.slips, key=lambda s: s.id, default=None))


def review_row(application_id: int) -> ReviewRow:
    rows = review_rows(application_ids=[application_id])
    if not rows:
        raise NotFound()
    return rows[0]


def jst_day_start(now: datetime | None = None) -> datetime:
    local = (now or utcnow()).astimezone(TOKYO)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def counters(meet_id: int | None = None) -> dict[str, int]:
    """To review (all meets unless one is chosen), approved today (JST) and its amount."""
    to_review = select(func.count(Application.id)).where(
        Application.status == ApplicationStatus.UNDER_REVIEW
    )
    today = select(
        func.count(PaymentApproval.id), func.coalesce(func.sum(PaymentApproval.amount), 0)
    )
    today = today.where(PaymentApproval.approved_at >= jst_day_start())
    if meet_id:
        to_review = to_review.where(Application.meet_id == meet_id)
        today = today.join(Application).where(Application.meet_id == meet_id)
    approved, amount = db.session.execute(today).one()
    return {
        "to_review": db.session.scalar(to_review),
        "approved_today": approved,
        "amount_today": amount,
    }


# ---------------------------------------------------------------------------------------------
# Accounting export

EXPORT_HEADER = (
    "申込番号",
    "大会",
    "申込者",
    "状態",
    "エントリー数",
    "参加料単価",
    "申込時合計",
    "調整額",
    "請求金額",
    "申告振込金額",
    "振込名義",
    "振込日",
    "明細アップロード日時",
    "承認者",
    "承認日時",
    "強制承認",
    "強制承認理由",
)


def export_rows(meet_id: int) -> list[list]:
    rows = review_rows(meet_id=meet_id, state=ReviewState.ALL, limit=100_000)
    lines = [list(EXPORT_HEADER)]
    for row in rows:
        application, slip, approval = row.application, row.slip, row.application.approval
        lines.append(
            [
                application.number,
                application.meet.name,
                application.owner_label,
                "差し戻し中" if application.was_rejected else application.status.label,
                application.entry_count,
                application.unit_fee,
                application.total_amount,
                application.adjustment_total,
                application.amount_due,
                slip.declared_amount if slip else None,
                slip.payer_name if slip else "",
                slip.transfer_date.isoformat() if slip and slip.transfer_date else "",
                jst(slip.uploaded_at) if slip else "",
                approval.approved_by.full_name if approval else "",
                jst(approval.approved_at) if approval else "",
                "強制承認" if approval and approval.forced else "",
                approval.reason if approval else "",
            ]
        )
    return lines


def export_payments(meet_id: int, *, by: User) -> list[list]:
    """The rows of the accounting CSV; the download is audited."""
    meet = db.session.get(Meet, meet_id)
    if meet is None:
        raise NotFound()
    rows = export_rows(meet_id)
    audit.record(by, "payment.export", meet, meet_id=meet_id, after={"rows": len(rows) - 1})
    return rows
