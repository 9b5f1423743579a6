"""Findings of the security and reliability probe (issue 13), each kept closed by a test."""

from __future__ import annotations

from nitsys import create_app
from tests import conftest

# 1. Logout ends the session -------------------------------------------------------------


def test_cookie_copied_before_logout_no_longer_opens_the_account(app, client, login_as):
    login_as("participant")
    assert client.get("/my/").status_code == 200
    copied = client.get_cookie("session").value
    client.post("/auth/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    replay = thief.get("/my/")
    assert replay.status_code == 302
    assert "/auth/login" in replay.headers["Location"]


# 7. /readyz tells anonymous callers nothing about the database --------------------------


def test_readyz_does_not_show_database_connection_details(tmp_path):
    url = "postgresql://postgres@127.0.0.1:9/secret_meet_db?connect_timeout=1"
    broken = create_app(conftest.test_settings(url))
    response = broken.test_client().get("/readyz")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert body == "database unreachable\n"
    for detail in ("127.0.0.1", "secret_meet_db", "5432", ":9"):
        assert detail not in body
