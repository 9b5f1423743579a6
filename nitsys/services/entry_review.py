"""Entry review by officials (SPEC §5): verify, reject with a reason, correct a declared time.

Each decision is audited and the coach is told by mail once. A rejection frees the entry's
slot and takes it out of the heat pool (status `rejected`); the application total stays the
snapshot — money changes only by an explicit, audited adjustment on the application.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from nitsys.domain.times import format_time
from nitsys.extensions import db
from nitsys.models import Application, Entry, EntryReview, EntryStatus, User
from nitsys.models.base import utcnow
from nitsys.services import audit, outbox
from nitsys.services.entries import read_time
from nitsys.services.errors import NotFound, RuleViolation

REVIEWABLE = (EntryStatus.SUBMITTED, EntryStatus.CONFIRMED)


def _reviewable(entry_id: int) -> Entry:
    entry = db.session.scalar(
        select(Entry)
        .where(Entry.id == entry_id)
        .options(joinedload(Entry.athlete), joinedload(Entry.race))
        .with_for_update(of=Entry)
    )
    if entry is None:
        raise NotFound()
    if entry.status not in REVIEWABLE:
        raise RuleViolation(
            f"{entry.athlete.full_name}のエントリーは{entry.status.label}のため審査できません。"
        )
    return entry


def _review_of(entry: Entry) -> EntryReview:
    if entry.review is None:
        entry.review = EntryReview()
    return entry.review


def _tell_coach(entry: Entry, kind: str, subject: str, dedupe: str, **context) -> None:
    application: Application = entry.application
    recipient = application.submitted_by or application.created_by
    outbox.enqueue(
        recipient.email,
        "entry_review",
        subject=f"{subject}（{entry.athlete.full_name}・{entry.race.name}）",
        dedupe_key=f"entry.{kind}:{entry.id}:{dedupe}",
        kind=kind,
        entry=entry,
        meet=entry.race.meet,
        user=recipient,
        **context,
    )


def verify_entry(entry_id: int, *, by: User) -> Entry:
    entry = _reviewable(entry_id)
    review = _review_of(entry)
    if review.verified_at is not None:
        raise RuleViolation(f"{entry.athlete.full_name}のエントリーは既に確認済みです。")
    review.verified_at = utcnow()
    review.verified_by_id = by.id
    audit.record(by, "entry.verify", entry, meet_id=entry.race.meet_id)
    return entry


def reject_entry(entry_id: int, *, by: User, reason: str) -> Entry:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("却下の理由を入力してください。", field="reason")
    entry = _reviewable(entry_id)
    review = _review_of(entry)
    before = audit.snapshot(entry, "status")
    review.rejection_reason = reason
    review.rejected_at = utcnow()
    review.rejected_by_id = by.id
    entry.status = EntryStatus.REJECTED
    audit.record(
        by, "entry.reject", entry, meet_id=entry.race.meet_id, before=before,
        after={"status": entry.status.value, "reason": reason},
    )  # fmt: skip
    _tell_coach(entry, "rejected", "エントリーが受理されませんでした", "1", reason=reason)
    return entry


def correct_declared_time(entry_id: int, *, by: User, value) -> Entry:
    entry = _reviewable(entry_id)
    corrected = read_time(value, entry.race)
    if corrected == entry.declared_time:
        raise RuleViolation("申告タイムが変わっていません。", field="declared_time")
    before = entry.declared_time
    entry.declared_time = corrected
    audit.record(
        by, "entry.correct_time", entry, meet_id=entry.race.meet_id,
        before={"declared_time": before}, after={"declared_time": corrected},
    )  # fmt: skip
    _tell_coach(
        entry, "time_corrected", "申告タイムを訂正しました", str(corrected),
        before=format_time(before), after=format_time(corrected),
    )  # fmt: skip
    return entry
