"""A double-clicked import confirm, and two coaches saving the team's first request at once.

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
from nitsys.models import Meet, OutboxMessage, ParkingRequest, Role, User
from nitsys.services import parking
from tests import factories

pytestmark = pytest.mark.postgres_only
HEADER = "団体ID,団体名,略称,駐車場,許可証番号,大型バス,マイクロ・中型バス,乗用車"


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL")


def _both(app, action) -> list[str]:
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        with app.app_context():
            start.wait()
            try:
                action()
                db.session.commit()
                outcomes.append("ok")
            except RuleViolation as error:
                db.session.rollback()
                outcomes.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_a_double_clicked_confirm_allocates_and_mails_once(app, monkeypatch):
    staff = factories.make_user(Role.STAFF)
    meet = factories.make_meet()
    parking.save_lot(meet.id, by=staff, name="A駐車場", capacities={"car": 10})
    team = factories.make_organization(name="日本体育大学")
    rows = parking.read_allocation("p.csv", f"{HEADER}\r\n{team.id},,,A駐車場,P-1,0,0,2".encode())
    token = parking.stage(staff, meet, rows, "p.csv").token
    db.session.commit()
    meet_id, staff_id = meet.id, staff.id
    slow = parking.preview

    def slow_preview(*args, **kwargs):
        result = slow(*args, **kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(parking, "preview", slow_preview)

    def confirm() -> None:
        by, meet = db.session.get(User, staff_id), db.session.get(Meet, meet_id)
        staged = parking.staged_import(by, meet, token)
        parking.confirm(by, meet, staged, {}, warnings_confirmed=True)

    outcomes = _both(app, confirm)
    assert outcomes[0] == "ok" and "見つかりません" in outcomes[1]
    assert db.session.scalar(select(ParkingRequest.allocation_version)) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_two_coaches_create_one_request(app):
    meet = factories.make_meet()
    staff = factories.make_user(Role.STAFF)
    parking.save_lot(meet.id, by=staff, name="A駐車場", capacities={"car": 10})
    parking.save_settings(
        meet.id, by=staff, enabled=True, entry_time=None, exit_time=None, rules=""
    )
    team = factories.make_organization()
    coaches = [factories.make_user(organization=team).id for _ in range(2)]
    meet_id = meet.id
    turn = iter(coaches)
    lock = threading.Lock()

    def save() -> None:
        with lock:
            coach = next(turn)
        by = db.session.get(User, coach)
        parking.save_request(meet_id, by=by, counts={"car": 1}, driver_phone="090-1-2")

    assert _both(app, save) == ["ok", "ok"]
    assert db.session.scalar(select(func.count(ParkingRequest.id))) == 1
