"""`flask check-deploy` and `flask secret-key`."""

from __future__ import annotations

import pytest

from config import MIN_SECRET_KEY_LENGTH
from nitsys.services import backups
from tests import ops_fixtures
from tests.s3_server import CREDENTIALS, make_bucket, s3_server
from tests.smtp_server import PASSWORD, USERNAME, smtp_server

GOOD_KEY = "k3" * 40

# Shared fixtures, bound to names pytest finds in this module.
stamped = ops_fixtures.stamped


@pytest.fixture
def built_assets(app, tmp_path, monkeypatch):
    static = tmp_path / "static"
    (static / "vendor").mkdir(parents=True)
    for name in ("htmx.min.js", "pico.min.css"):
        (static / "vendor" / name).write_text("/* built */")
    monkeypatch.setattr(app, "static_folder", str(static))


@pytest.fixture
def production_like(app, monkeypatch, tmp_path, stamped, built_assets):
    """The environment of the guide's Render section, with local stand-ins for the services."""
    monkeypatch.setenv("DEBUG", "False")
    for key, value in {
        "DEBUG": False,
        "SECRET_KEY": GOOD_KEY,
        "ALLOWED_HOSTS": ["your-app.onrender.com"],
        "CSRF_TRUSTED_ORIGINS": ["https://your-app.onrender.com"],
        "SESSION_COOKIE_SECURE": True,
        "TRUSTED_PROXY_COUNT": 1,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "SENTRY_DSN": "https://abc123@o1.ingest.sentry.io/42",
        "BACKUP_DIR": str(tmp_path / "backups"),
        "MAIL_TRANSPORT": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_USE_TLS": True,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": USERNAME,
        "MAIL_PASSWORD": PASSWORD,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    # Render: Redis for the task queue, backups in an S3-compatible bucket (moto on loopback).
    monkeypatch.setenv("TASK_QUEUE", "redis")
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    with smtp_server(tmp_path) as (inbox, port, cert), s3_server() as endpoint:
        make_bucket(endpoint, "nitsys-deploy")
        monkeypatch.setitem(app.config, "STORAGE_URL", "s3://nitsys-deploy/prod")
        monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", endpoint)
        monkeypatch.setitem(app.config, "S3_REGION", "us-east-1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        yield inbox


def check_deploy(app, *args):
    return app.test_cli_runner().invoke(args=["check-deploy", *args])


def test_a_production_like_configuration_passes_every_item(app, production_like):
    backups.create()
    result = check_deploy(app)
    assert result.exit_code == 0, result.output
    assert "✗" not in result.output
    assert "必須項目はすべて満たしています" in result.output
    assert production_like.messages == []  # the SMTP check sends nothing


def test_a_weak_secret_key_fails_with_how_to_fix(app, production_like, monkeypatch):
    monkeypatch.setitem(app.config, "SECRET_KEY", "changeme")
    result = check_deploy(app, "--skip-smtp")
    assert result.exit_code == 1
    assert "✗ [必須] SECRET_KEY: SECRET_KEY が既定値のままです" in result.output
    assert "secret-key" in result.output
    assert "本番デプロイできません" in result.output


def test_a_short_secret_key_fails(app, production_like, monkeypatch):
    monkeypatch.setitem(app.config, "SECRET_KEY", "x" * 20)
    result = check_deploy(app, "--skip-smtp")
    assert result.exit_code == 1 and "短すぎます（20文字）" in result.output


def test_csrf_origins_must_be_https_and_allowed_hosts(app, production_like, monkeypatch):
    monkeypatch.setitem(
        app.config, "CSRF_TRUSTED_ORIGINS", ["http://your-app.onrender.com", "https://evil.example"]
    )
    result = check_deploy(app, "--skip-smtp")
    assert result.exit_code == 1
    assert "http://your-app.onrender.com は https ではありません" in result.output
    assert "https://evil.example のホストが ALLOWED_HOSTS にありません" in result.output


def test_debug_in_the_environment_fails_even_though_the_cli_resets_app_debug(
    app, production_like, monkeypatch
):
    monkeypatch.setenv("DEBUG", "True")
    result = check_deploy(app, "--skip-smtp")
    assert result.exit_code == 1 and "✗ [必須] DEBUG" in result.output


def test_the_demo_configuration_lists_what_is_missing(app, monkeypatch, tmp_path):
    """The test app is the development setup: no migrations stamp, no Sentry, console mail."""
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", False)
    result = check_deploy(app)
    assert result.exit_code == 1
    for line in (
        "✗ [必須] CSRF_TRUSTED_ORIGINS",
        "✗ [必須] マイグレーション",
        "✗ [必須] TLS",
        "✗ [推奨] Sentry",
        "✗ [推奨] メール送信: MAIL_TRANSPORT=console",
        "✗ [推奨] バックアップ: バックアップがありません",
        "✗ [推奨] 保存先（オフサイト）: バックアップとアーカイブがこのサーバーのディスク",
        "✗ [推奨] タスクキュー: タスクキューが immediate です",
        "✓ [必須] データベース接続",
    ):
        assert line in result.output


def test_recommended_items_do_not_block_a_deploy(app, production_like, monkeypatch):
    monkeypatch.setitem(app.config, "SENTRY_DSN", "")
    result = check_deploy(app, "--skip-smtp")
    assert result.exit_code == 0
    assert "✗ [推奨] Sentry" in result.output


def test_secret_key_prints_a_new_strong_key(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["secret-key"]).output.strip()
    second = runner.invoke(args=["secret-key"]).output.strip()
    assert len(first) >= MIN_SECRET_KEY_LENGTH and first != second
    from config import production_problems

    settings = {"SECRET_KEY": first, "ALLOWED_HOSTS": ["x"]}
    assert production_problems(settings) == []
