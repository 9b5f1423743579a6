"""個人情報保護法: a team's data as a workbook on request; an athlete's personal data erased
while the results stay under the name."""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from nitsys.extensions import db
from nitsys.models import AuditEvent, Entry
from nitsys.services import athletes, privacy
from tests import factories
from tests.test_back_office import form_of


def test_team_export_holds_members_athletes_entries_payments_and_audit(client, login_as):
    coach = factories.make_user(full_name="監督 花子", email="hanako@example.jp")
    application = factories.make_submitted_entries(coach, factories.make_race(), count=2)
    factories.make_athlete(coach, last_name='=HYPERLINK("x")')  # a name that looks like a formula
    staff = login_as("staff")
    response = client.get(f"/admin/teams/{coach.organization_id}/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == [
        "団体",
        "メンバー",
        "選手",
        "エントリー",
        "申込・入金",
        "振込明細",
        "監査ログ",
    ]
    members = [row[2] for row in book["メンバー"].iter_rows(min_row=2, values_only=True)]
    assert members == ["hanako@example.jp"]
    assert book["選手"].max_row == 4 and book["エントリー"].max_row == 3
    numbers = [row[1] for row in book["申込・入金"].iter_rows(min_row=2, values_only=True)]
    assert numbers == [application.number]
    cells = [c.value for row in book["選手"].iter_rows() for c in row]
    assert '=HYPERLINK("x")' in cells  # stays text
    assert all(c.data_type != "f" for row in book["選手"].iter_rows() for c in row)
    assert book["監査ログ"].max_row > 1
    logged = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "organization.data_export")
    )
    assert logged.actor_id == staff.id
    login_as("official")
    assert client.get(f"/admin/teams/{coach.organization_id}/export.xlsx").status_code == 403


def test_erase_an_athlete_keeps_the_entries_under_the_name(client, login_as):
    coach = factories.make_user()
    application = factories.make_submitted_entries(coach, factories.make_race())
    entry = application.entries[0]
    athlete = entry.athlete
    athletes.update_athlete(coach, athlete.id, {**form_of(athlete), "grade": "3"})
    db.session.commit()
    jaaf_id, name = athlete.jaaf_id, athlete.full_name
    login_as("staff")
    confirm = client.get(f"/admin/athletes/{athlete.id}/erase").get_data(as_text=True)
    assert "生年月日" in confirm and "JAAF ID" in confirm and jaaf_id in confirm
    unconfirmed = client.post(f"/admin/athletes/{athlete.id}/erase", follow_redirects=True)
    assert "確認欄" in unconfirmed.get_data(as_text=True)
    assert db.session.get(type(athlete), athlete.id).jaaf_id == jaaf_id
    client.post(f"/admin/athletes/{athlete.id}/erase", data={"confirm": "1"})
    db.session.refresh(athlete)
    assert athlete.full_name == name and athlete.jaaf_id == "" and privacy.is_erased(athlete)
    assert (
        db.session.get(Entry, entry.id).athlete_id == athlete.id
    )  # the entry and its results stay
    trail = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "athletes", AuditEvent.object_id == athlete.id
        )
    ).all()
    assert jaaf_id not in str([(e.before, e.after) for e in trail])
    assert "2004-05-01" not in str([(e.before, e.after) for e in trail])
    page = client.get(f"/admin/athletes/{athlete.id}").get_data(as_text=True)
    assert "個人情報削除済み" in page
    assert not re.search(r"1900\s*[-/年.]", page)  # the placeholder birth date is never shown
    # Erasing again changes nothing.
    assert privacy.erase_athlete(athlete.id, by=factories.make_user(role="staff")) is athlete
