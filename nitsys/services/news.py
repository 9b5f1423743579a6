"""News (お知らせ): staff write, schedule and publish notices; optional mail broadcast (SPEC §9).

Visibility has one definition, `visible_clause(when)`: published at or before `when` and not
expired. Every list, banner, feed and page reads notices through `visible_notices` /
`visible_notice`, so a scheduled notice shows nowhere before its time.

A broadcast queues one mail per (notice, recipient) with the dedupe key
`notice:<id>:<hash of the address>`; the notice row is locked first, so a second click, a
re-save or two staff publishing at once queue each mail exactly once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.markdown import plain_summary
from nitsys.extensions import db
from nitsys.models import (
    Application,
    ApplicationStatus,
    BroadcastScope,
    Meet,
    MeetGuideline,
    Notice,
    NoticeCategory,
    Organization,
    OutboxMessage,
    OutboxStatus,
    Role,
    User,
)
from nitsys.models.base import utcnow
from nitsys.models.news import MAX_GUIDELINE_BYTES
from nitsys.services import audit, outbox
from nitsys.services.accounts import _external_url

MAX_TITLE = 200
MAX_BODY = 20_000
BANNER_CATEGORIES = (NoticeCategory.IMPORTANT, NoticeCategory.URGENT)


# --- reading ---------------------------------------------------------------------------------


def visible_clause(when: datetime):
    """The one definition of "visible at `when`"."""
    return and_(
        Notice.publish_at.is_not(None),
        Notice.publish_at <= when,
        or_(Notice.expires_at.is_(None), Notice.expires_at > when),
    )


def visible_notices(
    when: datetime,
    *,
    meet_id: int | None = None,
    banners_only: bool = False,
    general_banners: bool = False,
    category: NoticeCategory | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Notice]:
    """Visible notices (their meet loaded in the same query), pinned first, newest first.

    `meet_id`: only that meet's notices; with `general_banners` also the banners that belong
    to no meet (a meet page in one query). `banners_only`: 重要 and 緊急 only.
    """
    query = select(Notice).options(joinedload(Notice.meet)).where(visible_clause(when))
    if banners_only:
        query = query.where(Notice.category.in_(BANNER_CATEGORIES))
    if category is not None:
        query = query.where(Notice.category == category)
    if meet_id is not None and general_banners:
        query = query.where(
            or_(
                Notice.meet_id == meet_id,
                and_(Notice.meet_id.is_(None), Notice.category.in_(BANNER_CATEGORIES)),
            )
        )
    elif meet_id is not None:
        query = query.where(Notice.meet_id == meet_id)
    query = query.order_by(Notice.pinned.desc(), Notice.publish_at.desc(), Notice.id.desc())
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(db.session.scalars(query))


def front_page_notices(when: datetime, *, limit: int, banners: int) -> tuple[list, list]:
    """The newest `limit` visible notices and up to `banners` visible banners, in one query."""
    order = (Notice.pinned.desc(), Notice.publish_at.desc(), Notice.id.desc())
    newest = select(Notice.id).where(visible_clause(when)).order_by(*order).limit(limit)
    rows = list(
        db.session.scalars(
            select(Notice)
            .options(joinedload(Notice.meet))
            .where(
                visible_clause(when),
                or_(Notice.id.in_(newest), Notice.category.in_(BANNER_CATEGORIES)),
            )
            .order_by(*order)
        )
    )
    # `rows` holds the newest ones plus older banners, in the same order: the newest come first.
    return rows[:limit], [n for n in rows if n.category.is_banner][:banners]


def visible_notice(notice_id: int, when: datetime) -> Notice:
    notice = db.session.scalar(
        select(Notice)
        .options(joinedload(Notice.meet), joinedload(Notice.corrects))
        .where(Notice.id == notice_id, visible_clause(when))
    )
    if notice is None:
        raise NotFound("お知らせが見つかりません。")
    return notice


def staff_list() -> list[Notice]:
    return list(
        db.session.scalars(
            select(Notice)
            .options(joinedload(Notice.meet))
            .order_by(
                Notice.publish_at.is_(None).desc(), Notice.publish_at.desc(), Notice.id.desc()
            )
        )
    )


def status_of(notice: Notice, when: datetime) -> str:
    if notice.publish_at is None:
        return "下書き"
    if notice.publish_at > when:
        return "予約"
    if notice.expires_at is not None and notice.expires_at <= when:
        return "掲載終了"
    return "公開中"


def summary(notice: Notice, length: int = 120) -> str:
    return plain_summary(notice.body, length)


# --- writing ---------------------------------------------------------------------------------


@dataclass
class NoticeData:
    title: str
    body: str = ""
    category: NoticeCategory = NoticeCategory.NORMAL
    meet_id: int | None = None
    publish_at: datetime | None = None
    expires_at: datetime | None = None
    pinned: bool = False
    corrects_id: int | None = None
    broadcast_scope: BroadcastScope = BroadcastScope.NONE


def _snapshot(notice: Notice) -> dict:
    return {
        "title": notice.title,
        "body": notice.body,
        "category": notice.category.value if notice.category else None,
        "meet_id": notice.meet_id,
        "publish_at": notice.publish_at.isoformat() if notice.publish_at else None,
        "expires_at": notice.expires_at.isoformat() if notice.expires_at else None,
        "pinned": notice.pinned,
        "corrects_id": notice.corrects_id,
        "broadcast_scope": notice.broadcast_scope.value if notice.broadcast_scope else None,
    }


def validate(data: NoticeData, notice: Notice | None = None) -> NoticeData:
    data.title = (data.title or "").replace("\x00", "").strip()
    data.body = (data.body or "").replace("\x00", "").replace("\r\n", "\n")
    if not data.title:
        raise RuleViolation("タイトルを入力してください。", field="title")
    if len(data.title) > MAX_TITLE:
        raise RuleViolation(f"タイトルは{MAX_TITLE}文字以内にしてください。", field="title")
    if len(data.body) > MAX_BODY:
        raise RuleViolation(f"本文は{MAX_BODY:,}文字以内にしてください。", field="body")
    if data.meet_id is not None and db.session.get(Meet, data.meet_id) is None:
        raise RuleViolation("指定された大会が見つかりません。", field="meet_id")
    if data.expires_at and data.publish_at and data.expires_at <= data.publish_at:
        raise RuleViolation("掲載終了は公開日時より後にしてください。", field="expires_at")
    if data.corrects_id is not None:
        if data.category is not NoticeCategory.CORRECTION:
            raise RuleViolation(
                "訂正元のお知らせは区分「訂正」のときだけ指定できます。", field="corrects_id"
            )
        if notice is not None and data.corrects_id == notice.id:
            raise RuleViolation("自分自身を訂正元にはできません。", field="corrects_id")
        if db.session.get(Notice, data.corrects_id) is None:
            raise RuleViolation("訂正元のお知らせが見つかりません。", field="corrects_id")
    if data.broadcast_scope is BroadcastScope.MEET and data.meet_id is None:
        raise RuleViolation(
            "大会のエントリーチームへ送るには大会を選んでください。", field="broadcast_scope"
        )
    return data


def _locked(notice: Notice) -> Notice:
    """The notice re-read under a row lock (PostgreSQL; SQLite serialises writers anyway), so
    two staff acting on it at once take turns and the second sees the first one's work."""
    return db.session.scalars(
        select(Notice)
        .where(Notice.id == notice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def save_notice(data: NoticeData, *, by: User, notice: Notice | None = None) -> Notice:
    """Create or edit a notice (the audit trail keeps each version); publishes mail if due."""
    if notice is not None:
        notice = _locked(notice)
    data = validate(data, notice)
    if notice is None:
        notice = Notice(created_by_id=by.id)
        db.session.add(notice)
        before = None
        action = "notice.create"
    else:
        before = _snapshot(notice)
        action = "notice.update"
    for name in NoticeData.__dataclass_fields__:
        setattr(notice, name, getattr(data, name))
    notice.updated_by_id = by.id
    db.session.flush()
    audit.record(by, action, notice, before=before, after=_snapshot(notice), meet_id=notice.meet_id)
    if notice.publish_at is not None:
        broadcast(notice, by=by)
    return notice


def publish_now(notice: Notice, *, by: User) -> Notice:
    """Publish a draft (or a scheduled notice) at once; sends its mail if one is chosen."""
    notice = _locked(notice)
    now = utcnow()
    before = _snapshot(notice)
    if notice.publish_at is None or notice.publish_at > now:
        notice.publish_at = now
        if notice.expires_at is not None and notice.expires_at <= now:
            raise RuleViolation("掲載終了日時が過ぎています。掲載終了を変更してください。")
        notice.updated_by_id = by.id
        audit.record(
            by, "notice.publish", notice, before=before, after=_snapshot(notice),
            meet_id=notice.meet_id,
        )  # fmt: skip
    broadcast(notice, by=by)
    return notice


def withdraw(notice: Notice, *, by: User) -> Notice:
    """Back to draft: it disappears from every public list at once (mail already queued stays)."""
    notice = _locked(notice)
    if notice.publish_at is not None:
        before = _snapshot(notice)
        notice.publish_at = None
        notice.updated_by_id = by.id
        audit.record(
            by, "notice.withdraw", notice, before=before, after=_snapshot(notice),
            meet_id=notice.meet_id,
        )  # fmt: skip
    return notice


# --- broadcast -------------------------------------------------------------------------------


def recipients(notice: Notice) -> list[tuple[str, str]]:
    """(address, name) pairs, each address once, in a stable order."""
    found: dict[str, str] = {}
    if notice.broadcast_scope is BroadcastScope.MEET and notice.meet_id is not None:
        from nitsys.services.entries import contact_for

        applications = db.session.scalars(
            select(Application)
            .where(
                Application.meet_id == notice.meet_id,
                Application.status != ApplicationStatus.DRAFT,
            )
            .order_by(Application.id)
        )
        for application in applications:
            contact = contact_for(application)
            found.setdefault(contact.email.lower(), contact.full_name)
    elif notice.broadcast_scope is BroadcastScope.ALL:
        teams = db.session.execute(
            select(Organization.representative_email, Organization.representative_name)
            .where(Organization.is_active)
            .order_by(Organization.id)
        )
        for email, name in teams:
            found.setdefault(email.lower(), name)
        people = db.session.execute(
            select(User.email, User.full_name)
            .where(User.is_active, User.role == Role.PARTICIPANT)
            .order_by(User.id)
        )
        for email, name in people:
            found.setdefault(email.lower(), name)
    return sorted(found.items())


def dedupe_key(notice_id: int, address: str) -> str:
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
    return f"notice:{notice_id}:{digest}"


def _notice_link(notice: Notice) -> str:
    """The notice's public address for the mail ("" from a CLI without PUBLIC_BASE_URL)."""
    if has_request_context() or current_app.config.get("PUBLIC_BASE_URL"):
        return _external_url("public.notice_detail", notice_id=notice.id)
    return ""


def broadcast(notice: Notice, *, by: User) -> int:
    """Queue the notice's mail once per recipient; returns how many were newly queued.

    Mail of a scheduled notice waits in the outbox until its publish time.
    """
    if notice.broadcast_scope is BroadcastScope.NONE or notice.publish_at is None:
        return 0
    # Serialise concurrent publishers of the same notice; the second sees the first one's mail.
    db.session.execute(select(Notice.id).where(Notice.id == notice.id).with_for_update())
    prefix = f"notice:{notice.id}:"
    already = set(
        db.session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.startswith(prefix))
        )
    )
    queued = 0
    link = _notice_link(notice)
    for address, name in recipients(notice):
        key = dedupe_key(notice.id, address)
        if key in already:
            continue
        message = outbox.enqueue(
            address,
            "notice",
            subject=f"【{notice.category.label}】{notice.title}"[:180],
            dedupe_key=key,
            check_duplicate=False,
            notice=notice,
            name=name,
            link=link,
        )
        message.next_attempt_at = max(notice.publish_at, utcnow())
        already.add(key)
        queued += 1
    if queued:
        notice.broadcast_at = utcnow()
        audit.record(
            by, "notice.broadcast", notice, after={"queued": queued, "scope": notice.broadcast_scope.value},
            meet_id=notice.meet_id,
        )  # fmt: skip
    return queued


def delivery_counts(notice_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per notice: mail pending / sent / failed (one query for the staff list)."""
    if not notice_ids:
        return {}
    rows = db.session.execute(
        select(OutboxMessage.dedupe_key, OutboxMessage.status).where(
            or_(*(OutboxMessage.dedupe_key.startswith(f"notice:{i}:") for i in notice_ids))
        )
    )
    wanted = set(notice_ids)
    counts: dict[int, dict[str, int]] = {}
    for key, status in rows:
        try:
            nid = int(key.split(":")[1])
        except (IndexError, ValueError):
            continue
        if nid not in wanted:
            continue
        bucket = counts.setdefault(nid, {"pending": 0, "sent": 0, "failed": 0})
        name = {OutboxStatus.PENDING: "pending", OutboxStatus.SENT: "sent"}.get(status, "failed")
        bucket[name] += 1
    return counts


# --- the meet's guideline PDF (要項) -----------------------------------------------------------


def upload_guideline(meet: Meet, content: bytes, filename: str, *, by: User) -> MeetGuideline:
    if not content:
        raise RuleViolation("ファイルが空です。PDF ファイルを選んでください。", field="file")
    if len(content) > MAX_GUIDELINE_BYTES:
        raise RuleViolation(
            f"ファイルが大きすぎます（上限 {MAX_GUIDELINE_BYTES // (1024 * 1024)} MB）。",
            field="file",
        )
    if not content.startswith(b"%PDF-"):
        raise RuleViolation(
            "PDF ファイルではありません。要項は PDF で登録してください。", field="file"
        )
    filename = (filename or "").replace("\x00", "").strip()[-200:] or "youkou.pdf"
    guideline = db.session.scalar(
        select(MeetGuideline).where(MeetGuideline.meet_id == meet.id).with_for_update()
    )
    if guideline is None:
        guideline = MeetGuideline(meet_id=meet.id)
        db.session.add(guideline)
    guideline.content = content
    guideline.size = len(content)
    guideline.sha256 = hashlib.sha256(content).hexdigest()
    guideline.original_filename = filename
    guideline.uploaded_by_id = by.id
    guideline.uploaded_at = utcnow()
    db.session.flush()
    audit.record(
        by, "meet.guideline_upload", guideline,
        after={"filename": filename, "size": len(content), "sha256": guideline.sha256},
        meet_id=meet.id,
    )  # fmt: skip
    return guideline


def remove_guideline(meet: Meet, *, by: User) -> None:
    guideline = db.session.scalar(select(MeetGuideline).where(MeetGuideline.meet_id == meet.id))
    if guideline is not None:
        audit.record(by, "meet.guideline_remove", guideline, meet_id=meet.id)
        db.session.delete(guideline)


def guideline_info(meet_id: int) -> MeetGuideline | None:
    return db.session.scalar(select(MeetGuideline).where(MeetGuideline.meet_id == meet_id))
