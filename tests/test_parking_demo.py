"""`flask seed-demo`: parking on the 325th meet, and the planner's sheet in the demo folder."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from nitsys.demo import DEFAULT_SEED, seed_demo
from nitsys.demo.parking import SHEET_PATH, allocation_sheet, planned_team_ids
from nitsys.domain.team_match import MatchKind
from nitsys.extensions import db
from nitsys.models import Meet, OutboxMessage, ParkingStatus, User
from nitsys.services import parking


def test_demo_sheet_imports_after_two_choices_and_only_once(app):
    seed_demo(DEFAULT_SEED)
    db.session.commit()
    meet = db.session.scalar(select(Meet).where(Meet.number == 325))
    assert SHEET_PATH.read_bytes() == allocation_sheet(meet)  # the committed file is current
    rows, totals, lots = parking.staff_list(meet)
    assert len(lots) == 2 and 55 <= len(rows) <= 65
    assert totals.by_status == {"requested": len(rows) - 1, "assigned": 1}
    staged_rows = parking.read_allocation(SHEET_PATH.name, SHEET_PATH.read_bytes())
    result = parking.preview(meet, staged_rows)
    kinds = Counter(row.match.kind for row in result.rows)
    assert kinds[MatchKind.FUZZY] == 1 and kinds[MatchKind.AMBIGUOUS] == 1
    assert kinds[MatchKind.EXACT] and kinds[MatchKind.SHORT] and kinds[MatchKind.ID]
    assert not result.errors
    texts = SHEET_PATH.read_bytes().decode("cp932")
    assert "１" in texts and "\u3000" in texts  # full-width digits and spaces in the mess
    meant = planned_team_ids(meet)  # line 2 is the first team
    for row in result.rows:
        if row.team_id is not None:
            assert row.team_id == meant[row.line - 2], row  # no exact or short match is wrong
    decisions = result.decisions
    assert all(
        meant[row.line - 2] in {c.team_id for c in row.match.candidates} for row in decisions
    )
    choices = {row.line: str(meant[row.line - 2]) for row in decisions}
    staff = db.session.scalar(select(User).where(User.email == "staff@demo.nitsys.jp"))
    staged = parking.stage(staff, meet, staged_rows, SHEET_PATH.name)
    outcome = parking.confirm(staff, meet, staged, choices, warnings_confirmed=True)
    db.session.commit()
    assert outcome.changed == len(rows) - 1
    mails = db.session.scalar(select(func.count(OutboxMessage.id)))
    staged = parking.stage(staff, meet, staged_rows, SHEET_PATH.name)
    again = parking.confirm(staff, meet, staged, choices, warnings_confirmed=True)
    db.session.commit()
    assert again.changed == 0 and db.session.scalar(select(func.count(OutboxMessage.id))) == mails
    assert all(r.status is ParkingStatus.ASSIGNED for r in parking.requests_of(meet))
