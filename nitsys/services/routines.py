"""The operations guide's routines, run by the scheduler (nitsys/tasks.py) or by hand.

Each function does one routine completely and commits, so the worker, the CLI and the tests
call the same thing: the daily backup with retention and a verification of the newest, the
payment reminders before each meet's deadline, the weekly checklist mail to staff, and the
post-meet cleanup report (a dry run: nothing is deleted without a person).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import OutboxStatus, Role, User
from nitsys.models.base import utcnow
from nitsys.observability import recent_problems
from nitsys.services import audit, backups, cleanup, outbox, payments, system

log = logging.getLogger(__name__)


def staff_addresses() -> list[str]:
    return list(
        db.session.scalars(
            select(User.email).where(User.role == Role.STAFF, User.is_active).order_by(User.id)
        ).all()
    )


def daily_backup() -> backups.Verification:
    """Back up (retention applied), verify the new file; a failed check is logged as an error
    (the system page and Sentry show it) and raised so the queue retries."""
    backup = backups.create(label="daily")
    result = backups.verify(backup)
    audit.record(
        None,
        "backup.scheduled",
        object_type="backup",
        after={"file": backup.name, "rows": backup.total_rows, "verified": result.ok},
    )
    db.session.commit()
    if not result.ok:
        log.error("scheduled backup %s failed verification: %s", backup.name, result.problems)
        raise RuntimeError(f"backup {backup.name} failed verification")
    return result


def payment_reminders() -> int:
    """Reminders N days (`PAYMENT_REMINDER_DAYS`) before each deadline, once per application."""
    queued = payments.remind_unpaid(days=current_app.config["PAYMENT_REMINDER_DAYS"])
    db.session.commit()
    return queued


@dataclass(frozen=True)
class Checklist:
    lines: list[str]
    attention: int  # items not done


def checklist() -> Checklist:
    """The weekly routine's state in plain lines (backup age, disk, mail failures, errors)."""
    status = system.status()
    routine = system.weekly()
    lines = []
    for item in routine.items:
        mark = "✓" if item.done else ("―" if item.done is None else "✗")
        lines.append(f"{mark} {item.label}: {item.detail}")
    latest = status.last_backup
    lines.append(
        f"最新のバックアップ: {latest.name}（{latest.age().total_seconds() / 3600:.1f}時間前）"
        if latest
        else "最新のバックアップ: なし"
    )
    failed = status.outbox[OutboxStatus.FAILED]
    lines.append(f"送信失敗メール: {failed} 件")
    lines.append(f"直近の警告・エラー: {len(recent_problems())} 件")
    attention = sum(1 for item in routine.items if item.done is False) + (1 if failed else 0)
    return Checklist(lines, attention)


def weekly_checklist() -> int:
    """Mail the checklist to every active staff member, once per ISO week."""
    now = utcnow().astimezone(TOKYO)
    year, week, _ = now.isocalendar()
    state = checklist()
    return _mail_staff(
        "weekly_checklist",
        f"週次点検（{year}年第{week}週）要確認 {state.attention} 件",
        f"checklist.weekly:{year}-{week}",
        lines=state.lines,
        attention=state.attention,
    )


def cleanup_report() -> int:
    """After a meet, tell staff once what `flask cleanup` would delete (nothing is deleted)."""
    routine = system.post_meet()
    if routine.since is None:
        return 0
    done = next(item for item in routine.items if item.key == "cleanup").done
    planned = [(target.label, count) for target, count in cleanup.plan() if count]
    if done or not planned:
        return 0
    return _mail_staff(
        "cleanup_report",
        f"大会後のクリーンアップ対象（{routine.subject}）",
        f"cleanup.report:{routine.since.date().isoformat()}",
        meet_name=routine.subject,
        planned=planned,
    )


def _mail_staff(template: str, subject: str, key: str, **context) -> int:
    """Queue one mail per active staff member, once per `key`; commits; returns how many."""
    queued = 0
    for address in staff_addresses():
        message = outbox.enqueue(
            address,
            template,
            subject=subject,
            dedupe_key=f"{key}:{address}"[:120],
            **context,
        )
        queued += message in db.session.new
    db.session.commit()
    return queued
