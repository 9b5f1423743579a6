"""Forged requests are refused with the right status (foundation issue, SPEC §11)."""

import json
from datetime import UTC, datetime, timedelta

from tests import factories


def test_post_without_csrf_token_is_refused(csrf_app, client):
    factories.make_user(email="coach@example.jp")
    response = client.post(
        "/auth/login", data={"email": "coach@example.jp", "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert "不正な送信" in response.get_data(as_text=True)


def test_htmx_post_with_csrf_header_is_accepted(csrf_app, client):
    client.get("/auth/login")
    with client.session_transaction() as session:
        session_token = session.get("csrf_token")
    assert session_token  # the page put one in the session
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    factories.make_user(email="coach@example.jp")
    response = client.post(
        "/auth/login",
        data={"email": "coach@example.jp", "password": factories.PASSWORD},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 302


def test_wrong_host_header_is_refused(client):
    response = client.get("/", headers={"Host": "evil.example.com"})
    assert response.status_code == 400


def test_cross_origin_post_is_refused(client):
    response = client.post(
        "/auth/login",
        data={"email": "a@example.jp", "password": "x"},
        headers={"Origin": "https://evil.example.com"},
    )
    assert response.status_code == 403


def test_sixth_wrong_password_in_a_minute_is_throttled(client):
    factories.make_user(email="coach@example.jp")
    for _ in range(5):
        wrong = client.post("/auth/login", data={"email": "coach@example.jp", "password": "nope"})
        assert wrong.status_code == 422
        assert "正しくありません" in wrong.get_data(as_text=True)
    sixth = client.post(
        "/auth/login", data={"email": "coach@example.jp", "password": factories.PASSWORD}
    )
    assert sixth.status_code == 429
    assert "上限" in sixth.get_data(as_text=True)
    assert sixth.headers["Retry-After"]


def test_account_is_throttled_across_addresses(client):
    factories.make_user(email="coach@example.jp")
    for n in range(5):
        client.post(
            "/auth/login",
            data={"email": "coach@example.jp", "password": "nope"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
    response = client.post(
        "/auth/login",
        data={"email": "coach@example.jp", "password": "nope"},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert response.status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(client):
    factories.make_user(email="coach@example.jp")
    for _ in range(7):
        ok = client.post(
            "/auth/login", data={"email": "coach@example.jp", "password": factories.PASSWORD}
        )
        assert ok.status_code == 302
        client.post("/auth/logout")


def test_security_headers_forbid_inline_script(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)


def test_participant_cannot_open_staff_pages(client, login_as):
    login_as("participant")
    assert client.get("/admin/users").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/my/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def _age_session(client, *, login_minutes_ago: float, seen_minutes_ago: float):
    now = datetime.now(UTC)
    with client.session_transaction() as session:
        session["login_at"] = (now - timedelta(minutes=login_minutes_ago)).timestamp()
        session["seen_at"] = (now - timedelta(minutes=seen_minutes_ago)).timestamp()


def test_idle_session_is_logged_out_after_30_minutes(client, login_as):
    login_as("participant")
    _age_session(client, login_minutes_ago=40, seen_minutes_ago=29)
    assert client.get("/my/").status_code == 200
    _age_session(client, login_minutes_ago=40, seen_minutes_ago=31)
    response = client.get("/my/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_active_session_ends_after_12_hours(client, login_as):
    login_as("participant")
    _age_session(client, login_minutes_ago=12 * 60 + 1, seen_minutes_ago=1)
    assert client.get("/my/").status_code == 302


def test_password_change_signs_out_other_sessions(app, client, login_as):
    user = login_as("participant")
    other = app.test_client()
    factories.log_in(other, user)
    response = client.post(
        "/auth/profile/password",
        data={
            "password-current_password": factories.PASSWORD,
            "password-password": "new-secret-99",
            "password-password_confirm": "new-secret-99",
        },
    )
    assert response.status_code == 302
    assert client.get("/my/").status_code == 200
    assert other.get("/my/").status_code == 302


def test_logout_needs_post(client, login_as):
    login_as("participant")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/my/").status_code == 302


def test_error_pages_are_japanese(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.get_data(as_text=True)


def test_htmx_error_keeps_the_page_and_says_why(client):
    response = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Reswap"] == "none"
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    assert "ページが見つかりません" in toast["message"]
    assert response.headers["HX-Trigger"].isascii()  # header values must be Latin-1
