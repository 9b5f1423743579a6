"""Two officials approve the same slip at the same moment: one approval, one email.

PostgreSQL only (SQLite serialises writers anyway). Each thread has its own app context and
therefore its own session and connection.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import OutboxMessage, PaymentApproval, User
from nitsys.services import payments
from tests import factories
from tests.test_payments_service import png_bytes

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL")


def test_two_simultaneous_approvals_make_one_approval_and_one_email(app, monkeypatch):
    coach = factories.make_user()
    application = factories.make_submitted_entries(coach, factories.make_race())
    payments.upload_slip(application.id, by=coach, data=png_bytes())
    db.session.commit()
    officials = [factories.make_user("official").id for _ in range(2)]

    # Widen the window between reading the state and writing, so a missing lock lets both in.
    find_slip = payments.pending_slip

    def slow_pending_slip(application):
        found = find_slip(application)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(payments, "pending_slip", slow_pending_slip)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(official_id: int) -> None:
        with app.app_context():
            official = db.session.get(User, official_id)
            start.wait()
            try:
                payments.approve_payment(application.id, by=official)
                db.session.commit()
                outcomes.append("approved")
            except RuleViolation as error:
                db.session.rollback()
                outcomes.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(o,)) for o in officials]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes)[0] == "approved"
    assert "既に" in sorted(outcomes)[1] and "承認しています" in sorted(outcomes)[1]
    assert db.session.scalar(select(func.count(PaymentApproval.id))) == 1
    approved_mail = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.dedupe_key == f"payment.approved:{application.id}"
    )
    assert db.session.scalar(approved_mail) == 1
