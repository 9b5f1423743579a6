"""Entry review by officials (SPEC §5): verify, reject with a reason, correct a declared time,
and a late entry on behalf of a team after the window.

Each decision is audited and the coach is told by mail once. A rejection frees the entry's
slot and takes it out of the heat pool (status `rejected`); the application total stays the
snapshot — money changes only by an explicit, audited adjustment on the application.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.times import format_time
from nitsys.extensions import db
from nitsys.models import (
    Application,
    ApplicationStatus,
    Athlete,
    Entry,
    EntryReview,
    EntryStatus,
    Heat,
    HeatSlot,
    Organization,
    User,
)
from nitsys.models.base import utcnow
from nitsys.services import audit, entries, outbox, payments
from nitsys.services.entries import contact_for, read_time

REVIEWABLE = (EntryStatus.SUBMITTED, EntryStatus.CONFIRMED)


def _reviewable(entry_id: int, *, changes_heats: bool = False) -> Entry:
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
    if changes_heats:
        _refuse_if_heat_locked(entry)
    return entry


def _refuse_if_heat_locked(entry: Entry) -> None:
    """Rejecting or correcting changes who runs where: only before the entry's heat is locked."""
    heat_number = db.session.scalar(
        select(Heat.number)
        .join(HeatSlot, HeatSlot.heat_id == Heat.id)
        .where(HeatSlot.entry_id == entry.id, Heat.locked.is_(True))
    )
    if heat_number is not None:
        raise RuleViolation(
            f"{entry.athlete.full_name}は{entry.race.name}の確定済みの組（{heat_number}組）に"
            "入っているため、却下・タイム訂正はできません。管理者が組の確定を解除してから"
            "行ってください。"
        )


def _review_of(entry: Entry) -> EntryReview:
    if entry.review is None:
        entry.review = EntryReview()
    return entry.review


def _tell_coach(entry: Entry, kind: str, subject: str, dedupe: str, **context) -> None:
    application: Application = entry.application
    recipient = contact_for(application)
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
    entry = _reviewable(entry_id, changes_heats=True)
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


def adjust_fee(entry_id: int, *, by: User, amount: str, reason: str) -> Entry:
    """The explicit second step after a rejection: change what the entry's application owes."""
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound()
    payments.adjust_amount(entry.application_id, by=by, amount=amount, reason=reason)
    return entry


def correct_declared_time(entry_id: int, *, by: User, value) -> Entry:
    entry = _reviewable(entry_id, changes_heats=True)
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
        before=format_time(before, hours=entry.race.meet.hours_in_times),
        after=format_time(corrected, hours=entry.race.meet.hours_in_times),
    )  # fmt: skip
    return entry


# ---------------------------------------------------------------------------------------------
# Late entry on behalf of a team (代理エントリー)


def parse_owner(value: str) -> dict:
    """A team choice from the form: "o<organization id>" or "u<individual user id>"."""
    kind, number = (value or "")[:1], (value or "")[1:]
    if kind in {"o", "u"} and number.isdigit():
        if kind == "o" and db.session.get(Organization, int(number)) is not None:
            return {"organization_id": int(number), "owner_user_id": None}
        person = db.session.get(User, int(number)) if kind == "u" else None
        if person is not None and person.is_individual:
            return {"organization_id": None, "owner_user_id": int(number)}
    raise RuleViolation("エントリーするチーム（団体または個人）を選んでください。", field="owner")


def owner_choices() -> list[tuple[str, str]]:
    """Every active team and every individual with a roster, as (form value, label)."""
    teams = db.session.scalars(
        select(Organization)
        .where(Organization.is_active.is_(True))
        .order_by(Organization.name_kana)
    )
    people = db.session.scalars(
        select(User)
        .where(User.id.in_(select(Athlete.owner_user_id)), User.is_active.is_(True))
        .order_by(User.full_name_kana)
    )
    return [(f"o{team.id}", team.name) for team in teams] + [
        (f"u{person.id}", f"{person.full_name}（個人）") for person in people
    ]


def roster(owner: dict) -> list[Athlete]:
    return db.session.scalars(
        select(Athlete)
        .where(
            Athlete.is_active.is_(True),
            Athlete.organization_id == owner["organization_id"]
            if owner["organization_id"]
            else Athlete.owner_user_id == owner["owner_user_id"],
        )
        .order_by(Athlete.last_name_kana, Athlete.first_name_kana)
    ).all()


def late_entry(
    *, by: User, meet_id: int, owner: str, athlete_id, race_id, declared_time
) -> Application:
    """An official enters an athlete of the chosen team after the window and submits it as
    that team's application: the same rules as every channel, the window override audited,
    the team mailed the amount and bank details."""
    if not by.is_official:
        raise NotFound()
    ownership = parse_owner(owner)
    _refuse_pending_draft(meet_id, ownership)
    entry = entries.add_entry(
        by,
        meet_id=meet_id,
        athlete_id=athlete_id,
        race_id=race_id,
        declared_time=declared_time,
        override_window=True,
        owner=ownership,
    )
    return entries.submit_application(entry.application_id, by=by, override_window=True)


def _refuse_pending_draft(meet_id: int, ownership: dict) -> None:
    """The late entry is submitted at once, so it must not carry the team's own unsent draft."""
    draft = db.session.scalar(
        select(Application).where(
            Application.meet_id == meet_id,
            Application.status == ApplicationStatus.DRAFT,
            Application.organization_id == ownership["organization_id"],
            Application.owner_user_id == ownership["owner_user_id"],
        )
    )
    if draft is not None and draft.entries:
        raise RuleViolation(
            f"{draft.owner_label}には未提出の下書き（申込 {draft.number}、{len(draft.entries)}件）"
            "があります。代理エントリーに混ざらないよう、先に下書きを提出するか削除してください。"
        )
