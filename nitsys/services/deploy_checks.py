"""The pre-deploy checklist of the operations guide, item by item (`flask check-deploy`)."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

from config import env_bool, production_problems
from nitsys.services import backups, health

BACKUP_MAX_AGE = timedelta(hours=24)
STATIC_ASSETS = ("vendor/htmx.min.js", "vendor/pico.min.css")


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    required: bool
    detail: str = ""
    fix: str = ""


def _check(name: str, required: bool, problems: list[str], fix: str, ok_detail: str = ""):
    detail = " ".join(problems) if problems else ok_detail
    return CheckResult(name, not problems, required, detail, fix if problems else "")


def _setting_problems(config, setting: str) -> list[str]:
    return [p.message for p in production_problems(config) if p.setting == setting]


def check_debug(config) -> CheckResult:
    # The flask CLI resets app.debug from FLASK_DEBUG, so read what the server would get too.
    settings = {"DEBUG": config.get("DEBUG") or env_bool("DEBUG")}
    return _check(
        "DEBUG",
        True,
        _setting_problems(settings, "DEBUG"),
        "環境変数 DEBUG=False を設定する",
        "DEBUG=False",
    )


def check_secret_key(config) -> CheckResult:
    return _check(
        "SECRET_KEY",
        True,
        _setting_problems(config, "SECRET_KEY"),
        "`flask --app nitsys secret-key` の出力を環境変数 SECRET_KEY に設定する",
        f"{len(config.get('SECRET_KEY') or '')}文字",
    )


def _host_allowed(host: str, allowed: list[str]) -> bool:
    # Flask TRUSTED_HOSTS semantics: ".example.com" also allows every subdomain.
    return any(
        host == pattern
        or (pattern.startswith(".") and (host.endswith(pattern) or host == pattern[1:]))
        for pattern in allowed
    )


def check_hosts(config) -> CheckResult:
    return _check(
        "ALLOWED_HOSTS",
        True,
        _setting_problems(config, "ALLOWED_HOSTS"),
        "例: ALLOWED_HOSTS=your-app.onrender.com",
        ", ".join(config.get("ALLOWED_HOSTS") or []),
    )


def check_csrf_origins(config) -> CheckResult:
    origins = config.get("CSRF_TRUSTED_ORIGINS") or []
    allowed = config.get("ALLOWED_HOSTS") or []
    problems = [] if origins else ["CSRF_TRUSTED_ORIGINS が設定されていません。"]
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme != "https":
            problems.append(f"{origin} は https ではありません。")
        if parts.path not in ("", "/"):
            problems.append(f"{origin} にパスを含めないでください。")
        if parts.hostname and not _host_allowed(parts.hostname, allowed):
            problems.append(f"{origin} のホストが ALLOWED_HOSTS にありません。")
    return _check(
        "CSRF_TRUSTED_ORIGINS",
        True,
        problems,
        "例: CSRF_TRUSTED_ORIGINS=https://your-app.onrender.com（ALLOWED_HOSTS と同じホスト）",
        ", ".join(origins),
    )


def check_database(_config) -> CheckResult:
    error = health.database_error()
    return _check(
        "データベース接続",
        True,
        [error] if error else [],
        "DATABASE_URL（Render では自動設定）とデータベースの稼働状況を確認する",
        "接続できました",
    )


def check_migrations(_config) -> CheckResult:
    if health.database_error():
        return CheckResult(
            "マイグレーション",
            False,
            True,
            "データベースに接続できません。",
            "先にデータベース接続を直す",
        )
    state = health.migration_state()
    problems = []
    if not state.current:
        applied = ", ".join(state.database) or "未適用"
        problems.append(f"データベース {applied} / 最新 {', '.join(state.head)}")
    return _check(
        "マイグレーション",
        True,
        problems,
        "`flask --app wsgi db upgrade` を実行する（Render では release コマンドで自動）",
        f"最新（{', '.join(state.head)}）",
    )


def check_static(_config) -> CheckResult:
    folder = Path(current_app.static_folder)
    missing = [name for name in STATIC_ASSETS if not (folder / name).is_file()]
    return _check(
        "静的ファイル",
        True,
        [f"static/{name} がありません。" for name in missing],
        "`make assets`（npm ci と static/vendor への複製）をビルド時に実行する",
        "htmx・Pico を同梱済み",
    )


def check_tls(config) -> CheckResult:
    problems = []
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE が無効です（Cookie が http でも送られます）。")
    return _check(
        "TLS（Cookie の Secure 属性）",
        True,
        problems,
        "SESSION_COOKIE_SECURE=True（既定）のままにする",
        "Secure Cookie・HSTS 有効",
    )


def check_proxy(config) -> CheckResult:
    count = config.get("TRUSTED_PROXY_COUNT", 0)
    problems = (
        []
        if count
        else ["TRUSTED_PROXY_COUNT=0: プロキシ経由の https と送信元 IP が認識されません。"]
    )
    return _check(
        "プロキシ設定",
        False,
        problems,
        "Render などリバースプロキシの背後では TRUSTED_PROXY_COUNT=1 を設定する",
        f"信頼するプロキシ {count} 段",
    )


def web_workers() -> int:
    """The gunicorn workers gunicorn.conf.py starts here (WEB_CONCURRENCY, else from CPUs)."""
    configured = os.environ.get("WEB_CONCURRENCY", "")
    if configured.isdigit():
        return int(configured)
    return min((os.cpu_count() or 1) * 2 + 1, 4)


def check_rate_limit_storage(config) -> CheckResult:
    """In-memory limits are counted per worker: N workers allow N times the login attempts."""
    scheme = (config.get("RATELIMIT_STORAGE_URI") or "memory://").split("://")[0]
    workers = web_workers()
    problems = []
    if scheme == "memory" and workers > 1:
        problems.append(
            f"レート制限の回数がワーカー（{workers}個）ごとのメモリに数えられます。"
            f"ログイン試行などの上限が最大{workers}倍に緩みます。"
        )
    return _check(
        "レート制限の保存先",
        False,
        problems,
        "RATELIMIT_STORAGE_URI に Redis（redis://…）を設定する（または WEB_CONCURRENCY=1）",
        f"{scheme}（ワーカー {workers}個）",
    )


def check_sentry(config) -> CheckResult:
    dsn = config.get("SENTRY_DSN") or ""
    problems = []
    if not dsn:
        problems.append("SENTRY_DSN が設定されていません。")
    else:
        from sentry_sdk.utils import BadDsn, Dsn

        try:
            Dsn(dsn)
        except BadDsn as error:
            problems.append(f"SENTRY_DSN の形式が正しくありません: {error}")
    return _check(
        "Sentry",
        False,
        problems,
        "sentry.io で DSN を取得し SENTRY_DSN に設定、`flask --app nitsys sentry-test` で確認する",
        "DSN 設定済み",
    )


def smtp_dry_run(config, timeout: float = 10.0) -> None:
    """Connect, EHLO, STARTTLS and log in like a real delivery would; send nothing."""
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    context = ssl.create_default_context()
    if config.get("MAIL_USE_SSL"):
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        client.ehlo()
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            client.starttls(context=context)
            client.ehlo()
        if config.get("MAIL_USERNAME"):
            client.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")


def check_mail(config, *, connect: bool = True) -> CheckResult:
    problems = []
    if config.get("MAIL_TRANSPORT") != "smtp":
        problems.append(
            f"MAIL_TRANSPORT={config.get('MAIL_TRANSPORT')}: メールは外部に送信されません。"
        )
    elif not config.get("MAIL_USERNAME"):
        problems.append("EMAIL_HOST_USER が設定されていません。")
    elif connect:
        try:
            smtp_dry_run(config)
        except (OSError, smtplib.SMTPException) as error:
            problems.append(
                f"SMTP 接続に失敗しました（{config['MAIL_SERVER']}:{config['MAIL_PORT']}）: {error}"
            )
    return _check(
        "メール送信",
        False,
        problems,
        "EMAIL_HOST / EMAIL_PORT / EMAIL_USE_TLS / EMAIL_HOST_USER / EMAIL_HOST_PASSWORD を設定する（運用ガイド「メール設定」）",
        f"{config.get('MAIL_SERVER')}:{config.get('MAIL_PORT')} にログインできました"
        if connect
        else "設定済み",
    )


def check_backup(_config) -> CheckResult:
    latest = backups.latest()
    if latest is None:
        problems = ["バックアップがありません。"]
        detail = ""
    else:
        hours = latest.age().total_seconds() / 3600
        detail = f"最新 {latest.name}（{hours:.1f}時間前）"
        problems = [] if latest.age() <= BACKUP_MAX_AGE else [f"{detail}: 24時間以上前です。"]
    return _check(
        "バックアップ",
        False,
        problems,
        "`flask --app nitsys backup create` を実行し、Render の自動バックアップも有効にする",
        detail,
    )


def check_storage(config) -> CheckResult:
    """Backups and archives must survive the instance (a PaaS disk is wiped at each deploy)."""
    problems = []
    if not (config.get("STORAGE_URL") or "").startswith("s3://"):
        problems.append(
            "バックアップとアーカイブがこのサーバーのディスク（BACKUP_DIR）に置かれます。"
        )
    return _check(
        "保存先（オフサイト）",
        False,
        problems,
        "STORAGE_URL=s3://バケット/フォルダ と S3_ENDPOINT_URL・S3_REGION・AWS_ACCESS_KEY_ID・"
        "AWS_SECRET_ACCESS_KEY を設定する（運用ガイド「台数を増やす」）",
        config.get("STORAGE_URL", ""),
    )


def check_task_queue(_config) -> CheckResult:
    from nitsys import tasks

    kind = tasks.queue_kind()
    problems = (
        [] if kind == "redis" else [f"タスクキューが {kind} です（複数台で共有できません）。"]
    )
    return _check(
        "タスクキュー",
        False,
        problems,
        "REDIS_URL を設定し、`flask --app wsgi worker` を別プロセス（Render の worker）で動かす",
        "redis",
    )


CHECKS: tuple[Callable, ...] = (
    check_debug,
    check_secret_key,
    check_hosts,
    check_csrf_origins,
    check_database,
    check_migrations,
    check_static,
    check_tls,
    check_proxy,
    check_rate_limit_storage,
    check_sentry,
    check_mail,
    check_backup,
    check_storage,
    check_task_queue,
)


def run_all(*, connect_smtp: bool = True) -> list[CheckResult]:
    config = current_app.config
    results = []
    for check in CHECKS:
        if check is check_mail:
            results.append(check_mail(config, connect=connect_smtp))
        else:
            results.append(check(config))
    return results
