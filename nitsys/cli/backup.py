"""`flask backup create | list | verify | restore` (docs/運用ガイド.md「バックアップ」)."""

from __future__ import annotations

import click
from flask import Flask

from nitsys import storage
from nitsys.domain.errors import RuleViolation
from nitsys.formatting import jst
from nitsys.services import backups


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""  # unreachable


def human_age(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f}時間前" if hours < 48 else f"{hours / 24:.1f}日前"


def _find(name: str | None) -> backups.Backup:
    if name:
        return backups.find(name)
    backup = backups.latest()
    if backup is None:
        raise RuleViolation("バックアップがありません。`flask backup create` で作成してください。")
    return backup


def _echo_verification(result: backups.Verification) -> None:
    if result.ok:
        click.echo(
            f"✓ {result.backup.name}: {len(result.counts)} テーブル・{sum(result.counts.values())} 行が"
            "マニフェストと一致しました。"
        )
    else:
        click.echo(f"✗ {result.backup.name} の検証に失敗しました:")
        for problem in result.problems:
            click.echo(f"  - {problem}")


def register(app: Flask) -> None:
    @app.cli.group("backup")
    def backup_group() -> None:
        """データベースのバックアップ（作成・一覧・検証・復元）。"""

    @backup_group.command("create")
    @click.option("--label", default="", help="ファイル名に付ける目印（例: pre-meet）")
    def create(label: str) -> None:
        """現在のデータベースを保存先（STORAGE_URL、既定は BACKUP_DIR）にバックアップします。"""
        try:
            backup = backups.create(label)
        except RuleViolation as error:
            raise click.ClickException(error.message) from error
        click.echo(
            f"バックアップを作成しました: {backup.name}（{storage.current().describe()}）\n"
            f"  {len(backup.tables)} テーブル・{backup.total_rows} 行・{human_size(backup.size)}"
        )

    @backup_group.command("list")
    def list_() -> None:
        """保存先のバックアップを新しい順に表示します。"""
        found = backups.list_backups()
        if not found:
            click.echo(f"バックアップはありません（{storage.current().describe()}）。")
            return
        for backup in found:
            verified = "検証済" if backup.verified_at else "未検証"
            click.echo(
                f"{backup.name}  {jst(backup.created_at)}  "
                f"({human_age(backup.age().total_seconds())})  {human_size(backup.size)}  "
                f"{backup.total_rows}行  {verified}"
            )

    @backup_group.command("verify")
    @click.argument("name", required=False)
    def verify(name: str | None) -> None:
        """一時データベースに復元し、テーブルごとの行数をマニフェストと照合します（省略時は最新）。"""
        try:
            result = backups.verify(_find(name))
        except RuleViolation as error:
            raise click.ClickException(error.message) from error
        _echo_verification(result)
        if not result.ok:
            raise SystemExit(1)

    @backup_group.command("restore")
    @click.argument("name")
    @click.option("--yes", is_flag=True, help="確認せずに復元します。")
    def restore(name: str, yes: bool) -> None:
        """バックアップから復元します。先に検証し、現在の状態もバックアップします。"""
        try:
            backup = backups.find(name)
            click.echo(
                f"{backup.name}（{jst(backup.created_at)} 作成・{backup.total_rows} 行）で"
                "現在のデータベースを置き換えます。"
            )
            if not yes:
                click.confirm("復元してよろしいですか？", abort=True)
            verification, safety = backups.restore(backup)
        except RuleViolation as error:
            raise click.ClickException(error.message) from error
        _echo_verification(verification)
        click.echo(f"復元前の状態は {safety.name} に保存しました。")
        click.echo("復元が完了しました。")
