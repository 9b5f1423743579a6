"""Operations commands: check-deploy, secret-key, sentry-test, maintenance, cleanup."""

from __future__ import annotations

import secrets

import click
from flask import Flask

from nitsys.extensions import db
from nitsys.formatting import jst
from nitsys.observability import TEST_MESSAGE, sentry_enabled
from nitsys.services import cleanup, deploy_checks, maintenance

SECRET_KEY_BYTES = 50  # token_urlsafe(50) is 67 characters


def register(app: Flask) -> None:
    @app.cli.command("check-deploy")
    @click.option("--skip-smtp", is_flag=True, help="SMTP サーバーへの試験接続を省きます。")
    def check_deploy(skip_smtp: bool) -> None:
        """デプロイ前チェックリストを確認します（必須項目が✗なら終了コード1）。"""
        results = deploy_checks.run_all(connect_smtp=not skip_smtp)
        for result in results:
            mark = "✓" if result.ok else "✗"
            kind = "必須" if result.required else "推奨"
            click.echo(f"{mark} [{kind}] {result.name}: {result.detail}".rstrip(": "))
            if result.fix:
                click.echo(f"    → {result.fix}")
        failed = [r for r in results if r.required and not r.ok]
        if failed:
            click.echo(f"\n必須項目 {len(failed)} 件が未対応です。本番デプロイできません。")
            raise SystemExit(1)
        click.echo("\n必須項目はすべて満たしています。")

    @app.cli.command("secret-key")
    def secret_key() -> None:
        """本番用の SECRET_KEY を生成して表示します。"""
        click.echo(secrets.token_urlsafe(SECRET_KEY_BYTES))

    @app.cli.command("sentry-test")
    def sentry_test() -> None:
        """Sentry にテストメッセージ「Test message from NIT-SYS」を送信します。"""
        if not sentry_enabled():
            raise click.ClickException("SENTRY_DSN が設定されていないため送信できません。")
        import sentry_sdk

        event_id = sentry_sdk.capture_message(TEST_MESSAGE)
        sentry_sdk.flush(timeout=10)
        click.echo(
            f"Sentry に送信しました（event id: {event_id}）。Issues に表示されるか確認してください。"
        )

    @app.cli.group("maintenance")
    def maintenance_group() -> None:
        """メンテナンスモード（障害対応レベル3）の切り替え。"""

    @maintenance_group.command("on")
    @click.option("--message", default="", help="利用者に表示するメッセージ")
    @click.option(
        "--retry-after",
        default=maintenance.DEFAULT_RETRY_AFTER,
        show_default=True,
        help="再開見込み（秒、Retry-After ヘッダー）",
    )
    def maintenance_on(message: str, retry_after: int) -> None:
        """メンテナンスモードを開始します（管理者以外に 503 を表示）。"""
        state = maintenance.turn_on(message, by=None, retry_after=retry_after)
        db.session.commit()
        click.echo(f"メンテナンスモードを開始しました。表示メッセージ: {state.message}")

    @maintenance_group.command("off")
    def maintenance_off() -> None:
        """メンテナンスモードを終了します。"""
        maintenance.turn_off(by=None)
        db.session.commit()
        click.echo("メンテナンスモードを終了しました。")

    @maintenance_group.command("status")
    def maintenance_status() -> None:
        """メンテナンスモードの状態を表示します。"""
        state = maintenance.current()
        if not state.enabled:
            click.echo("メンテナンスモード: 停止中（通常運用）")
            return
        click.echo(f"メンテナンスモード: 実施中（{jst(state.since_at)} から、{state.by}）")
        click.echo(f"表示メッセージ: {state.message}")

    @app.cli.command("cleanup")
    @click.option("--dry-run", is_flag=True, help="削除対象を表示するだけで削除しません。")
    @click.option("--yes", is_flag=True, help="確認せずに削除します。")
    def cleanup_command(dry_run: bool, yes: bool) -> None:
        """大会後の不要データを削除します（監査ログは残します）。"""
        planned = cleanup.plan()
        for target, count in planned:
            click.echo(f"  {target.label}: {count} 件")
        if dry_run:
            click.echo("（--dry-run のため削除していません）")
            return
        if any(count for _, count in planned) and not yes:
            click.confirm("上記を削除してよろしいですか？", abort=True)
        removed = cleanup.run()
        db.session.commit()
        click.echo(f"削除しました（合計 {sum(removed.values())} 件）。")
