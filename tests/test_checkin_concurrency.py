"""Two desks tapping the same runner at once (PostgreSQL only: SQLite has no row locks)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from nitsys.extensions import db
from nitsys.models import AuditEvent, EntryStatus, HeatSlot
from nitsys.services import checkin
from tests.factories import make_confirmed_entries, make_heat_with_slots, make_race, make_user

DESKS = 6


@pytest.fixture
def slot(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL (TEST_DATABASE_URL)")
    race = make_race()
    heat = make_heat_with_slots(race, make_confirmed_entries(race, [90000]))
    return db.session.scalars(select(HeatSlot).where(HeatSlot.heat_id == heat.id)).one()


def at_once(app, actions) -> list[Exception]:
    """Run each `action(by_user_id)` in its own thread and session, all released together."""
    barrier = threading.Barrier(len(actions))
    errors: list[Exception] = []

    def run(action):
        with app.app_context():
            try:
                barrier.wait()
                action()
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _as(user_id: int, change, slot_id: int, target: bool):
    from nitsys.models import User

    return lambda: change(slot_id, target, by=db.session.get(User, user_id))


def test_desks_checking_in_the_same_runner_record_it_once(app, slot):
    desks = [make_user("official").id for _ in range(DESKS)]
    errors = at_once(app, [_as(d, checkin.set_checked_in, slot.id, True) for d in desks])

    assert errors == []
    db.session.expire_all()
    assert slot.checked_in and slot.checked_in_by_id in desks
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "checkin.set_checked_in")
    ).all()
    assert len(events) == 1


def test_check_in_and_dns_at_once_end_in_one_consistent_state(app, slot):
    desk_a, desk_b = make_user("official").id, make_user("official").id
    for _ in range(5):
        errors = at_once(
            app,
            [
                _as(desk_a, checkin.set_checked_in, slot.id, True),
                _as(desk_b, checkin.set_dns, slot.id, True),
            ],
        )
        db.session.expire_all()
        # Whatever the order: a DNS runner is never checked in and the entry agrees.
        assert slot.dns and not slot.checked_in
        assert slot.entry.status is EntryStatus.DNS
        assert all("DNS取消" in str(error) for error in errors)
        checkin.set_dns(slot.id, False, by=slot.entry.application.created_by)
        db.session.commit()
