"""Staff back office: teams, athletes across teams, people, the audit log and 履歴 panels."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import AuditEvent, Meet, OrganizationAlias, OutboxMessage, Role, User
from nitsys.services import accounts, athlete_search, athletes, audit, audit_log, payments, teams
from tests import factories
from tests.test_payments_service import png_bytes


@pytest.fixture
def coach(app):
    team = factories.make_organization(
        name="東西大学", name_kana="トウザイダイガク", short_name="東西大",
        representative_name="代表 一郎", representative_phone="03-9999-0000",
    )  # fmt: skip
    return factories.make_user(organization=team, full_name="監督 二郎")


@pytest.fixture
def runner(coach):
    return factories.make_athlete(
        coach, last_name="佐藤", first_name="健太", last_name_kana="サトウ",
        first_name_kana="ケンタ", last_name_en="SATO", first_name_en="Kenta",
        jaaf_id="12345678901",
    )  # fmt: skip


def outbox_to(address: str) -> list[OutboxMessage]:
    return db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.to_address == address)
    ).all()


# ------------------------------------------------------------------------------- teams


def test_team_list_finds_by_name_kana_hiragana_and_a_kept_alias(coach):
    factories.make_organization(name="南北高校", name_kana="ナンボクコウコウ")
    found = lambda text: [row.team.name for row in teams.list_teams(text)]  # noqa: E731
    assert found("東西") == ["東西大学"]
    assert found("とうざい") == ["東西大学"]
    assert found("トウザイ") == ["東西大学"]
    db.session.add(OrganizationAlias(organization_id=coach.organization_id, name="旧東西体育会"))
    db.session.commit()
    assert found("旧東西") == ["東西大学"]


def test_team_list_counts_members_athletes_and_this_meets_payments(coach, runner):
    race = factories.make_race()
    factories.make_user(organization=coach.organization)
    factories.make_submitted_entries(coach, race, count=2)
    meet = db.session.get(Meet, race.meet_id)
    (row,) = teams.list_teams("東西", meet=meet)
    assert (row.members, row.athletes) == (2, 3)
    assert (row.applications, row.unpaid, row.paid) == (1, 1, 0)


def test_official_reads_team_page_with_contact_members_and_applications(client, login_as, coach):
    race = factories.make_race()
    application = factories.make_submitted_entries(coach, race)
    login_as("official")
    page = client.get(f"/admin/teams/{coach.organization_id}").get_data(as_text=True)
    assert "代表 一郎" in page and "03-9999-0000" in page
    assert "監督 二郎" in page and application.number in page
    assert "全端末からログアウト" not in page  # officials read only
    listing = client.get("/admin/teams?q=とうざい").get_data(as_text=True)
    assert "東西大学" in listing


def test_participants_cannot_open_the_back_office(client, login_as, coach):
    login_as(coach)
    for path in ("/admin/teams", f"/admin/teams/{coach.organization_id}", "/admin/athletes"):
        assert client.get(path).status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_payment_desk_links_the_application_to_its_team(client, login_as, coach):
    application = factories.make_submitted_entries(coach, factories.make_race())
    slip = payments.upload_slip(application.id, by=coach, data=png_bytes(), filename="a.png")
    db.session.commit()
    login_as("official")
    page = client.get("/admin/payments").get_data(as_text=True)
    assert f"/admin/teams/{coach.organization_id}" in page
    slip_page = client.get(f"/admin/payments/slips/{slip.id}").get_data(as_text=True)
    assert f"/admin/teams/{coach.organization_id}" in slip_page


def test_staff_note_is_kept_and_audited(client, login_as, coach):
    staff = login_as("staff")
    client.post(
        f"/admin/teams/{coach.organization_id}/notes", data={"body": "明細の名義違い。電話済み"}
    )
    page = client.get(f"/admin/teams/{coach.organization_id}").get_data(as_text=True)
    assert "明細の名義違い。電話済み" in page and staff.full_name in page
    response = client.post(
        f"/admin/teams/{coach.organization_id}/notes", data={"body": "  "}, follow_redirects=True
    )
    assert "メモを入力してください" in response.get_data(as_text=True)


# ----------------------------------------------------------------------------- athletes


@pytest.mark.parametrize("text", ["佐藤健太", "佐藤 健太", "さとう", "サトウケンタ", "ｻﾄｳ", "sato kenta", "Kenta Sato", "12345678901"])  # fmt: skip
def test_athlete_search_across_teams(runner, text):
    factories.make_athlete(last_name="鈴木", last_name_kana="スズキ", last_name_en="SUZUKI")
    assert [found.athlete.id for found in athlete_search.search(text)] == [runner.id]


def test_athlete_search_by_bib_in_a_meet(coach, runner):
    race = factories.make_race()
    application = factories.make_submitted_entries(coach, race)
    entry = application.entries[0]
    factories.make_heat_with_slots(race, [entry], bib=777)
    (found,) = athlete_search.search("７７７", meet_id=race.meet_id)
    assert found.athlete.id == entry.athlete_id
    assert [(e.entry_id, e.bib) for e in found.entries] == [(entry.id, 777)]
    assert athlete_search.search("777", meet_id=race.meet_id + 1) == []
    assert athlete_search.search("1" * 30) == []  # too long for a bib: nothing, not a 500


def test_search_page_shows_team_and_entries(client, login_as, runner):
    login_as("official")
    page = client.get("/admin/athletes?q=さとう").get_data(as_text=True)
    assert "佐藤 健太" in page and "東西大学" in page


def test_staff_correct_an_athlete_for_the_team(client, login_as, runner, coach):
    staff = login_as("staff")
    form = {f"fix-{k}": v for k, v in form_of(runner).items()}
    refused = client.post(
        f"/admin/athletes/{runner.id}/correct", data={**form, "fix-birth_date": "2003-04-02"}
    )
    assert refused.status_code == 422 and "理由" in refused.get_data(as_text=True)
    bad = client.post(
        f"/admin/athletes/{runner.id}/correct",
        data={**form, "fix-birth_date": "2003-02-30", "reason": "電話連絡"},
    )
    assert bad.status_code == 422  # the roster form's rules
    client.post(
        f"/admin/athletes/{runner.id}/correct",
        data={**form, "fix-birth_date": "2003-04-02", "reason": "団体から電話で訂正の連絡"},
    )
    db.session.refresh(runner)
    assert runner.birth_date == date(2003, 4, 2)
    (event,) = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "athlete.staff_correction")
    ).all()
    assert event.actor_id == staff.id and event.after["reason"] == "団体から電話で訂正の連絡"
    (mail,) = outbox_to(coach.organization.representative_email)
    assert "2003-04-02" in mail.body_text and "団体から電話で訂正の連絡" in mail.body_text
    page = client.get(f"/admin/athletes/{runner.id}").get_data(as_text=True)
    assert "履歴" in page and "2004-05-01" in page and "2003-04-02" in page


def test_correction_refuses_a_duplicate_within_the_team(app, runner, coach):
    other = factories.make_athlete(coach, jaaf_id="99999999999")
    staff = factories.make_user(role="staff")
    raw = {**form_of(other), "jaaf_id": runner.jaaf_id}
    with pytest.raises(athletes.AthleteInvalid, match="既に登録"):
        athletes.correct_on_behalf(staff, other.id, raw, reason="訂正")


def form_of(athlete) -> dict:
    return {
        "last_name": athlete.last_name, "first_name": athlete.first_name,
        "last_name_kana": athlete.last_name_kana, "first_name_kana": athlete.first_name_kana,
        "last_name_en": athlete.last_name_en, "first_name_en": athlete.first_name_en,
        "gender": athlete.gender.value, "birth_date": athlete.birth_date.isoformat(),
        "grade": athlete.grade, "pref": athlete.pref_code, "jaaf_id": athlete.jaaf_id,
        "nationality": athlete.nationality,
    }  # fmt: skip


# ------------------------------------------------------------------------------- people


def test_deactivate_signs_out_tells_the_person_and_reactivate(client, login_as, coach):
    login_as("staff")
    old_id = coach.get_id()
    client.post(f"/admin/users/{coach.id}/active", data={"active": "0", "reason": "退部のため"})
    db.session.refresh(coach)
    assert not coach.is_active and coach.get_id() != old_id
    assert accounts.authenticate(coach.email, factories.PASSWORD) is None
    (mail,) = outbox_to(coach.email)
    assert "停止" in mail.subject and "退部のため" in mail.body_text
    client.post(f"/admin/users/{coach.id}/active", data={"active": "1"})
    db.session.refresh(coach)
    assert coach.is_active


def test_end_all_sessions_logs_the_user_out(app, coach):
    other = app.test_client()
    factories.log_in(other, coach)
    assert other.get("/my/").status_code == 200
    staff = factories.make_user(role="staff")
    accounts.end_all_sessions(coach, by=staff)
    db.session.commit()
    assert other.get("/my/").status_code in (302, 401)


def test_reset_link_and_invitation_are_mailed_and_audited(client, login_as, coach):
    login_as("staff")
    client.post(f"/admin/users/{coach.id}/reset-link")
    assert "パスワード再設定" in outbox_to(coach.email)[0].subject
    client.post(f"/admin/teams/{coach.organization_id}/invite", data={"email": "New@Example.jp"})
    assert "東西大学 への招待" in outbox_to("new@example.jp")[0].subject
    page = client.get(f"/admin/teams/{coach.organization_id}").get_data(as_text=True)
    assert "new@example.jp" in page and "招待を再送" in page
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"user.reset_link_sent", "organization.invite"} <= actions


def test_last_active_staff_cannot_be_demoted_or_deactivated(client, login_as):
    first = login_as("staff")
    with pytest.raises(RuleViolation, match="最後の管理者"):
        accounts.change_role(first, first, Role.OFFICIAL)
    second = factories.make_user(role="staff")
    response = client.post(f"/admin/users/{second.id}/active", data={"active": "0"})
    assert response.status_code == 302  # two active staff: one may go
    db.session.refresh(second)
    assert not second.is_active
    with pytest.raises(RuleViolation, match="最後の管理者"):
        accounts.set_active(second, first, False)
    with pytest.raises(RuleViolation, match="最後の管理者"):
        accounts.change_role(second, first, Role.PARTICIPANT)
    db.session.refresh(first)
    assert first.is_active and first.role is Role.STAFF


STAFF_POSTS = [
    "/admin/teams/{team}/notes",
    "/admin/teams/{team}/invite",
    "/admin/users/{user}/active",
    "/admin/users/{user}/sessions/end",
    "/admin/users/{user}/reset-link",
    "/admin/athletes/{athlete}/correct",
    "/admin/system/pauses/api",
    "/admin/users/{user}/role",
    "/admin/teams/{team}/merge",
    "/admin/athletes/{athlete}/erase",
]


def test_officials_get_403_on_every_change_here(client, login_as, coach, runner):
    login_as("official")
    for path in STAFF_POSTS:
        url = path.format(team=coach.organization_id, user=coach.id, athlete=runner.id)
        assert (
            client.post(url, data={"active": "0", "body": "x", "email": "a@b.jp"}).status_code
            == 403
        ), url
    assert outbox_to("a@b.jp") == [] and db.session.get(User, coach.id).is_active
    assert db.session.get(type(runner), runner.id).jaaf_id == "12345678901"
    for path in (
        f"/admin/teams/{coach.organization_id}/export.xlsx",
        "/admin/audit",
        "/admin/audit.csv",
    ):
        assert client.get(path).status_code == 403, path


# ---------------------------------------------------------------------------- audit log


def _events(n: int, **fields) -> None:
    for i in range(n):
        audit.record(None, fields.get("action", "test.event"), object_type=fields.get("object_type", "meets"), object_id=fields.get("object_id", i), meet_id=fields.get("meet_id"), after={"n": i})  # fmt: skip
    db.session.commit()


def test_audit_log_keyset_pages_cover_everything_once(app):
    _events(120)
    seen, before = [], None
    while True:
        page = audit_log.page(audit_log.Filters(), before=before)
        seen += [e.id for e in page.events]
        if page.next_before is None:
            break
        before = page.next_before
    assert len(seen) == 120 == len(set(seen)) and seen == sorted(seen, reverse=True)


def test_audit_log_filters_and_page(client, login_as):
    staff = login_as("staff")
    _events(3, action="payment.approve", meet_id=7)
    _events(2, action="heat.lock", object_type="heats", object_id=42)
    audit.record(staff, "team.note", object_type="organizations", object_id=1)
    db.session.commit()
    filters = audit_log.Filters.from_args
    assert len(audit_log.page(filters({"action": "payment.approve"})).events) == 3
    assert len(audit_log.page(filters({"meet_id": "7"})).events) == 3
    assert len(audit_log.page(filters({"object_type": "heats", "object_id": "42"})).events) == 2
    assert len(audit_log.page(filters({"actor_id": str(staff.id)})).events) == 1
    today = datetime.now(TOKYO).date().isoformat()
    assert len(audit_log.page(filters({"since": today, "until": today})).events) >= 6
    page = client.get(f"/admin/audit?actor={staff.email}").get_data(as_text=True)
    assert "team.note" in page and "payment.approve" not in page
    bad = client.get("/admin/audit?object_id=abc")
    assert bad.status_code == 422 and "数字で指定" in bad.get_data(as_text=True)
    assert client.get("/admin/audit?since=2026-13-01").status_code == 422
    assert client.get("/admin/audit?actor=nobody@example.jp").status_code == 422


def test_audit_csv_is_the_filtered_view_and_is_logged(client, login_as):
    staff = login_as("staff")
    _events(2, action="payment.approve")
    _events(1, action="heat.lock")
    response = client.get("/admin/audit.csv?action=payment.approve")
    text = response.data.decode("utf-8-sig")
    assert text.count("payment.approve") == 2 and "heat.lock" not in text
    logged = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "audit_log.export"))
    assert logged.actor_id == staff.id and logged.after["rows"] == 2


def test_history_panel_of_an_object(client, login_as):
    login_as("staff")
    _events(2, action="heat.lock", object_type="heats", object_id=5)
    panel = client.get("/admin/audit/history/heats/5").get_data(as_text=True)
    assert panel.count("heat.lock") == 2
    assert client.get("/admin/audit/history/passwords/5").status_code == 404


def test_object_pages_offer_their_history_panel(client, login_as, coach):
    application = factories.make_submitted_entries(coach, factories.make_race())
    slip = payments.upload_slip(application.id, by=coach, data=png_bytes(), filename="a.png")
    db.session.commit()
    login_as("staff")
    slip_page = client.get(f"/admin/payments/slips/{slip.id}").get_data(as_text=True)
    assert f"/admin/audit/history/applications/{application.id}" in slip_page
    meet_page = client.get(f"/admin/meets/{application.meet_id}").get_data(as_text=True)
    assert f"/admin/audit/history/meets/{application.meet_id}" in meet_page
    panel = client.get(f"/admin/audit/history/applications/{application.id}")
    text = panel.get_data(as_text=True)
    assert "application.submit" in text and "application.create" in text
    login_as("official")  # officials read the history of what they can see, not the log
    official_view = client.get(f"/admin/payments/slips/{slip.id}").get_data(as_text=True)
    assert f"/admin/audit/history/applications/{application.id}" in official_view
    assert "/admin/audit?" not in official_view
    assert "application.submit" in client.get(panel.request.path).get_data(as_text=True)
    assert client.get("/admin/audit/history/system_settings/1").status_code == 403


def test_role_change_with_a_reason_tells_the_person(client, login_as, coach):
    login_as("staff")
    client.post(
        f"/admin/users/{coach.id}/role", data={"role": "official", "reason": "大会役員を担当"}
    )
    db.session.refresh(coach)
    assert coach.role is Role.OFFICIAL
    (mail,) = outbox_to(coach.email)
    assert "役員" in mail.body_text and "大会役員を担当" in mail.body_text


def test_people_without_a_team_are_managed_from_the_users_page(client, login_as):
    login_as("staff")
    official = factories.make_user(role="official", full_name="役員 三郎")
    page = client.get("/admin/users?q=役員").get_data(as_text=True)
    assert f"/admin/users/{official.id}/sessions/end" in page
    response = client.post(f"/admin/users/{official.id}/sessions/end")
    assert response.status_code == 302 and "/admin/users" in response.headers["Location"]
    assert "すべての端末からログアウト" in outbox_to(official.email)[0].subject


def test_audit_log_links_filter_by_actor_and_action(client, login_as):
    staff = login_as("staff")
    audit.record(staff, "team.note", object_type="organizations", object_id=1)
    _events(2, action="heat.lock")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert f"/admin/audit?actor_id={staff.id}" in page and "/admin/audit?action=heat.lock" in page
    by_actor = client.get(f"/admin/audit?actor_id={staff.id}").get_data(as_text=True)
    assert "team.note" in by_actor and "heat.lock</code>" not in by_actor
    assert f'name="actor_id" value="{staff.id}"' in by_actor  # kept when the form is sent again


def test_a_day_range_keeps_rows_written_out_of_order_at_its_edges(app):
    from datetime import timedelta

    midnight = datetime(2026, 5, 2, tzinfo=TOKYO)
    offsets = [-90, 0.5, -0.5, 1, 86399.5, 86400.2, 86399.9]  # seconds from the day's start
    for n, seconds in enumerate(offsets):
        audit.record(None, "test.edge", object_type="meets", object_id=n)
        db.session.flush()
        db.session.execute(
            db.update(AuditEvent)
            .where(AuditEvent.object_id == n, AuditEvent.action == "test.edge")
            .values(at=midnight + timedelta(seconds=seconds))
        )
    db.session.commit()
    page = audit_log.page(
        audit_log.Filters.from_args({"since": "2026-05-02", "until": "2026-05-02"})
    )
    assert sorted(e.object_id for e in page.events) == [1, 3, 4, 6]
