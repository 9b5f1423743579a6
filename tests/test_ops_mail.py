"""Mail with the guide's settings through a real SMTP server; the staff outbox page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nitsys import create_app
from nitsys.extensions import db
from nitsys.models import OutboxMessage, OutboxStatus
from nitsys.services import deploy_checks, outbox
from tests import conftest
from tests.smtp_server import PASSWORD, USERNAME, smtp_server


@pytest.fixture
def smtp(tmp_path):
    with smtp_server(tmp_path) as server:
        yield server


def guide_settings(monkeypatch, port: int, password: str = PASSWORD) -> None:
    """The SendGrid block of the guide, pointed at the local server."""
    monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("EMAIL_PORT", str(port))
    monkeypatch.setenv("EMAIL_USE_TLS", "True")
    monkeypatch.setenv("EMAIL_HOST_USER", USERNAME)
    monkeypatch.setenv("EMAIL_HOST_PASSWORD", password)
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", "noreply@nitsys.jp")


@pytest.fixture
def smtp_app(app, database_url, smtp, monkeypatch):
    """An app configured only by the guide's environment variables (as production is)."""
    guide_settings(monkeypatch, smtp[1])
    mail_app = create_app(
        conftest.test_settings(database_url, MAIL_TRANSPORT="smtp", MAIL_SUPPRESS_SEND=False)
    )
    with mail_app.app_context():
        yield mail_app
        db.session.remove()
        db.engine.dispose()


def test_the_worker_delivers_queued_mail_over_starttls_with_auth(smtp_app, smtp):
    inbox = smtp[0]
    with smtp_app.test_request_context():
        outbox.enqueue("coach@example.jp", "mail_test", subject="テストメール")
    db.session.commit()

    result = smtp_app.test_cli_runner().invoke(args=["mail-worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "送信 1 件" in result.output
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["coach@example.jp"]
    assert envelope.mail_from == "noreply@nitsys.jp"
    assert inbox.logins == [True]
    db.session.remove()
    assert db.session.scalar(select(OutboxMessage.status)) is OutboxStatus.SENT


def test_mail_test_command(smtp_app, smtp):
    result = smtp_app.test_cli_runner().invoke(args=["mail-test", "office@example.jp"])
    assert result.exit_code == 0, result.output
    assert "office@example.jp にテストメールを送信しました" in result.output
    assert smtp[0].messages[0].rcpt_tos == ["office@example.jp"]


def test_a_wrong_password_is_reported_and_the_message_kept(app, database_url, smtp, monkeypatch):
    guide_settings(monkeypatch, smtp[1], password="wrong")
    bad = create_app(
        conftest.test_settings(database_url, MAIL_TRANSPORT="smtp", MAIL_SUPPRESS_SEND=False)
    )
    with bad.app_context():
        result = bad.test_cli_runner().invoke(args=["mail-test", "office@example.jp"])
        db.session.remove()
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.status is OutboxStatus.PENDING  # retried later, never lost
        db.engine.dispose()
    assert result.exit_code == 1
    assert "送信に失敗しました" in result.output and "SMTPAuthenticationError" in result.output
    assert smtp[0].messages == []


def test_dry_smtp_connection_logs_in_and_sends_nothing(smtp_app, smtp, monkeypatch):
    inbox, _port, cert = smtp
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the local server's certificate
    check = deploy_checks.check_mail(smtp_app.config)
    assert check.ok, check.detail
    assert inbox.logins == [True] and inbox.messages == []


def test_dry_smtp_connection_refuses_an_untrusted_certificate(smtp_app, smtp):
    check = deploy_checks.check_mail(smtp_app.config)
    assert not check.ok
    assert "CERTIFICATE_VERIFY_FAILED" in check.detail


def test_staff_outbox_page_lists_failures_and_retries(app, client, login_as):
    db.session.add_all(
        [
            OutboxMessage(
                to_address="ok@example.jp",
                subject="届いた",
                body_text="b",
                status=OutboxStatus.SENT,
            ),
            OutboxMessage(
                to_address="ng@example.jp",
                subject="届かない",
                body_text="b",
                status=OutboxStatus.FAILED,
                attempts=8,
                last_error="SMTPRecipientsRefused: 550 no such user",
            ),
        ]
    )
    db.session.commit()
    login_as("staff")
    page = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "ng@example.jp" in page and "550 no such user" in page
    assert "ok@example.jp" not in page

    failed = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == "ng@example.jp")
    )
    response = client.post(f"/admin/outbox/{failed.id}/retry", follow_redirects=True)
    assert "送信待ちに戻しました" in response.get_data(as_text=True)
    db.session.refresh(failed)
    assert (failed.status, failed.attempts) == (OutboxStatus.PENDING, 0)


def test_participants_cannot_see_the_outbox(client, login_as):
    login_as("participant")
    assert client.get("/admin/outbox").status_code == 403
