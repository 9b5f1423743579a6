"""Merging a team that registered twice: the preview is the merge, nothing is lost, and a
second merge (run again, or by two staff at once on PostgreSQL) changes nothing."""

from __future__ import annotations

import threading
from datetime import time

import pytest
from sqlalchemy import func, select

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import (
    Application,
    ApplicationStatus,
    Athlete,
    AuditEvent,
    Entry,
    Organization,
    ParkingRequest,
    User,
)
from nitsys.services import entries, parking, payments, team_merge, teams
from tests import factories
from tests.test_payments_service import png_bytes


def table_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def twice(app):
    """Two registrations of one team with overlapping rosters and drafts for one meet."""
    race = factories.make_race()
    keep = factories.make_organization(name="日体クラブ", name_kana="ニッタイクラブ")
    dup = factories.make_organization(name="日体クラブ（重複）", name_kana="ニッタイクラブ")
    keep_coach = factories.make_user(organization=keep)
    dup_coach = factories.make_user(organization=dup)
    same_keep = factories.make_athlete(keep, jaaf_id="11111111111", first_name="一郎")
    same_dup = factories.make_athlete(dup, jaaf_id="11111111111", first_name="一郎")
    submitted = factories.make_submitted_entries(dup_coach, race, count=2)
    payments.upload_slip(submitted.id, by=dup_coach, data=png_bytes(), filename="a.png")
    other_race = factories.make_race(race.meet, distance=10000)
    for coach, athlete in ((keep_coach, same_keep), (dup_coach, same_dup)):
        entries.add_entry(
            coach, meet_id=race.meet_id, athlete_id=athlete.id, race_id=other_race.id,
            declared_time="31:00",
        )  # fmt: skip
    teams.add_note(dup.id, "二重登録の連絡あり", by=factories.make_user(role="staff"))
    db.session.commit()
    staff = factories.make_user(role="staff")
    return keep, dup, staff


def test_preview_lists_moves_and_conflicts_and_equals_the_merge(twice):
    keep, dup, staff = twice
    preview = team_merge.plan(keep.id, dup.id)
    moved = dict(preview.moves)
    assert moved["メンバー"] == 1 and moved["選手"] == 3 and moved["申込"] == 2
    assert moved["事務局メモ"] == 1
    assert dict(preview.carried) == {"エントリー": 3, "振込明細": 1}
    assert [c.kind for c in preview.conflicts] == ["同じ選手", "同じ大会の下書き"]

    before = table_counts()
    done = team_merge.merge(keep.id, dup.id, by=staff, fingerprint=preview.fingerprint)
    db.session.commit()
    assert done == preview
    after = table_counts()
    expected = dict(before)
    expected["applications"] -= 1  # the duplicate draft, emptied into the kept one
    expected["organization_aliases"] += 1
    expected["audit_events"] += 2
    assert after == expected

    owned = lambda model: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(model.organization_id == dup.id)
    )
    assert owned(User) == owned(Athlete) == owned(Application) == 0
    (draft,) = db.session.scalars(
        select(Application).where(
            Application.organization_id == keep.id, Application.status == ApplicationStatus.DRAFT
        )
    ).all()
    assert (
        db.session.scalar(select(func.count(Entry.id)).where(Entry.application_id == draft.id)) == 2
    )
    (same_dup_id, same_keep_id) = done.same_athletes[0]
    assert not db.session.get(Athlete, same_dup_id).is_active
    assert db.session.get(Athlete, same_keep_id).is_active
    db.session.refresh(dup)
    assert not dup.is_active
    assert [row.team.id for row in teams.list_teams("重複") if row.team.is_active] == [keep.id]


def test_merge_run_twice_changes_nothing_the_second_time(twice):
    keep, dup, staff = twice
    team_merge.merge(keep.id, dup.id, by=staff)
    db.session.commit()
    before = table_counts()
    again = team_merge.merge(keep.id, dup.id, by=staff)
    db.session.commit()
    assert again.empty and table_counts() == before


def test_a_changed_plan_is_refused(twice):
    keep, dup, staff = twice
    preview = team_merge.plan(keep.id, dup.id)
    factories.make_athlete(dup)  # someone adds an athlete after the preview
    with pytest.raises(RuleViolation, match="もう一度確認"):
        team_merge.merge(keep.id, dup.id, by=staff, fingerprint=preview.fingerprint)
    db.session.rollback()


def test_merge_pages(client, login_as, twice):
    keep, dup, _ = twice
    login_as("staff")
    page = client.get(f"/admin/teams/{dup.id}/merge?keep={keep.id}").get_data(as_text=True)
    assert "同じ選手" in page and "同じ大会の下書き" in page and "この内容で統合する" in page
    fingerprint = team_merge.plan(keep.id, dup.id).fingerprint
    response = client.post(
        f"/admin/teams/{dup.id}/merge", data={"keep": keep.id, "fingerprint": fingerprint}
    )
    assert response.status_code == 302
    assert db.session.get(Organization, dup.id).is_active is False
    assert client.get(f"/admin/teams/{dup.id}/merge?keep={dup.id}").status_code == 422
    login_as("official")
    assert client.post(f"/admin/teams/{dup.id}/merge", data={"keep": keep.id}).status_code == 403


def test_two_staff_merging_at_once_merge_once(app, twice):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency test runs on PostgreSQL")
    keep, dup, staff = twice
    keep_id, dup_id, staff_id = keep.id, dup.id, staff.id
    start = threading.Barrier(2)
    results: list[bool] = []

    def run() -> None:
        with app.app_context():
            by = db.session.get(User, staff_id)
            start.wait()
            try:
                results.append(team_merge.merge(keep_id, dup_id, by=by).empty)
                db.session.commit()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True]
    merges = select(func.count()).where(AuditEvent.action == "organization.merge")
    assert db.session.scalar(merges) == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(Athlete).where(Athlete.organization_id == dup_id)
        )
        == 0
    )


def _parking_request(meet, coach, cars: int) -> None:
    parking.save_request(
        meet.id,
        by=coach,
        counts={"large_bus": 0, "medium_bus": 0, "car": cars},
        arrival_time=time(7, 30),
        departure_time=time(17, 0),
        driver_phone="090-1111-2222",
    )


def test_parking_requests_move_and_one_per_meet_stays_with_the_merged_team(twice):
    keep, dup, staff = twice
    meets = [factories.make_meet(), factories.make_meet()]
    for meet in meets:
        parking.save_lot(
            meet.id, by=staff, name="A", capacities={"large_bus": 1, "medium_bus": 1, "car": 9}
        )
        parking.save_settings(meet.id, by=staff, enabled=True, entry_time=time(7, 0),
                              exit_time=time(18, 0), rules="")  # fmt: skip
    keep_coach = factories.make_user(organization=keep)
    dup_coach = factories.make_user(organization=dup)
    _parking_request(meets[0], keep_coach, cars=2)
    _parking_request(meets[0], dup_coach, cars=5)  # the same meet: a conflict
    _parking_request(meets[1], dup_coach, cars=3)  # only the duplicate asked: it moves
    db.session.commit()

    preview = team_merge.plan(keep.id, dup.id)
    assert dict(preview.moves)["駐車場申請"] == 1
    assert "同じ大会の駐車場申請" in [c.kind for c in preview.conflicts]
    before = table_counts()
    team_merge.merge(keep.id, dup.id, by=staff, fingerprint=preview.fingerprint)
    db.session.commit()

    held = dict(
        db.session.execute(
            select(ParkingRequest.meet_id, ParkingRequest.car).where(
                ParkingRequest.organization_id == keep.id
            )
        ).all()
    )
    assert held == {meets[0].id: 2, meets[1].id: 3}
    assert table_counts()["parking_requests"] == before["parking_requests"]  # nothing deleted
