"""Parking on the demo meet (60 team requests, two lots).

Pages: the staff request list (target < 15 ms, ≤ 5 queries), its filtered partial and the
coach's request page. Batches, in-process and rolled back at the end:

- the allocation preview of a 300-row sheet (the demo sheet's messy names five times over,
  so every row is matched: exact, short name, fuzzy candidates; target < 300 ms), reading
  the CSV included;
- the all-permits PDF once all 60 teams are allocated (target < 1 s).
"""

from __future__ import annotations

from bench.harness import Page
from bench.scenarios.exports import median_ms

PREVIEW_ROWS = 300
REPEAT = 10

PAGES = [
    Page("parking: staff request list", "staff", "/admin/meets/{meet_id}/parking"),
    Page(
        "parking: staff list partial, name filter",
        "staff",
        "/admin/meets/{meet_id}/parking?q=%E5%A4%A7",
        htmx=True,
    ),
    Page("parking: coach request page", "coach", "/my/meets/{meet_id}/parking"),
]


def _big_sheet(data: bytes) -> bytes:
    text = data.decode("cp932")
    header, *lines = text.strip().split("\r\n")
    out = [header]
    while len(out) <= PREVIEW_ROWS:
        out.extend(lines)
    return "\r\n".join(out[: PREVIEW_ROWS + 1]).encode("cp932")


def batches(app) -> list[tuple[str, float]]:
    from sqlalchemy import select

    from nitsys.demo.parking import SHEET_PATH, planned_team_ids
    from nitsys.extensions import db
    from nitsys.models import Meet, Role, User
    from nitsys.reports.fonts import japanese_font
    from nitsys.services import parking

    meet = db.session.scalar(select(Meet).where(Meet.number == 325))
    staff = db.session.scalar(select(User).where(User.role == Role.STAFF).order_by(User.id))
    try:
        big = _big_sheet(SHEET_PATH.read_bytes())
        preview = parking.preview(meet, parking.read_allocation("plan.csv", big))
        decisions = len(preview.decisions)
        preview_ms = median_ms(
            lambda: parking.preview(meet, parking.read_allocation("plan.csv", big)), REPEAT
        )
        rows = parking.read_allocation(SHEET_PATH.name, SHEET_PATH.read_bytes())
        meant = planned_team_ids(meet)
        first = parking.preview(meet, rows)
        choices = {row.line: str(meant[row.line - 2]) for row in first.decisions}
        staged = parking.stage(staff, meet, rows, SHEET_PATH.name)
        parking.confirm(staff, meet, staged, choices, warnings_confirmed=True)
        db.session.flush()
        _, permits = parking.all_permits(meet.id)
        parking.export_permits_file(meet.id, by=staff)  # the font is loaded once, untimed
        pdf_ms = median_ms(lambda: parking.export_permits_file(meet.id, by=staff), REPEAT)
        return [
            (
                f"allocation preview, {PREVIEW_ROWS} rows ({decisions} need a choice)"
                f" incl. reading the CSV; target < 300 ms, median of {REPEAT}",
                preview_ms,
            ),
            (
                f"all permits PDF, {len(permits)} teams, {japanese_font()}; target < 1 s,"
                f" median of {REPEAT}",
                pdf_ms,
            ),
        ]
    finally:
        db.session.rollback()
