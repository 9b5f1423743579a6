"""Background work on Huey: every task only unpacks its arguments and calls a service.

Where the queue lives is set by the environment (`TASK_QUEUE`):

- `redis` (the default when `REDIS_URL` is set): production; any number of web instances
  enqueue, `flask worker` (Procfile `worker`) consumes, several workers may run at once;
- `sqlite`: one machine without Redis (`instance/tasks.sqlite3`, with `flask worker` beside
  the web server);
- `immediate` (the default with `DEBUG=True`, and in the tests): a task runs inside the call
  that enqueues it, so `make run` stays one command.

Schedules (UTC crontab strings, `off` to disable) live next to their tasks below and are read
from `SCHEDULE_<NAME>` variables. Retries use Huey's back-off; a job whose worker died is found
by :func:`recover_jobs` and queued again.
"""

from __future__ import annotations

import functools
import logging
import os

from flask import Flask, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event

from config import BASE_DIR, env_bool, load_environment

log = logging.getLogger(__name__)

SCHEDULES = {
    # name: (default crontab in UTC, what it does)
    "OUTBOX": ("* * * * *", "送信待ちメールの配信（取りこぼし分）"),
    "RECOVER": ("* * * * *", "止まったジョブの再投入"),
    "BACKUP": ("0 18 * * *", "日次バックアップ＋最新の検証（日本時間 3:00）"),
    "PAYMENT_REMINDERS": ("0 0 * * *", "入金期限前のリマインド（日本時間 9:00）"),
    "WEEKLY_CHECKLIST": ("0 0 * * 1", "週次点検メール（月曜 日本時間 9:00）"),
    "CLEANUP_REPORT": ("30 0 * * *", "大会後の削除対象レポート（日本時間 9:30）"),
}


def queue_kind() -> str:
    load_environment()
    kind = os.environ.get("TASK_QUEUE", "").strip().lower()
    if kind:
        return kind
    if os.environ.get("REDIS_URL"):
        return "redis"
    return "immediate" if env_bool("DEBUG", False) else "sqlite"


def make_huey(kind: str) -> Huey:
    name = os.environ.get("TASK_QUEUE_NAME") or "nitsys"  # several sites on one Redis
    if kind == "redis":
        url = os.environ.get("TASK_QUEUE_URL") or os.environ.get("REDIS_URL") or None
        return RedisHuey(name, url=url, results=False, utc=True)
    if kind == "sqlite":
        path = os.environ.get("TASK_QUEUE_PATH") or str(BASE_DIR / "instance" / "tasks.sqlite3")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return SqliteHuey(name, filename=path, results=False, utc=True)
    if kind == "immediate":
        return MemoryHuey(name, results=False, utc=True, immediate=True)
    raise ValueError(f"TASK_QUEUE={kind!r}: use redis, sqlite or immediate")


huey = make_huey(queue_kind())

_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """The app whose context tasks run in inside `flask worker` (set by the command)."""
    global _app
    _app = app


def _in_app(function):
    """Run the task in the caller's app context (immediate mode) or the worker's app."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return function(*args, **kwargs)
        global _app
        if _app is None:
            from nitsys import create_app

            _app = create_app()
        from nitsys.extensions import db

        with _app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


def schedule(name: str):
    """The crontab of `SCHEDULE_<name>` (its default when unset; never when `off`)."""
    default, _ = SCHEDULES[name]
    value = os.environ.get(f"SCHEDULE_{name}", default).strip()
    if value.lower() in ("off", "none", ""):
        return lambda moment: False
    minute, hour, day, month, weekday = value.split()
    return crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=weekday)


def runnable() -> dict:
    """Tasks staff may start by hand (`flask tasks run NAME`), by name."""
    return {
        "backup": daily_backup,
        "payment_reminders": payment_reminders,
        "weekly_checklist": weekly_checklist,
        "cleanup_report": cleanup_report,
        "deliver_outbox": deliver_outbox,
        "recover_jobs": recover_jobs,
    }


# --- archives and other long exports --------------------------------------------------------


@huey.task(retries=2, retry_delay=10, retry_backoff=2)
@_in_app
def build_archive(job_id: int) -> None:
    """Build an export job's file: the archive, a whole-meet PDF or all parking permits."""
    from nitsys.services import export_jobs

    export_jobs.run(job_id)


@huey.periodic_task(schedule("RECOVER"))
@_in_app
def recover_jobs() -> None:
    """Jobs whose worker died (deploy, crash) go back in the queue, a few times at most."""
    from nitsys.services import export_jobs

    for job_id in export_jobs.requeue_stale():
        build_archive(job_id)


# --- mail -----------------------------------------------------------------------------------


@huey.task(retries=3, retry_delay=30, retry_backoff=2)
@_in_app
def deliver_outbox() -> None:
    from nitsys.services import outbox

    outbox.deliver_due()


@huey.periodic_task(schedule("OUTBOX"))
@_in_app
def deliver_outbox_periodically() -> None:
    from nitsys.services import outbox

    outbox.deliver_due()


OUTBOX_FLAG = "outbox_queued"  # set by outbox.enqueue on the session


def notify_outbox(session) -> None:
    """After a commit that queued mail, ask a worker to deliver it now (not within a minute)."""
    if not session.info.pop(OUTBOX_FLAG, False) or huey.immediate:
        return
    try:
        deliver_outbox()
    except Exception:  # the queue is down: the periodic delivery catches up later
        log.warning("could not enqueue outbox delivery", exc_info=True)


def install(app: Flask) -> None:
    """Hook the session so committed mail is delivered by the worker (create_app calls this)."""
    from nitsys.extensions import db

    if not event.contains(db.session, "after_commit", notify_outbox):
        event.listen(db.session, "after_commit", notify_outbox)
        event.listen(db.session, "after_rollback", lambda s: s.info.pop(OUTBOX_FLAG, None))


# --- scheduled routines (docs/運用ガイド.md「定期作業」) ------------------------------------


@huey.periodic_task(schedule("BACKUP"), retries=2, retry_delay=300)
@_in_app
def daily_backup() -> None:
    from nitsys.services import routines

    routines.daily_backup()


@huey.periodic_task(schedule("PAYMENT_REMINDERS"))
@_in_app
def payment_reminders() -> None:
    from nitsys.services import routines

    routines.payment_reminders()


@huey.periodic_task(schedule("WEEKLY_CHECKLIST"))
@_in_app
def weekly_checklist() -> None:
    from nitsys.services import routines

    routines.weekly_checklist()


@huey.periodic_task(schedule("CLEANUP_REPORT"))
@_in_app
def cleanup_report() -> None:
    from nitsys.services import routines

    routines.cleanup_report()
