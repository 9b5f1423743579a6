"""`flask payments remind`: reminder mail to unpaid applications before the payment deadline."""

import click
from flask import Flask
from flask.cli import AppGroup

from nitsys.extensions import db
from nitsys.services import payments


def register(app: Flask) -> None:
    group = AppGroup("payments", help="参加料の入金に関するコマンド")

    @group.command("remind")
    @click.option("--days", default=3, show_default=True, help="振込期限の何日前から送るか")
    def remind(days: int) -> None:
        """振込期限が近い未入金の申込に催促メールを送ります（同じ期限には一度だけ）。"""
        queued = payments.remind_unpaid(days=days)
        db.session.commit()
        click.echo(f"催促メールを {queued} 件送信待ちに入れました。")

    app.cli.add_command(group)
