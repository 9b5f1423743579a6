"""The task queue and the scheduled routines of the operations guide (tasks run in-process:
TASK_QUEUE=immediate in the tests; the two-instance test runs them on a real worker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from nitsys import tasks
from nitsys.extensions import db
from nitsys.models import AuditEvent, OutboxMessage, OutboxStatus
from nitsys.models.base import utcnow
from nitsys.services import backups, routines
from tests import factories, ops_fixtures

cli = ops_fixtures.cli
forget_maintenance = ops_fixtures.forget_maintenance


@pytest.fixture(autouse=True)
def backup_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "backups"))


def mails(template_word: str) -> list[OutboxMessage]:
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains(template_word))
    ).all()


def test_the_daily_backup_task_backs_up_and_verifies_the_newest(app):
    factories.make_athlete()

    tasks.daily_backup.call_local()

    [backup] = backups.list_backups()
    assert backup.label == "daily" and backup.verified_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "backup.scheduled"))
    assert event.after["verified"] is True


def test_a_backup_that_fails_verification_is_an_error_for_the_queue_to_retry(app, monkeypatch):
    factories.make_athlete()
    monkeypatch.setattr(backups, "_sha256", lambda path: "different every time" + str(path))
    with pytest.raises(RuntimeError):
        routines.daily_backup()


def test_retention_is_configured_from_the_environment(app, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_KEEP_DAILY", 2)
    monkeypatch.setitem(app.config, "BACKUP_KEEP_WEEKLY", 1)
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    history = [
        backups.Backup(f"nitsys-{n}.sqlite3", now - timedelta(days=n), "sqlite", {}, "")
        for n in range(1, 30)
    ]
    assert backups.to_keep(history, now) == {"nitsys-1.sqlite3", "nitsys-2.sqlite3"}


def test_payment_reminders_go_once_per_application(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAYMENT_REMINDER_DAYS", 5)
    coach = factories.make_user()
    application = factories.make_submitted_entries(coach, factories.make_race(), count=1)
    application.meet.payment_deadline = utcnow() + timedelta(days=4)
    db.session.commit()

    tasks.payment_reminders.call_local()
    tasks.payment_reminders.call_local()  # the next day's run

    [reminder] = mails("振込期限が近づいています")
    assert reminder.to_address == coach.email


def test_the_weekly_checklist_reaches_every_staff_member_once_a_week(app):
    first = factories.make_user("staff")
    second = factories.make_user("staff")
    factories.make_user("staff", is_active=False)
    factories.make_user("official")

    tasks.weekly_checklist.call_local()
    tasks.weekly_checklist.call_local()

    sent = mails("週次点検")
    assert sorted(m.to_address for m in sent) == sorted([first.email, second.email])
    body = sent[0].body_text
    assert "最新のバックアップ: なし" in body and "送信失敗メール: 0 件" in body
    assert "ディスク使用量確認" in body


def test_the_cleanup_report_after_a_meet_lists_what_would_go_and_deletes_nothing(app):
    staff = factories.make_user("staff")
    ended = (utcnow() - timedelta(days=3)).date()
    factories.make_meet(first_day=ended, last_day=ended)
    old = OutboxMessage(
        to_address="a@example.jp",
        subject="古い",
        body_text="x",
        status=OutboxStatus.SENT,
        sent_at=utcnow() - timedelta(days=200),
    )
    db.session.add(old)
    db.session.commit()

    tasks.cleanup_report.call_local()
    tasks.cleanup_report.call_local()

    [report] = mails("クリーンアップ対象")
    assert report.to_address == staff.email
    assert "送信済みメール（90日より前）: 1 件" in report.body_text
    assert db.session.get(OutboxMessage, old.id) is not None


def test_no_cleanup_report_when_nothing_is_to_be_deleted(app):
    factories.make_user("staff")
    ended = (utcnow() - timedelta(days=3)).date()
    factories.make_meet(first_day=ended, last_day=ended)
    tasks.cleanup_report.call_local()
    assert mails("クリーンアップ対象") == []


def test_committed_mail_wakes_a_worker(app, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.huey, "_immediate", False)  # as in production: only enqueue
    monkeypatch.setattr(tasks, "deliver_outbox", lambda: queued.append("deliver"))

    factories.make_user()  # a commit without mail
    assert queued == []
    from nitsys.services import outbox

    outbox.enqueue("a@example.jp", "mail_test", subject="テスト")
    db.session.commit()
    assert queued == ["deliver"]
    outbox.enqueue("b@example.jp", "mail_test", subject="テスト")
    db.session.rollback()
    db.session.commit()
    assert queued == ["deliver"]  # rolled back: nothing to deliver


def test_the_outbox_task_delivers_each_message_once(app):
    from nitsys.services import outbox

    outbox.enqueue("a@example.jp", "mail_test", subject="テスト")
    db.session.commit()
    tasks.deliver_outbox.call_local()
    tasks.deliver_outbox_periodically.call_local()
    message = db.session.scalar(select(OutboxMessage))
    assert message.status is OutboxStatus.SENT and message.attempts == 1


def test_schedules_come_from_the_environment(monkeypatch):
    monday_9_jst = datetime(2026, 12, 7, 0, 0)
    assert tasks.schedule("WEEKLY_CHECKLIST")(monday_9_jst)
    assert not tasks.schedule("WEEKLY_CHECKLIST")(monday_9_jst + timedelta(days=1))
    monkeypatch.setenv("SCHEDULE_WEEKLY_CHECKLIST", "off")
    assert not tasks.schedule("WEEKLY_CHECKLIST")(monday_9_jst)
    monkeypatch.setenv("SCHEDULE_BACKUP", "15 3 * * *")
    assert tasks.schedule("BACKUP")(datetime(2026, 12, 7, 3, 15))


def test_flask_tasks_lists_the_schedules(app, cli):
    output = cli("tasks", "list").output
    assert "SCHEDULE_BACKUP" in output and "0 18 * * *" in output
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_routine_can_be_queued_by_hand(app, cli):
    factories.make_athlete()
    result = cli("tasks", "run", "backup")
    assert result.exit_code == 0 and "キューに入れました" in result.output
    assert backups.latest().label == "daily"  # immediate mode: run at once
