"""An official's late entry on behalf of a team after the window (SPEC §5, entry review): the same
rules and messages as the entry form, the window override audited, the team mailed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import ApplicationStatus, AuditEvent, EntryStatus, OutboxMessage
from nitsys.models.base import utcnow
from nitsys.services import entries as entry_service
from nitsys.services import entry_review
from tests import factories

HTMX = {"HX-Request": "true"}


@pytest.fixture
def closed(app):
    """A meet whose window closed yesterday, a team with a coach and an athlete, an official."""
    now = utcnow()
    meet = factories.make_meet(
        entry_opens_at=now - timedelta(days=20),
        entry_closes_at=now - timedelta(days=1),
        bank_account=factories.make_bank_account(),
    )
    race = factories.make_race(meet, standard_time=96000)
    team = factories.make_organization(
        representative_name="代表 花子", representative_email="rep@example.jp"
    )
    coach = factories.make_user(organization=team)
    athlete = factories.make_athlete(team)
    db.session.commit()
    return {
        "meet": meet,
        "race": race,
        "team": team,
        "coach": coach,
        "athlete": athlete,
        "official": factories.make_user("official"),
    }


def late(closed, *, by=None, owner=None, athlete=None, time="15:00.00"):
    return entry_review.late_entry(
        by=by or closed["official"],
        meet_id=closed["meet"].id,
        owner=owner or f"o{closed['team'].id}",
        athlete_id=(athlete or closed["athlete"]).id,
        race_id=closed["race"].id,
        declared_time=time,
    )


def test_official_enters_and_submits_for_the_team_after_the_window(closed):
    application = late(closed)
    db.session.commit()
    assert application.organization_id == closed["team"].id
    assert application.status is ApplicationStatus.AWAITING_PAYMENT
    assert application.submitted_by_id == closed["official"].id
    assert [entry.status for entry in application.entries] == [EntryStatus.SUBMITTED]
    assert application.amount_due == 2000
    actions = set(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == closed["official"].id)
        )
    )
    assert {"entry.window_override", "application.window_override", "application.submit"} <= (
        actions
    )
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.like("application-submitted-%"))
    )
    assert mail.to_address == "rep@example.jp"
    assert "¥2,000" in mail.body_text and application.number in mail.body_text
    assert closed["meet"].bank_account.account_number in mail.body_text


def test_participant_cannot_enter_late(closed):
    with pytest.raises(NotFound):
        late(closed, by=closed["coach"])
    with pytest.raises(RuleViolation, match="現在エントリーを受け付けていません"):
        entry_service.add_entry(
            closed["coach"],
            meet_id=closed["meet"].id,
            athlete_id=closed["athlete"].id,
            race_id=closed["race"].id,
            declared_time="15:00.00",
            override_window=True,
        )


def test_same_messages_as_the_form(closed):
    with pytest.raises(RuleViolation) as on_the_form:
        entry_service.validate_time("16:30.00", closed["race"])
    with pytest.raises(RuleViolation) as late_one:
        late(closed, time="16:30.00")
    assert late_one.value.message == on_the_form.value.message
    assert "参加標準記録" in late_one.value.message
    with pytest.raises(RuleViolation, match="登録されていないか"):
        late(closed, athlete=factories.make_athlete(factories.make_organization()))
    db.session.rollback()
    late(closed)
    db.session.commit()
    with pytest.raises(RuleViolation, match="既に"):
        late(closed)


def test_official_uses_the_form_on_the_entry_review_page(client, login_as, closed):
    login_as(closed["official"])
    meet_id = closed["meet"].id
    page = client.get(f"/admin/meets/{meet_id}/entry-review").get_data(as_text=True)
    assert "締切後の代理エントリー" in page and closed["team"].name in page
    options = client.get(
        f"/admin/meets/{meet_id}/late-entry/athletes?owner=o{closed['team'].id}", headers=HTMX
    ).get_data(as_text=True)
    assert closed["athlete"].full_name in options
    form = {
        "owner": f"o{closed['team'].id}",
        "athlete_id": closed["athlete"].id,
        "race_id": closed["race"].id,
        "declared_time": "16:30.00",
    }
    refused = client.post(f"/admin/meets/{meet_id}/late-entry", data=form, headers=HTMX)
    assert refused.status_code == 422
    assert "参加標準記録" in refused.get_data(as_text=True)
    done = client.post(
        f"/admin/meets/{meet_id}/late-entry",
        data={**form, "declared_time": "15:00.00"},
        headers=HTMX,
    )
    assert done.status_code == 200
    assert "として提出しました" in done.get_data(as_text=True)


def test_participant_gets_403_from_the_late_entry_form(client, login_as, closed):
    login_as(closed["coach"])
    response = client.post(
        f"/admin/meets/{closed['meet'].id}/late-entry",
        data={"owner": f"o{closed['team'].id}", "athlete_id": closed["athlete"].id},
    )
    assert response.status_code == 403


def test_refused_while_the_team_has_an_unsent_draft(closed):
    entry_service.add_entry(
        closed["official"],
        meet_id=closed["meet"].id,
        athlete_id=factories.make_athlete(closed["team"]).id,
        race_id=closed["race"].id,
        declared_time="15:00.00",
        override_window=True,
    )
    db.session.commit()
    with pytest.raises(RuleViolation, match="未提出の下書き"):
        late(closed)


def test_late_entry_for_an_individual_mails_that_person(closed):
    person = factories.make_user(individual=True, email="solo@example.jp")
    athlete = factories.make_athlete(person)
    with pytest.raises(RuleViolation, match="チーム（団体または個人）を選んで"):
        late(closed, owner=f"u{closed['coach'].id}", athlete=athlete)  # a team member
    application = late(closed, owner=f"u{person.id}", athlete=athlete)
    db.session.commit()
    assert application.owner_user_id == person.id
    mail = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.dedupe_key == f"application-submitted-{application.id}"
        )
    )
    assert mail.to_address == "solo@example.jp"
