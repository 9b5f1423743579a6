"""Registration, invitations, password reset, profile and roles, through the pages."""

import re

from sqlalchemy import select

from nitsys.extensions import db
from nitsys.models import AuditEvent, Organization, OutboxMessage, Role, User
from tests import factories

TEAM_FORM = {
    "kind": "team",
    "email": "Coach@Example.jp",
    "password": "hashiru-2026",
    "password_confirm": "hashiru-2026",
    "full_name": "日体 太郎",
    "full_name_kana": "ニッタイ タロウ",
    "phone": "090-1234-5678",
    "org_type": "university",
    "org_name": "日本体育大学",
    "org_name_kana": "ニッポンタイイクダイガク",
    "org_short_name": "日体大",
    "representative_name": "日体 花子",
    "representative_email": "rep@example.jp",
    "representative_phone": "03-1234-5678",
}


def _link_in_last_mail() -> str:
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"http://\S+", message.body_text).group(0)


def test_team_registration_creates_organization_and_first_member(client):
    response = client.post("/auth/register", data=TEAM_FORM)
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.email == "coach@example.jp"
    assert user.organization.name == "日本体育大学"
    assert user.role is Role.PARTICIPANT
    assert client.get("/my/").status_code == 200
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"organization.register", "user.register"} <= actions


def test_duplicate_organization_is_refused_and_points_to_invitation(client):
    client.post("/auth/register", data=TEAM_FORM)
    client.post("/auth/logout")
    again = client.post("/auth/register", data={**TEAM_FORM, "email": "other@example.jp"})
    assert again.status_code == 422
    assert "招待" in again.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Organization)) == 1


def test_email_is_unique_whatever_its_case(client):
    factories.make_user(email="coach@example.jp")
    response = client.post(
        "/auth/register",
        data={**TEAM_FORM, "email": "COACH@example.JP", "org_name": "別の大学"},
    )
    assert response.status_code == 302  # answered like a new address (issue 13, item 9)
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(Organization)) == 1


def test_team_fields_are_required_for_a_team(client):
    response = client.post("/auth/register", data={**TEAM_FORM, "org_name": ""})
    assert response.status_code == 422
    assert "団体登録では必須です" in response.get_data(as_text=True)


def test_individual_registration_has_no_organization(client):
    form = {k: v for k, v in TEAM_FORM.items() if not k.startswith(("org", "repr"))}
    response = client.post("/auth/register", data={**form, "kind": "individual"})
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.organization is None


def test_script_in_a_name_is_shown_as_text(client):
    client.post("/auth/register", data={**TEAM_FORM, "full_name": "<script>alert(1)</script>"})
    page = client.get("/auth/profile").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_invited_colleague_joins_the_same_organization(app, client, login_as):
    coach = login_as("participant")
    response = client.post("/auth/invite", data={"email": "second@example.jp"})
    assert response.status_code == 302
    link = _link_in_last_mail()
    client.post("/auth/logout")
    page = client.get(link)
    assert coach.organization.name in page.get_data(as_text=True)
    joined = client.post(
        link,
        data={
            "full_name": "二人目 コーチ",
            "full_name_kana": "フタリメ コーチ",
            "phone": "090-1111-2222",
            "password": "second-coach-1",
            "password_confirm": "second-coach-1",
        },
    )
    assert joined.status_code == 302
    second = db.session.scalar(select(User).where(User.email == "second@example.jp"))
    assert second.organization_id == coach.organization_id


def test_forged_invitation_link_is_refused(client):
    response = client.get("/auth/join/not-a-real-token")
    assert response.status_code == 400
    assert "正しくありません" in response.get_data(as_text=True)


def test_password_reset_link_works_once(client):
    factories.make_user(email="coach@example.jp")
    client.post("/auth/password-reset", data={"email": "coach@example.jp"})
    link = _link_in_last_mail()
    new = {"password": "brand-new-pass-1", "password_confirm": "brand-new-pass-1"}
    assert client.post(link, data=new).status_code == 302
    login = client.post(
        "/auth/login", data={"email": "coach@example.jp", "password": "brand-new-pass-1"}
    )
    assert login.status_code == 302
    reused = client.post(link, data=new)
    assert reused.status_code == 422
    assert "既に使われています" in reused.get_data(as_text=True)


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client):
    response = client.post("/auth/password-reset", data={"email": "nobody@example.jp"})
    assert response.status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0


def test_profile_edit_changes_name_and_email(client, login_as):
    user = login_as("participant")
    response = client.post(
        "/auth/profile",
        data={
            "profile-full_name": "新しい 名前",
            "profile-full_name_kana": "アタラシイ ナマエ",
            "profile-phone": "080-0000-1111",
            "profile-email": "New@Example.jp",
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.full_name, user.email) == ("新しい 名前", "new@example.jp")


def test_staff_changes_a_role_and_the_last_staff_cannot_step_down(client, login_as):
    staff = login_as("staff")
    coach = factories.make_user()
    client.post(f"/admin/users/{coach.id}/role", data={"role": "official"})
    db.session.refresh(coach)
    assert coach.role is Role.OFFICIAL
    client.post(f"/admin/users/{staff.id}/role", data={"role": "participant"})
    db.session.refresh(staff)
    assert staff.role is Role.STAFF
    page = client.get("/admin/users").get_data(as_text=True)
    assert "最後の管理者" in page


def test_create_staff_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-staff", "boss@example.jp", "--password", "staff-pass-2026"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.jp"))
    assert user.role is Role.STAFF
    assert user.check_password("staff-pass-2026")


def test_flask_help_lists_the_foundation_commands(app):
    result = app.test_cli_runner().invoke(args=["--help"])
    for command in ("seed-demo", "create-staff", "mail-worker", "mail-test"):
        assert command in result.output
