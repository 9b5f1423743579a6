"""`flask seed-demo`: the demo data set shaped like the 325th meet."""

import time

import click
from flask import Flask

from nitsys import demo
from nitsys.demo.parking import SHEET_PATH
from nitsys.extensions import db

PARKING_SHEET = f"nitsys/demo/files/{SHEET_PATH.name}"
TABLE_LABELS = {
    "organizations": "団体",
    "users": "ユーザー",
    "athletes": "選手",
    "meets": "大会",
    "races": "種目",
    "bank_accounts": "振込先口座",
    "applications": "申込",
    "entries": "エントリー",
    "payment_slips": "振込明細",
    "payment_approvals": "入金承認",
    "heats": "組",
    "heat_slots": "組の出走枠",
    "outbox_messages": "送信待ちメール",
    "audit_events": "操作履歴",
    "timing_profiles": "タイミングCSV設定",
    "result_imports": "結果取込",
    "heat_results": "結果",
    "personal_bests": "自己ベスト",
    "api_tokens": "アクセストークン",
    "notices": "お知らせ",
    "meet_guidelines": "大会要項PDF",
    "parking_settings": "駐車場設定",
    "parking_lots": "駐車場",
    "parking_requests": "駐車場申請",
    "team_notes": "事務局メモ",
    "organization_aliases": "団体の旧名",
}


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--seed", default=demo.DEFAULT_SEED, show_default=True, help="乱数の種")
    @click.option("--if-empty", is_flag=True, help="ユーザーがいれば何もせず正常終了します")
    def seed_demo(seed: int, if_empty: bool) -> None:
        """デモデータ（第325回相当の大会・団体・選手）を空のデータベースに投入します。"""
        if demo.database_has_users():
            if if_empty:
                click.echo("デモデータは投入済みです（ユーザーが既にいるため何もしません）。")
                _print_logins(demo.existing_logins(), demo.DEMO_PASSWORD)
                return
            click.echo(
                "データベースに既にユーザーがいるため、デモデータを投入できません。"
                "空のデータベースで実行してください。",
                err=True,
            )
            raise SystemExit(1)
        started = time.perf_counter()
        try:
            summary = demo.seed_demo(seed)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        _print_summary(summary, time.perf_counter() - started)


def _print_summary(summary: demo.DemoSummary, seconds: float) -> None:
    click.echo(f"デモデータを投入しました（seed={summary.seed}、{seconds:.1f} 秒）。")
    for table, rows in summary.counts.items():
        click.echo(f"  {TABLE_LABELS.get(table, table)}: {rows:,}")
    click.echo("")
    _print_logins(summary.logins, summary.password)
    click.echo(f"  団体の指導者アカウントは coach001〜coach{summary.coach_count:03d} です。")
    click.echo(f"駐車場の割当表（取り込みのお試し用）: {PARKING_SHEET}")


def _print_logins(logins: list[demo.Login], password: str) -> None:
    if not logins:
        return
    click.echo(f"ログイン（パスワードは全員共通: {password}）")
    width = max(len(login.email) for login in logins)
    for login in logins:
        click.echo(f"  {login.email.ljust(width)}  {login.role}")
