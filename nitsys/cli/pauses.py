"""`flask pause …`: level-1 feature pauses from the terminal (when the pages themselves fail)."""

from __future__ import annotations

import click
from flask import Flask

from nitsys.extensions import db
from nitsys.formatting import jst
from nitsys.services import pauses

FEATURE = click.Choice(sorted(pauses.FEATURES))


def register(app: Flask) -> None:
    @app.cli.group("pause")
    def pause_group() -> None:
        """機能の一時停止（障害対応レベル1）。"""

    @pause_group.command("on")
    @click.argument("feature", type=FEATURE)
    @click.option("--message", default="", help="利用者に表示するメッセージ")
    def pause_on(feature: str, message: str) -> None:
        """FEATURE を一時停止します。"""
        pause = pauses.pause(feature, message, by=None)
        db.session.commit()
        click.echo(f"「{pause.label}」を一時停止しました。表示メッセージ: {pause.message}")

    @pause_group.command("off")
    @click.argument("feature", type=FEATURE)
    def pause_off(feature: str) -> None:
        """FEATURE を再開します。"""
        pauses.resume(feature, by=None)
        db.session.commit()
        click.echo(f"「{pauses.FEATURES[feature][0]}」を再開しました。")

    @pause_group.command("status")
    def pause_status() -> None:
        """各機能の停止状態を表示します。"""
        for feature, label, pause in pauses.states():
            state = f"停止中（{jst(pause.since_at)} から、{pause.by}）" if pause else "稼働中"
            click.echo(f"{feature:15} {label}: {state}")
