"""Approving or rejecting on the review desk runs a small, fixed number of SQL statements, however
many applications are waiting (SPEC §5: one official clears 300 slips in an afternoon)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import event

from nitsys.extensions import db
from nitsys.models import (
    Application,
    ApplicationStatus,
    Entry,
    EntryStatus,
    Gender,
    PaymentSlip,
    Race,
)
from nitsys.models.base import utcnow
from nitsys.services.payments import pdf_icon
from tests import factories

MAX_QUERIES = 8
HTMX = {"HX-Request": "true"}


def under_review(race, count: int) -> list[int]:
    """`count` submitted applications of new teams, each with two entries and a pending slip."""
    now = utcnow()
    applications = []
    for _ in range(count):
        coach = factories.make_user()
        seq = factories._n()
        application = Application(
            meet_id=race.meet_id,
            seq=seq,
            number=f"{race.meet.number}-{seq:04d}",
            status=ApplicationStatus.UNDER_REVIEW,
            created_by_id=coach.id,
            submitted_by_id=coach.id,
            submitted_at=now,
            unit_fee=2000,
            entry_count=2,
            total_amount=4000,
            **Application.ownership_for(coach),
        )
        application.entries = [
            Entry(
                athlete_id=factories.make_athlete(coach, gender=Gender.MALE).id,
                race_id=race.id,
                declared_time=90000,
                status=EntryStatus.SUBMITTED,
            )
            for _ in range(2)
        ]
        db.session.add(application)
        db.session.add(
            PaymentSlip(
                application=application,
                uploaded_by_id=coach.id,
                content=b"%PDF-1.4 slip",
                content_type="application/pdf",
                size=13,
                sha256=hashlib.sha256(b"%PDF-1.4 slip").hexdigest(),
                thumbnail=pdf_icon(),
                declared_amount=4000,
            )
        )
        applications.append(application)
    db.session.commit()
    return [application.id for application in applications]


def count_queries(client, url: str, data: dict | None = None) -> int:
    """SQL statements of one HTMX request: a POST with `data`, else a GET."""
    db.session.remove()  # start from an empty identity map, as a real request does
    statements = []

    def count(_connection, _cursor, statement, *_args):
        # The maintenance-mode switch is read once per interval by every request.
        if "system_settings" not in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        if data is None:
            response = client.get(url, headers=HTMX)
        else:
            response = client.post(url, data=data, headers=HTMX)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_data(as_text=True)
    return len(statements)


@pytest.fixture
def measured(app, client):
    factories.log_in(client, factories.make_user("official"))
    race_id = factories.make_race().id

    def measure(count: int) -> dict[str, int]:
        first, second, *_ = under_review(db.session.get(Race, race_id), count)
        return {
            "approve": count_queries(client, f"/admin/payments/{first}/approve", {}),
            "reject": count_queries(
                client, f"/admin/payments/{second}/reject", {"reason": "金額が違います"}
            ),
            # Every team is a テスト大学: the desk shows up to 50 cards with their entries.
            "force search": count_queries(client, "/admin/payments/force?q=テスト"),
        }

    return measure


def test_approve_and_reject_queries_are_few_and_do_not_grow(measured):
    small = measured(2)
    large = measured(300)
    assert small == large
    assert max(large.values()) <= MAX_QUERIES, large
