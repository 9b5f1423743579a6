"""The payment review desk. Pages on the demo meet; batches with 300 applications under review:
the review list, and approve / reject round trips (POST, answered with the swapped row).

The harness only sends GETs to gunicorn, so the POST round trips run in-process through the
Flask test client (view, service, commit, row render), with SQL statements counted. CSRF is
switched off for that client only (the token is a form detail, not a cost).

Like the page harness, each batch first makes WARMUP untimed calls, so the figures are those of
a worker that is already serving the desk: PostgreSQL plans a statement afresh for its first
five executions on a connection, which made the first dozen round trips there up to 50% slower.
"""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager

from bench.harness import Page

UNDER_REVIEW = 300
ROUND_TRIPS = 40
WARMUP = 15
HTMX = {"HX-Request": "true"}

PAGES = [
    Page("review desk (under review, all meets)", "official", "/admin/payments"),
    Page(
        "review list partial, meet filter", "official", "/admin/payments?meet={meet_id}", htmx=True
    ),
    Page("review list, every state", "official", "/admin/payments?state=all&meet={meet_id}"),
    Page("counters partial", "official", "/admin/payments/counters", htmx=True),
    Page("force-approve search", "official", "/admin/payments/force?q=%E5%A4%A7", htmx=True),
]


@contextmanager
def counting(db):
    from sqlalchemy import event

    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _under_review(db, meet) -> list[int]:
    """300 submitted one-entry applications of a bench team, each with a pending slip."""
    import hashlib
    from datetime import date

    from sqlalchemy import func, select

    from nitsys.demo.payments import slip_image
    from nitsys.models import (
        Application,
        ApplicationStatus,
        Athlete,
        Entry,
        EntryStatus,
        Gender,
        Organization,
        OrganizationType,
        PaymentSlip,
        Race,
        User,
    )
    from nitsys.models.base import utcnow
    from nitsys.services.payments import check_slip_file  # fmt: skip

    team = Organization(name="ベンチ入金大学", name_kana="ベンチニュウキンダイガク",
                        org_type=OrganizationType.UNIVERSITY, representative_name="入金 太郎",
                        representative_email="bench-pay@example.jp",
                        representative_phone="03-0000-0000")  # fmt: skip
    coach = User(email="bench-pay@example.jp", full_name="入金 太郎", organization=team,
                 password_hash="!")  # fmt: skip
    race = db.session.scalar(select(Race).where(Race.meet_id == meet.id).order_by(Race.id))
    seq = db.session.scalar(select(func.max(Application.seq)).where(Application.meet_id == meet.id))
    db.session.add_all([team, coach])
    db.session.flush()
    applications, added = [], []
    for n in range(UNDER_REVIEW):
        athlete = Athlete(
            organization=team,
            last_name="入金",
            first_name=f"選手{n}",
            last_name_kana="ニュウキン",
            first_name_kana="センシュ",
            gender=Gender(race.gender.value if race.gender.value != "X" else "M"),
            birth_date=date(2004, 4, 2),
            jaaf_id=f"{91000000000 + n}",
        )
        application = Application(
            meet=meet, seq=seq + n + 1, number=f"{meet.number}-{seq + n + 1:04d}",
            organization=team, status=ApplicationStatus.UNDER_REVIEW, created_by=coach,
            submitted_by=coach, submitted_at=utcnow(), unit_fee=meet.fee_per_entry,
            entry_count=1, total_amount=meet.fee_per_entry,
        )  # fmt: skip
        entry = Entry(
            application=application,
            athlete=athlete,
            race=race,
            declared_time=race.standard_time or 90000,
            status=EntryStatus.SUBMITTED,
        )
        applications.append(application)
        added += [athlete, application, entry]
    data = slip_image(applications[0], meet.fee_per_entry, date.today())
    checked = check_slip_file(data)
    for n, application in enumerate(applications):
        added.append(PaymentSlip(
            application=application, uploaded_by=coach, content=data,
            content_type=checked.content_type, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), thumbnail=checked.thumbnail,
            declared_amount=meet.fee_per_entry - (1000 if n % 7 == 0 else 0),
            payer_name=f"{application.number} ベンチ",
        ))  # fmt: skip
    db.session.add_all(added)
    db.session.commit()
    return [application.id for application in applications]


def _client(app, db):
    from datetime import UTC, datetime

    from sqlalchemy import select

    from nitsys.models import Role, User

    official = db.session.scalar(select(User).where(User.role == Role.OFFICIAL).limit(1))
    client = app.test_client()
    now = datetime.now(UTC).timestamp()
    with client.session_transaction() as session:
        session.update(_user_id=official.get_id(), _fresh=True, login_at=now, seen_at=now)
    return client


def _measure(db, call, expected: int, repeat: int) -> tuple[float, int]:
    """Median ms and most SQL statements of `call(n)` for n in WARMUP … WARMUP + repeat - 1."""
    for argument in range(WARMUP):
        call(argument)
    times, queries = [], 0
    for argument in range(WARMUP, WARMUP + repeat):
        with counting(db) as counter:
            started = time.perf_counter()
            response = call(argument)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expected, (response.status_code, response.text[:300])
        queries = max(queries, counter["n"])
    return statistics.median(times), queries


def batches(app) -> list[tuple[str, float]]:
    from sqlalchemy import select

    from nitsys.extensions import db
    from nitsys.models import Meet

    meet = db.session.scalar(select(Meet).where(Meet.entry_open).order_by(Meet.id))
    meet_id, ids = meet.id, _under_review(db, meet)
    app.config["WTF_CSRF_ENABLED"] = False
    client = _client(app, db)
    db.session.remove()
    try:
        list_ms, list_q = _measure(
            db, lambda _: client.get(f"/admin/payments?meet={meet_id}", headers=HTMX), 200, 20
        )
        approve_ms, approve_q = _measure(
            db, lambda n: client.post(f"/admin/payments/{ids[n]}/approve", headers=HTMX), 200,
            ROUND_TRIPS,
        )  # fmt: skip
        reject_ms, reject_q = _measure(
            db,
            lambda n: client.post(f"/admin/payments/{ids[WARMUP + ROUND_TRIPS + n]}/reject",
                                  data={"reason": "金額が読み取れません"}, headers=HTMX),
            200,
            ROUND_TRIPS,
        )  # fmt: skip
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    return [
        (f"review list, {UNDER_REVIEW} under review (median, max {list_q} queries)", list_ms),
        (f"approve round trip (median of {ROUND_TRIPS}, max {approve_q} queries)", approve_ms),
        (f"reject round trip (median of {ROUND_TRIPS}, max {reject_q} queries)", reject_ms),
    ]
