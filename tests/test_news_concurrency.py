"""Two staff publish the same notice at the same moment: each recipient is mailed once.

PostgreSQL only (SQLite serialises writers anyway). Each thread has its own app context and
therefore its own session and connection.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import AuditEvent, BroadcastScope, Notice, NoticeCategory, OutboxMessage, User
from nitsys.services import news
from tests import factories

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL")


def test_two_staff_publishing_at_once_queue_each_mail_once(app, monkeypatch):
    meet = factories.make_meet()
    race = factories.make_race(meet)
    for _ in range(3):
        factories.make_submitted_entries(factories.make_user(), race)
    notice = factories.save(
        Notice(
            title="雷雨のため中断",
            category=NoticeCategory.URGENT,
            meet_id=meet.id,
            broadcast_scope=BroadcastScope.MEET,
        )
    )
    staff_ids = [factories.make_user("staff").id for _ in range(2)]

    # Widen the window between reading who was mailed and writing, so a missing lock lets
    # both publishers queue the same mail.
    find_recipients = news.recipients

    def slow_recipients(notice):
        found = find_recipients(notice)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(news, "recipients", slow_recipients)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish(staff_id: int) -> None:
        with app.app_context():
            try:
                staff = db.session.get(User, staff_id)
                mine = db.session.get(Notice, notice.id)
                start.wait()
                news.publish_now(mine, by=staff)
                db.session.commit()
            except BaseException as error:
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=publish, args=(s,)) for s in staff_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    mail = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.dedupe_key.startswith(f"notice:{notice.id}:")
    )
    assert db.session.scalar(mail) == 3
    publish_events = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "notice.publish", AuditEvent.object_id == notice.id
        )
    )
    assert publish_events == 1
