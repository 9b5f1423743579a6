"""`flask meet archive MEET`: the post-meet archive (記録保存用) into the storage (archives/)."""

import click
from flask import Flask
from flask.cli import AppGroup

from nitsys import storage
from nitsys.cli.staff import BY_OPTION, acting_staff, run_committed
from nitsys.services.archive import archive_meet


def register(app: Flask) -> None:
    meet_group = AppGroup("meet", help="大会単位の運用コマンド")

    @meet_group.command("archive")
    @click.argument("meet_id", type=int)
    @BY_OPTION
    def archive(meet_id: int, email: str) -> None:
        """大会後の記録保存用アーカイブ（出力できるものすべて）を作ります。"""
        result = run_committed(archive_meet, meet_id, by=acting_staff(email))
        click.echo(f"{result.filename} を作成しました（{storage.current().describe()}）。")
        for name in result.included:
            click.echo(f"  収録: {name}")
        for item in result.skipped:
            click.echo(f"  未収録: {item}")

    app.cli.add_command(meet_group)
