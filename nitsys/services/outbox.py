"""The mail outbox: `enqueue` inside a use case's transaction, `deliver_due` from the worker.

A mail outage never fails a user action (nothing is sent inside the request) and never loses
a message (it stays pending and is retried with back-off, then marked failed for staff).
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from flask import current_app, render_template
from flask_mail import Message
from jinja2 import TemplateNotFound
from sqlalchemy import select

from nitsys.extensions import db, mail
from nitsys.models import OutboxMessage, OutboxStatus
from nitsys.models.base import utcnow
from nitsys.services import pauses

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "[NIT-SYS] "
MAX_ATTEMPTS = 8


def enqueue(
    to_address: str,
    template: str,
    *,
    subject: str,
    dedupe_key: str | None = None,
    check_duplicate: bool = True,
    **context,
) -> OutboxMessage:
    """Queue `templates/emails/<template>.txt` (and `.html` when present) for `to_address`.

    With a `dedupe_key`, a second call for the same key returns the first message unchanged.
    `check_duplicate=False` skips that look-up when the caller already holds the row lock that
    makes a duplicate impossible; the unique `dedupe_key` still refuses one at commit.
    """
    if dedupe_key and check_duplicate:
        existing = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return existing
    body_text = render_template(f"emails/{template}.txt", **context)
    try:
        body_html = render_template(f"emails/{template}.html", **context)
    except TemplateNotFound:
        body_html = ""
    message = OutboxMessage(
        to_address=to_address,
        subject=SUBJECT_PREFIX + subject,
        body_text=body_text,
        body_html=body_html,
        dedupe_key=dedupe_key,
    )
    db.session.add(message)
    db.session.info["outbox_queued"] = True  # after the commit, a worker is told (nitsys.tasks)
    return message


def retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def _claim_next(skipped: set[int]) -> OutboxMessage | None:
    """The oldest due message, locked until the next commit (two workers never share one)."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= utcnow(),
        )
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if skipped:
        query = query.where(OutboxMessage.id.not_in(skipped))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalars(query).first()


def deliver_due(limit: int = 50) -> tuple[int, int]:
    """Send what is due; returns (sent, failed attempts). The one entry point of delivery
    (worker task, `flask mail-worker`, after-request in development).

    Each message is claimed, sent and committed in its own transaction: the row lock is held
    from the claim to the commit that marks it sent, so with several workers a message is
    delivered exactly once (claiming a batch and committing after each would free the rest).
    While mail delivery is paused (level 1) nothing is sent: messages wait in the outbox.
    """
    sent = failed = 0
    if pauses.paused("mail_delivery") is not None:
        return sent, failed
    tried: set[int] = set()
    while len(tried) < limit:
        message = _claim_next(tried)
        if message is None:
            break
        tried.add(message.id)
        if deliver(message):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    return sent, failed


def deliver(message: OutboxMessage) -> bool:
    """One delivery attempt; records the outcome on the message (the caller commits)."""
    try:
        transport(message)
    except Exception as error:  # any transport error is recorded, never raised to the user
        _record_failure(message, error)
        return False
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.attempts += 1
    message.last_error = ""
    return True


def _record_failure(message: OutboxMessage, error: Exception) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
    else:
        message.next_attempt_at = utcnow() + retry_delay(message.attempts)
    log.warning(
        "mail %s to %s failed (attempt %s): %s",
        message.id,
        message.to_address,
        message.attempts,
        message.last_error,
    )
    try:
        import sentry_sdk

        sentry_sdk.capture_exception(error)
    except ImportError:  # pragma: no cover - sentry-sdk is a requirement
        pass


def retry(message: OutboxMessage) -> None:
    """Put a failed message back in the queue (staff action)."""
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = utcnow()
    message.attempts = 0


def transport(message: OutboxMessage) -> None:
    kind = current_app.config["MAIL_TRANSPORT"]
    if kind == "smtp":
        mail.send(
            Message(
                subject=message.subject,
                recipients=[message.to_address],
                body=message.body_text,
                html=message.body_html or None,
            )
        )
    elif kind == "file":
        _write_eml(message)
    elif kind == "console":
        print(_as_text(message), file=sys.stdout, flush=True)
    else:
        raise RuntimeError(f"unknown MAIL_TRANSPORT {kind!r}")


def _as_text(message: OutboxMessage) -> str:
    rule = "-" * 72
    return (
        f"{rule}\nTo: {message.to_address}\nSubject: {message.subject}\n\n"
        f"{message.body_text}\n{rule}"
    )


def _write_eml(message: OutboxMessage) -> Path:
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    slug = re.sub(r"[^a-z0-9]+", "-", message.to_address.lower()).strip("-")
    path = folder / f"{message.id:06d}-{slug}.eml"
    path.write_bytes(bytes(email))
    return path
