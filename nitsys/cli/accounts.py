"""`flask create-staff EMAIL`: the first staff account."""

import click
from flask import Flask

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.services import accounts


def register(app: Flask) -> None:
    @app.cli.command("create-staff")
    @click.argument("email")
    @click.option("--name", default="管理者", help="表示名")
    @click.password_option(help="パスワード（省略時は入力を求めます）")
    def create_staff(email: str, name: str, password: str) -> None:
        """管理者（staff）アカウントを作成します。既存アカウントは管理者に昇格します。"""
        try:
            user = accounts.create_staff(email, password, name)
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
        click.echo(f"管理者アカウント {user.email} を用意しました。")
