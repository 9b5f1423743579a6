"""API tokens: hashed at rest, shown once, refused when revoked, expired, unknown or lacking the
scope, attributed to their user in the audit trail; the session cookie never opens the API."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import ApiToken, AuditEvent
from nitsys.models.base import utcnow
from nitsys.services import tokens
from tests import factories
from tests.api_support import bearer, make_token

ROSTER = "/api/v1/team/athletes"


def test_secret_is_stored_only_as_its_sha256(app):
    coach = factories.make_user()
    new = tokens.create_token(coach, name="記録表", scopes=["read", "write"], days=90)
    db.session.commit()
    row = db.session.scalar(select(ApiToken))
    assert new.secret.startswith("nit_") and len(new.secret) > 40
    assert row.token_hash == hashlib.sha256(new.secret.encode()).hexdigest()
    stored = " ".join(str(value) for value in row.__dict__.values())
    assert new.secret not in stored
    assert row.prefix == new.secret[:10]
    assert row.scopes == "read write"


def test_a_valid_token_reads_and_its_use_is_recorded_for_its_user(app, client):
    coach = factories.make_user()
    factories.make_athlete(coach, last_name="高橋")
    secret = make_token(coach, "read")
    response = client.get(ROSTER, headers=bearer(secret))
    assert response.status_code == 200
    assert [a["last_name"] for a in response.get_json()] == ["高橋"]
    token = db.session.scalar(select(ApiToken))
    assert token.last_used_at is not None
    use = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.use"))
    assert use.actor_id == coach.id and use.object_id == token.id


@pytest.mark.parametrize(
    "spoil",
    [
        lambda token: setattr(token, "revoked_at", utcnow()),
        lambda token: setattr(token, "expires_at", utcnow() - timedelta(seconds=1)),
        lambda token: setattr(token.user, "is_active", False),
    ],
    ids=["revoked", "expired", "user-deactivated"],
)
def test_revoked_expired_or_deactivated_tokens_are_401(app, client, spoil):
    coach = factories.make_user()
    secret = make_token(coach, "read")
    spoil(db.session.scalar(select(ApiToken)))
    db.session.commit()
    response = client.get(ROSTER, headers=bearer(secret))
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "無効" in response.get_json()["detail"]
    assert "invalid_token" in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "header", ["Bearer nit_wrong", "Bearer ", "Basic dXNlcjpwYXNz", "nit_x", "Bearer " + "x" * 500]
)
def test_unknown_or_malformed_credentials_are_401(app, client, header):
    response = client.get(ROSTER, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["status"] == 401


def test_missing_scope_is_403_and_write_needs_write(app, client):
    coach = factories.make_user()
    read_only = make_token(coach, "read")
    response = client.post(ROSTER, json=factories.athlete_fields(), headers=bearer(read_only))
    assert response.status_code == 403
    assert "write" in response.get_json()["detail"]
    staff = factories.make_user(role="staff")
    timing = make_token(staff, "timing")
    assert client.get(ROSTER, headers=bearer(timing)).status_code == 403


def test_session_cookie_does_not_open_the_api(app, client, login_as):
    coach = login_as()
    factories.make_athlete(coach)
    response = client.get(ROSTER)
    assert response.status_code == 401
    assert client.post(ROSTER, json=factories.athlete_fields()).status_code == 401


def test_scopes_depend_on_the_account(app):
    coach = factories.make_user()
    with pytest.raises(RuleViolation, match="選べない権限"):
        tokens.create_token(coach, name="計測", scopes=["timing"], days=30)
    staff = factories.make_user(role="staff")
    with pytest.raises(RuleViolation, match="選べない権限"):
        tokens.create_token(staff, name="書き込み", scopes=["write"], days=30)
    with pytest.raises(RuleViolation, match="名前"):
        tokens.create_token(coach, name=" ", scopes=["read"], days=30)
    with pytest.raises(RuleViolation, match="有効期限"):
        tokens.create_token(coach, name="x", scopes=["read"], days="9999")


def test_profile_page_creates_shows_once_and_revokes(app, client, login_as):
    coach = login_as()
    page = client.get("/auth/profile")
    assert "API アクセストークン" in page.text
    response = client.post(
        "/auth/profile/tokens",
        data={"name": "部の記録表", "scopes": ["read", "write"], "days": "90"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    token = db.session.scalar(select(ApiToken))
    secret = response.text.split('id="token-secret"')[1].split('value="')[1].split('"')[0]
    assert tokens.hash_secret(secret) == token.token_hash
    assert "二度と表示されません" in response.text
    again = client.get("/auth/profile")
    assert secret not in again.text and token.prefix in again.text
    assert client.get(ROSTER, headers=bearer(secret)).status_code == 200

    revoked = client.post(f"/auth/profile/tokens/{token.id}/revoke", headers={"HX-Request": "true"})
    assert "取り消しました" in revoked.text and "取り消し済み" in revoked.text
    assert client.get(ROSTER, headers=bearer(secret)).status_code == 401
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == coach.id))
    assert {"api_token.create", "api_token.revoke"} <= set(events)


def test_profile_refuses_a_bad_token_form_in_place(app, client, login_as):
    login_as()
    response = client.post(
        "/auth/profile/tokens", data={"name": "", "days": "90"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "名前を入力してください" in response.text


def test_another_users_token_cannot_be_revoked(app, client, login_as):
    other = factories.make_user()
    make_token(other, "read")
    token = db.session.scalar(select(ApiToken))
    login_as()
    response = client.post(
        f"/auth/profile/tokens/{token.id}/revoke", headers={"HX-Request": "true"}
    )
    assert response.status_code == 404
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_an_idle_session_cookie_does_not_redirect_api_calls(app, client, login_as):
    coach = login_as()
    secret = make_token(coach, "read")
    with client.session_transaction() as session:
        session["seen_at"] = 0  # idle for decades
    response = client.get(ROSTER, headers=bearer(secret))
    assert response.status_code == 200
    assert client.get("/my/athletes").status_code == 302  # the pages still time out
