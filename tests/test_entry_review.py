"""Entry review by officials: verify, reject with a reason (coach told), correct a time (audited)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import AuditEvent, EntryStatus, OutboxMessage
from nitsys.services import entries as entry_service
from nitsys.services import entry_review
from tests import factories

HTMX = {"HX-Request": "true"}


@pytest.fixture
def official(app):
    return factories.make_user("official")


@pytest.fixture
def entry(app):
    coach = factories.make_user()
    race = factories.make_race(is_ncg=True, name="NCG男子5000m")
    application = factories.make_submitted_entries(coach, race, count=2)
    return application.entries[0]


def test_reject_frees_the_slot_keeps_the_total_and_tells_the_coach(entry, official):
    total = entry.application.total_amount
    with pytest.raises(RuleViolation, match="理由"):
        entry_review.reject_entry(entry.id, by=official, reason=" ")
    entry_review.reject_entry(entry.id, by=official, reason="公認記録が確認できません")
    db.session.commit()
    assert entry.status is EntryStatus.REJECTED
    assert entry.review.rejection_reason == "公認記録が確認できません"
    assert entry.application.total_amount == total
    assert entry_service.taken_slots([entry.race_id]) == {entry.race_id: 1}
    [mail] = db.session.scalars(select(OutboxMessage)).all()[-1:]
    assert "公認記録が確認できません" in mail.body_text
    with pytest.raises(RuleViolation, match="却下のため"):
        entry_review.verify_entry(entry.id, by=official)


def test_verify_once(entry, official):
    entry_review.verify_entry(entry.id, by=official)
    with pytest.raises(RuleViolation, match="既に確認済み"):
        entry_review.verify_entry(entry.id, by=official)


def test_time_correction_is_audited_and_mailed(entry, official):
    entry_review.correct_declared_time(entry.id, by=official, value="14:30.00")
    db.session.commit()
    assert entry.declared_time == 87000
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "entry.correct_time"))
    assert event.before == {"declared_time": 90000} and event.after == {"declared_time": 87000}
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.like("entry.time_corrected%"))
    )
    assert "15:00.00 → 14:30.00" in mail.body_text
    with pytest.raises(RuleViolation, match="変わっていません"):
        entry_review.correct_declared_time(entry.id, by=official, value="14:30.00")


def test_review_list_filters_and_inline_reject(client, login_as, entry):
    login_as("official")
    meet_id = entry.race.meet_id
    page = client.get(f"/admin/meets/{meet_id}/entry-review?standard=ncg")
    assert entry.athlete.full_name in page.get_data(as_text=True)
    other = client.get(f"/admin/meets/{meet_id}/entry-review?standard=standard", headers=HTMX)
    assert entry.athlete.full_name not in other.get_data(as_text=True)
    response = client.post(f"/admin/entries/{entry.id}/reject", data={"reason": ""}, headers=HTMX)
    assert response.status_code == 422
    response = client.post(
        f"/admin/entries/{entry.id}/reject", data={"reason": "NCG記録なし"}, headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="entry-{entry.id}"')
    assert "却下" in html and "NCG記録なし" in html
    assert "参加料を調整" in html  # the explicit second step, offered on the rejected row
    response = client.post(
        f"/admin/entries/{entry.id}/adjust-fee",
        data={"amount": "-2000", "reason": "却下分"},
        headers=HTMX,
    )
    assert "<span data-amount-due>¥2,000</span>" in response.get_data(as_text=True)
    assert entry.application.total_amount == 4000 and entry.application.amount_due == 2000


def test_participants_cannot_review(client, login_as, entry):
    login_as("participant")
    assert client.post(f"/admin/entries/{entry.id}/verify").status_code == 403


def test_no_rejection_or_correction_once_the_heat_is_locked(entry, official):
    from nitsys.models import Heat, HeatSlot
    from nitsys.models.base import utcnow

    heat = Heat(race_id=entry.race_id, number=2, locked=True, locked_at=utcnow())
    db.session.add(heat)
    db.session.flush()
    db.session.add(
        HeatSlot(heat_id=heat.id, entry_id=entry.id, meet_id=entry.race.meet_id, position=1)
    )
    db.session.commit()
    with pytest.raises(RuleViolation, match="確定済みの組（2組）"):
        entry_review.reject_entry(entry.id, by=official, reason="公認記録が確認できません")
    with pytest.raises(RuleViolation, match="確定済みの組"):
        entry_review.correct_declared_time(entry.id, by=official, value="14:30.00")
    assert entry.status is EntryStatus.SUBMITTED
    heat.locked = False
    db.session.commit()
    entry_review.reject_entry(entry.id, by=official, reason="公認記録が確認できません")
    assert entry.status is EntryStatus.REJECTED


def test_the_review_list_pages_by_fifty_and_counts_each_race(client, login_as):
    race = factories.make_race()
    other = factories.make_race(race.meet, distance=10000)
    factories.make_confirmed_entries(race, [85000 + n for n in range(55)])
    factories.make_confirmed_entries(other, [180000, 181000])
    login_as("official")
    url = f"/admin/meets/{race.meet_id}/entry-review"
    first = client.get(url).get_data(as_text=True)
    assert f"{race.name}（55件）" in first and f"{other.name}（2件）" in first
    assert first.count('data-label="種目"') == 50 and "次のページ" in first
    second = client.get(url + "?page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert second.count('data-label="種目"') == 7 and "前のページ" in second
    only = client.get(f"{url}?race={other.id}").get_data(as_text=True)
    assert only.count('data-label="種目"') == 2 and "次のページ" not in only
