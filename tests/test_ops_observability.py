"""Sentry (through a capturing transport, no network) and the request/security log."""

from __future__ import annotations

import logging

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from nitsys import create_app
from nitsys.extensions import db
from nitsys.models import Organization
from nitsys.observability import scrub
from nitsys.services import outbox
from tests import conftest, factories
from tests.smtp_server import free_port


class CapturingTransport(Transport):
    def __init__(self):
        super().__init__()
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def events(self) -> list[dict]:
        return [e.get_event() for e in self.envelopes if e.get_event() is not None]

    def raw(self) -> str:
        return "".join(e.serialize().decode() for e in self.envelopes)


@pytest.fixture
def sentry_app(app, database_url):
    # A client left on any scope by an earlier test would take the events instead of ours.
    for scope in (
        sentry_sdk.get_current_scope(),
        sentry_sdk.get_isolation_scope(),
        sentry_sdk.get_global_scope(),
    ):
        scope.set_client(None)
    transport = CapturingTransport()
    settings = conftest.test_settings(
        database_url,
        SENTRY_DSN="https://abc123@o1.ingest.sentry.io/42",
        SENTRY_ENVIRONMENT="production",
        SENTRY_TRACES_SAMPLE_RATE=1.0,  # every request also sends a performance trace
        SENTRY_TRANSPORT=transport,
        MAIL_TRANSPORT="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=free_port(),  # nothing listens there
        MAIL_USE_TLS=False,
        MAIL_SUPPRESS_SEND=False,
    )
    sentry = create_app(settings)

    @sentry.post("/boom")
    def boom():
        raise ValueError("集計に失敗 coach@example.jp")

    with sentry.app_context():
        yield sentry, transport
        db.session.remove()
        db.engine.dispose()
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def test_sentry_test_sends_the_guides_message(sentry_app, monkeypatch):
    app, transport = sentry_app
    result = app.test_cli_runner().invoke(args=["sentry-test"])
    assert result.exit_code == 0, result.output
    [event] = transport.events()
    assert event["message"] == "Test message from NIT-SYS"
    assert event["environment"] == "production"
    assert event["release"]


def test_sentry_test_without_a_dsn_says_so(app):
    result = app.test_cli_runner().invoke(args=["sentry-test"])
    assert result.exit_code == 1 and "SENTRY_DSN が設定されていない" in result.output


def test_an_unhandled_error_is_reported_without_personal_data(sentry_app):
    app, transport = sentry_app
    response = app.test_client().post(
        "/boom", data={"email": "coach@example.jp", "password": "hunter2-secret"}
    )
    assert response.status_code == 500
    [event] = transport.events()
    assert event["exception"]["values"][0]["type"] == "ValueError"
    raw = transport.raw()
    assert '"type":"transaction"' in raw  # the trace of the request, scrubbed as well
    assert "hunter2-secret" not in raw and "coach@example.jp" not in raw


def test_mail_worker_failures_are_reported(sentry_app):
    app, transport = sentry_app
    with app.test_request_context():
        outbox.enqueue("coach@example.jp", "mail_test", subject="テストメール")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail-worker", "--once"])
    assert "失敗 1 件" in result.output
    [event] = transport.events()
    assert event["exception"]["values"][0]["type"] == "ConnectionRefusedError"


def test_scrub_filters_secrets_by_name_and_emails_anywhere():
    event = {
        "request": {"data": {"password": "x", "csrf_token": "y", "name": "a@b.jp さん"}},
        "extra": {"Authorization": "Bearer z", "rows": ["c@d.jp"]},
    }
    assert scrub(event) == {
        "request": {
            "data": {"password": "[Filtered]", "csrf_token": "[Filtered]", "name": "[email] さん"}
        },
        "extra": {"Authorization": "[Filtered]", "rows": ["[email]"]},
    }


# --- request and security log -------------------------------------------------------------


def test_one_structured_line_per_request_with_user_id(app, client, login_as, caplog):
    user = login_as("participant")
    with caplog.at_level(logging.INFO, logger="nitsys.request"):
        client.get("/my/")
    [line] = [r.getMessage() for r in caplog.records if r.name == "nitsys.request"]
    assert line.startswith("method=GET path=/my/ status=200 duration_ms=")
    assert line.endswith(f"user={user.id}")


def test_failed_login_is_logged_without_the_password(app, client, caplog):
    factories.make_user(email="coach@example.jp")
    with caplog.at_level(logging.INFO):
        client.post("/auth/login", data={"email": "coach@example.jp", "password": "hunter2-secret"})
    assert "login.failure" in caplog.text
    assert "method=POST path=/auth/login status=422" in caplog.text
    assert "hunter2-secret" not in caplog.text


def test_throttling_is_a_security_event(app, client, caplog):
    with caplog.at_level(logging.INFO, logger="nitsys.security"):
        for _ in range(6):
            response = client.post(
                "/auth/login", data={"email": "x@example.jp", "password": "nope"}
            )
    assert response.status_code == 429
    assert "throttled" in caplog.text


def test_tokens_in_urls_never_reach_the_log(app, client, caplog):
    with caplog.at_level(logging.INFO):
        client.get("/auth/password-reset/secret-token-value")
    assert "secret-token-value" not in caplog.text
    assert "path=/auth/password-reset/<token>" in caplog.text


def test_permission_denials_are_logged(client, login_as, caplog):
    login_as("participant")
    with caplog.at_level(logging.INFO, logger="nitsys.security"):
        assert client.get("/admin/system").status_code == 403
    assert "permission.denied" in caplog.text


def test_a_login_logs_the_user_id_but_not_the_session_nonce(app, client, caplog):
    user = factories.make_user(email="coach@example.jp")
    with caplog.at_level(logging.INFO, logger="nitsys.security"):
        client.post(
            "/auth/login", data={"email": "coach@example.jp", "password": factories.PASSWORD}
        )
    assert f"login.success user={user.id} " in caplog.text
    assert user.session_nonce not in caplog.text


def test_a_trimmed_request_body_is_scrubbed_too():
    from sentry_sdk.utils import AnnotatedValue

    from nitsys.observability import before_send

    body = AnnotatedValue({"email": "coach@example.jp", "password": "hunter2"}, {"len": 2})
    event = before_send({"request": {"data": body}}, None)
    data = event["request"]["data"].value
    assert "coach@example.jp" not in str(data) and "hunter2" not in str(data)


def test_the_error_page_still_renders_after_a_failed_database_write(client, login_as, monkeypatch):
    coach = login_as("participant")
    race = factories.make_race()

    def clashing_write(*_args, **_kwargs):
        db.session.add(Organization(name=coach.organization.name, name_kana="ア"))
        db.session.flush()  # IntegrityError: the session now needs a rollback

    monkeypatch.setattr("nitsys.services.entries.add_entry", clashing_write)
    response = client.post(f"/my/meets/{race.meet_id}/entry", data={"race_id": race.id})

    assert response.status_code == 500
    assert "サーバーでエラーが発生しました" in response.get_data(as_text=True)
