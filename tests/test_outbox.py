"""The mail outbox: queued in the transaction, delivered by the worker, retried, never twice."""

from datetime import timedelta

from sqlalchemy import select

from nitsys.extensions import db
from nitsys.models import OutboxMessage, OutboxStatus
from nitsys.models.base import utcnow
from nitsys.services import outbox


def _queue(**kwargs) -> OutboxMessage:
    message = outbox.enqueue("coach@example.jp", "mail_test", subject="テスト", **kwargs)
    db.session.commit()
    return message


def test_a_dedupe_key_queues_a_message_once(app):
    first = _queue(dedupe_key="payment.approved:1")
    second = _queue(dedupe_key="payment.approved:1")
    assert first.id == second.id
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 1


def test_worker_delivers_and_marks_sent(app, capsys):
    message = _queue()
    assert outbox.deliver_due() == (1, 0)
    assert message.status is OutboxStatus.SENT
    assert "[NIT-SYS] テスト" in capsys.readouterr().out
    assert outbox.deliver_due() == (0, 0)


def test_failed_delivery_is_retried_later_then_marked_failed(app, monkeypatch):
    def broken(_message):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(outbox, "transport", broken)
    message = _queue()
    assert outbox.deliver_due() == (0, 1)
    assert message.status is OutboxStatus.PENDING
    assert message.next_attempt_at > utcnow()
    assert "smtp down" in message.last_error
    assert outbox.deliver_due() == (0, 0)  # not due yet
    for _ in range(outbox.MAX_ATTEMPTS):
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        outbox.deliver_due()
    assert message.status is OutboxStatus.FAILED
    outbox.retry(message)
    assert message.status is OutboxStatus.PENDING


def test_file_transport_writes_an_eml(app, tmp_path):
    app.config.update(MAIL_TRANSPORT="file", MAIL_FILE_DIR=str(tmp_path))
    try:
        _queue()
        outbox.deliver_due()
    finally:
        app.config["MAIL_TRANSPORT"] = "console"
    written = list(tmp_path.glob("*.eml"))
    assert len(written) == 1
    assert "coach@example.jp" in written[0].read_text()


def test_mail_test_command_sends(app):
    result = app.test_cli_runner().invoke(args=["mail-test", "ops@example.jp"])
    assert result.exit_code == 0, result.output
    assert "ops@example.jp" in result.output
