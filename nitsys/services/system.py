"""The staff system page: health figures, the guide's routines with live state, contacts."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import Meet, OutboxMessage, OutboxStatus, User
from nitsys.models.base import utcnow
from nitsys.observability import recent_problems, release, uptime_seconds
from nitsys.services import audit, backups, cleanup, maintenance, outbox, settings

MIN_FREE_DISK_RATIO = 0.2
CONTACTS_KEY = "contacts"
CONTACT_ROLES = (
    "技術担当（主担当）",
    "技術担当（副担当）",
    "大会運営責任者",
    "Render/インフラ管理者",
)
CONTACT_FIELDS = ("name", "email", "phone")


# --- figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disk:
    total: int
    free: int

    @property
    def free_ratio(self) -> float:
        return self.free / self.total if self.total else 0.0


def disk() -> Disk:
    usage = shutil.disk_usage(backups.backup_dir())
    return Disk(usage.total, usage.free)


def database_size() -> int | None:
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        return db.session.scalar(text("SELECT pg_database_size(current_database())"))
    if url.database and url.database != ":memory:" and Path(url.database).exists():
        return Path(url.database).stat().st_size
    return None


def outbox_counts() -> dict[OutboxStatus, int]:
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = dict.fromkeys(OutboxStatus, 0)
    counts.update(dict(rows))
    return counts


@dataclass
class Status:
    version: str
    uptime: timedelta
    database_kind: str
    database_size: int | None
    disk: Disk
    last_backup: backups.Backup | None
    outbox: dict[OutboxStatus, int]
    problems: list[dict]
    maintenance: maintenance.MaintenanceState


def status() -> Status:
    return Status(
        version=release(),
        uptime=timedelta(seconds=int(uptime_seconds())),
        database_kind=db.engine.url.get_backend_name(),
        database_size=database_size(),
        disk=disk(),
        last_backup=backups.latest(),
        outbox=outbox_counts(),
        problems=recent_problems(),
        maintenance=maintenance.current(),
    )


# --- routines (週次 / 大会前 / 大会後) ------------------------------------------------------


@dataclass
class Item:
    key: str
    label: str
    done: bool | None  # None: nothing to judge (no meet)
    detail: str = ""
    manual: bool = False


@dataclass
class Routine:
    key: str
    title: str
    since: datetime | None
    subject: str = ""
    items: list[Item] = field(default_factory=list)


def _tick_key(routine: str, item: str) -> str:
    return f"routine.{routine}.{item}"


def tick(routine: str, item: str, *, by: User) -> None:
    """Staff mark a manual routine item as done now."""
    if (routine, item) not in MANUAL_ITEMS:
        raise RuleViolation("この項目は手動で記録できません。")
    value = {"at": utcnow().isoformat(), "by": by.full_name}
    settings.write(_tick_key(routine, item), value)
    audit.record(by, "routine.tick", object_type="system", after={"routine": routine, "item": item})


def _manual(routine: str, key: str, label: str, since: datetime | None) -> Item:
    ticked = settings.read(_tick_key(routine, key))
    at = datetime.fromisoformat(ticked["at"]) if ticked else None
    done = None if since is None else bool(at and at >= since)
    detail = f"{at.astimezone(TOKYO):%m/%d %H:%M} {ticked['by']}" if at else "未記録"
    return Item(key, label, done, detail, manual=True)


def _midnight(day) -> datetime:
    return datetime.combine(day, time(), tzinfo=TOKYO)


def _backup_within(hours: int) -> Item:
    latest = backups.latest()
    done = latest is not None and latest.age() <= timedelta(hours=hours)
    detail = (
        f"最新 {latest.age().total_seconds() / 3600:.1f}時間前" if latest else "バックアップなし"
    )
    return Item("backup", f"大会前{hours}時間以内のバックアップ", done, detail)


def weekly() -> Routine:
    since = utcnow() - timedelta(days=7)
    free = disk()
    verified = [b for b in backups.list_backups() if b.verified_at and b.verified_at >= since]
    problems = len(recent_problems())
    return Routine(
        "weekly",
        "週次",
        since,
        "直近7日間",
        [
            _manual(
                "weekly",
                "logs",
                f"ログ確認（この画面の警告・エラー {problems} 件と Sentry）",
                since,
            ),
            Item(
                "disk",
                "ディスク使用量確認（空き20%以上）",
                free.free_ratio >= MIN_FREE_DISK_RATIO,
                f"空き {free.free_ratio:.0%}",
            ),
            Item(
                "backup",
                "バックアップ確認（7日以内に検証済み）",
                bool(verified),
                verified[0].name if verified else "`flask backup verify` を実行",
            ),
        ],
    )


def pre_meet() -> Routine:
    today = utcnow().astimezone(TOKYO).date()
    meet = db.session.scalar(
        select(Meet).where(Meet.first_day >= today).order_by(Meet.first_day).limit(1)
    )
    since = _midnight(meet.first_day) - timedelta(days=14) if meet else None
    failed = outbox_counts()[OutboxStatus.FAILED]
    return Routine(
        "pre_meet",
        "大会前",
        since,
        meet.name if meet else "予定されている大会はありません",
        [
            _manual("pre_meet", "loadtest", "負荷テスト実施（make loadtest）", since),
            _manual("pre_meet", "smoke", "全機能の動作確認", since),
            _backup_within(24) if meet else Item("backup", "大会前24時間以内のバックアップ", None),
            Item("mail", "送信失敗メールなし", failed == 0, f"送信失敗 {failed} 件"),
        ],
    )


def post_meet() -> Routine:
    today = utcnow().astimezone(TOKYO).date()
    meet = db.session.scalar(
        select(Meet).where(Meet.last_day < today).order_by(Meet.last_day.desc()).limit(1)
    )
    since = _midnight(meet.last_day + timedelta(days=1)) if meet else None
    last = cleanup.last_run()
    cleaned_at = datetime.fromisoformat(last["at"]) if last else None
    return Routine(
        "post_meet",
        "大会後",
        since,
        meet.name if meet else "終了した大会はありません",
        [
            _manual("post_meet", "export", "データエクスポート（記録保存用）", since),
            Item(
                "cleanup",
                "不要データのクリーンアップ（flask cleanup）",
                None if since is None else bool(cleaned_at and cleaned_at >= since),
                f"前回 {cleaned_at.astimezone(TOKYO):%m/%d %H:%M}" if cleaned_at else "未実施",
            ),
            _manual("post_meet", "review", "パフォーマンスレビュー", since),
        ],
    )


ROUTINES: tuple[Callable[[], Routine], ...] = (weekly, pre_meet, post_meet)
MANUAL_ITEMS = {
    ("weekly", "logs"),
    ("pre_meet", "loadtest"),
    ("pre_meet", "smoke"),
    ("post_meet", "export"),
    ("post_meet", "review"),
}


def routines() -> list[Routine]:
    return [build() for build in ROUTINES]


# --- contacts (障害発生時の連絡先) -----------------------------------------------------------


def contacts() -> list[dict]:
    stored = {row["role"]: row for row in settings.read(CONTACTS_KEY, [])}
    return [
        {"role": role, **{f: stored.get(role, {}).get(f, "") for f in CONTACT_FIELDS}}
        for role in CONTACT_ROLES
    ]


def save_contacts(rows: list[dict], *, by: User) -> None:
    before = contacts()
    cleaned = [
        {"role": role, **{f: str(row.get(f, "")).strip()[:120] for f in CONTACT_FIELDS}}
        for role, row in zip(CONTACT_ROLES, rows, strict=True)
    ]
    settings.write(CONTACTS_KEY, cleaned)
    audit.record(
        by,
        "system.contacts",
        object_type="system",
        before={"rows": before},
        after={"rows": cleaned},
    )


# --- outbox (staff retry) -----------------------------------------------------------------


def retry_mail(message_id: int, *, by: User) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound()
    if message.status is OutboxStatus.SENT:
        raise RuleViolation("送信済みのメールは再送できません。")
    before = audit.snapshot(message, "status", "attempts", "last_error")
    outbox.retry(message)
    audit.record(
        by, "outbox.retry", message, before=before, after=audit.snapshot(message, "status")
    )
    return message
