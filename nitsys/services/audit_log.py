"""The audit log on screen: filtered pages read newest first by keyset (`id < the last one
seen`), so page 1 and page 10,000 cost the same at millions of rows; each object's history
(履歴); a CSV of a filtered view, itself logged (it holds personal data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import AuditEvent, User
from nitsys.reports.csv_files import write_csv
from nitsys.services import audit

PAGE_SIZE = 50
HISTORY_SIZE = 30
MAX_EXPORT_ROWS = 100_000
# The object types a 履歴 panel is offered for, with their Japanese names.
OBJECT_TYPES = {
    "applications": "申込",
    "entries": "エントリー",
    "athletes": "選手",
    "heats": "組",
    "payment_slips": "振込明細",
    "meets": "大会",
    "races": "種目",
    "users": "ユーザー",
    "organizations": "団体",
    "system_settings": "システム設定",
}
MAX_ID = 2**31 - 1
# Officials read an object's 履歴 where they can see the object (not people or settings).
OFFICIAL_TYPES = frozenset(OBJECT_TYPES) - {"users", "system_settings"}


def can_read_history(user, object_type: str) -> bool:
    if object_type not in OBJECT_TYPES or not user.is_authenticated:
        return False
    return user.is_staff or (user.is_official and object_type in OFFICIAL_TYPES)


@dataclass(frozen=True)
class Filters:
    actor_id: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: int | None = None
    meet_id: int | None = None
    since: date | None = None  # JST days, inclusive
    until: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Read the page's query string; anything malformed is a RuleViolation (shown, 422)."""
        return cls(
            actor_id=read_int(args.get("actor_id", ""), "操作者"),
            action=(args.get("action") or "").strip()[:60],
            object_type=(args.get("object_type") or "").strip()[:40],
            object_id=read_int(args.get("object_id", ""), "対象ID"),
            meet_id=read_int(args.get("meet_id", ""), "大会"),
            since=_day(args.get("since", ""), "開始日"),
            until=_day(args.get("until", ""), "終了日"),
        )

    def as_args(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items() if v not in (None, "")}

    @property
    def any(self) -> bool:
        return bool(self.as_args())


def read_int(text: str, label: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_ID:
        raise RuleViolation(f"{label}の指定が正しくありません（数字で指定してください）。")
    return int(text)


def _day(text: str, label: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise RuleViolation(f"{label}の日付が正しくありません（例: 2026-05-01）。") from error


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=TOKYO)


def _statement(filters: Filters):
    statement = select(AuditEvent)
    if filters.actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.object_type:
        statement = statement.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        statement = statement.where(AuditEvent.object_id == filters.object_id)
    if filters.meet_id is not None:
        statement = statement.where(AuditEvent.meet_id == filters.meet_id)
    if filters.since is not None:
        since = _start_of(filters.since)
        statement = statement.where(AuditEvent.at >= since)
        older = _last_id_before(since)
        if older is not None:
            statement = statement.where(AuditEvent.id > older)
    if filters.until is not None:
        until = _start_of(filters.until + timedelta(days=1))
        statement = statement.where(AuditEvent.at < until)
        newer = _first_id_after(until)
        if newer is not None:
            statement = statement.where(AuditEvent.id < newer)
    return statement


# Rows are numbered as they are written, so a time range is also a range of ids — which every
# keyset index (…, id) can seek, while `at` alone would be read for the whole range and sorted.
# The id bounds are rows a minute clear of the range (two seeks on `at`): rows written in the
# same instant may be numbered in either order, never a minute apart. `at` keeps it exact.
ID_BOUND_MARGIN = timedelta(minutes=1)


def _last_id_before(since: datetime) -> int | None:
    """An id below every row at or after `since` (None when no row is older)."""
    found = db.session.scalar(
        select(AuditEvent.id)
        .where(AuditEvent.at < since - ID_BOUND_MARGIN)
        .order_by(AuditEvent.at.desc())
        .limit(1)
    )
    return found


def _first_id_after(until: datetime) -> int | None:
    """An id above every row before `until` (None when no row is newer)."""
    found = db.session.scalar(
        select(AuditEvent.id)
        .where(AuditEvent.at >= until + ID_BOUND_MARGIN)
        .order_by(AuditEvent.at)
        .limit(1)
    )
    return found


@dataclass
class Page:
    events: list[AuditEvent]
    # Pass as `before` for the next (older) page; None on the last page.
    next_before: int | None


def page(filters: Filters, *, before: int | None = None, size: int = PAGE_SIZE) -> Page:
    statement = _statement(filters)
    if before is not None:
        statement = statement.where(AuditEvent.id < before)
    events = db.session.scalars(
        statement.options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
        .limit(size + 1)
    ).all()
    more = len(events) > size
    events = list(events[:size])
    return Page(events, events[-1].id if more else None)


def object_history(object_type: str, object_id: int, *, size: int = HISTORY_SIZE):
    """The newest changes of one object (its 履歴 panel)."""
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
        .limit(size)
    ).all()


def changes(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(field, before, after) for every field the event names, in a stable order."""
    before, after = event.before or {}, event.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [("", before, after)]
    keys = list(before) + [k for k in after if k not in before]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


HEADER = ["ID", "日時", "操作者", "操作", "対象", "対象ID", "大会ID", "変更前", "変更後", "IP"]


def export_csv(filters: Filters, *, by: User) -> bytes:
    """The filtered view as CSV (newest first, at most MAX_EXPORT_ROWS), logged as an export."""
    rows = [HEADER]
    statement = (
        _statement(filters)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
        .limit(MAX_EXPORT_ROWS)
    )
    for event in db.session.scalars(statement):
        rows.append(
            [
                event.id,
                event.at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M:%S"),
                event.actor.email if event.actor else "",
                event.action,
                event.object_type,
                event.object_id,
                event.meet_id,
                change_text(event.before),
                change_text(event.after),
                event.ip,
            ]
        )
    audit.record(
        by,
        "audit_log.export",
        object_type="audit_events",
        after={"filters": filters.as_args(), "rows": len(rows) - 1},
    )
    return write_csv(rows)


def change_text(value) -> str:
    """An audit row's before/after as one line of text (exports)."""
    if value in (None, {}, []):
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)
