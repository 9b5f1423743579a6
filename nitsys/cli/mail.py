"""`flask mail-worker` delivers the outbox; `flask mail-test ADDRESS` sends a test message."""

import socket
import time

import click
from flask import Flask

from nitsys.extensions import db
from nitsys.services import outbox

SMTP_TIMEOUT_SECONDS = 30


def register(app: Flask) -> None:
    @app.cli.command("mail-worker")
    @click.option("--once", is_flag=True, help="送信待ちを一度だけ処理して終了します。")
    @click.option("--interval", default=5.0, show_default=True, help="確認間隔（秒）")
    def mail_worker(once: bool, interval: float) -> None:
        """送信待ちメールを配信し続けます（Procfile の worker）。"""
        # Flask-Mail sets no SMTP timeout; a hung server must not stall the worker forever.
        socket.setdefaulttimeout(SMTP_TIMEOUT_SECONDS)
        while True:
            try:
                sent, failed = outbox.deliver_due()
            except Exception as error:  # keep the worker alive; the error is logged/reported
                db.session.rollback()
                app.logger.exception("mail worker cycle failed")
                import sentry_sdk

                sentry_sdk.capture_exception(error)
                sent = failed = 0
            if sent or failed:
                click.echo(f"送信 {sent} 件、失敗 {failed} 件")
            if once:
                return
            time.sleep(interval)

    @app.cli.command("mail-test")
    @click.argument("address")
    def mail_test(address: str) -> None:
        """テストメールを送信待ちに入れ、すぐに配信します。"""
        message = outbox.enqueue(address, "mail_test", subject="テストメール")
        db.session.commit()
        delivered = outbox.deliver(message)
        db.session.commit()
        if not delivered:
            raise click.ClickException(f"送信に失敗しました: {message.last_error}")
        click.echo(f"{address} にテストメールを送信しました。")
