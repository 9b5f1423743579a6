"""The staff system page (figures, routines, contacts) and `flask cleanup`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import AuditEvent, OutboxMessage, OutboxStatus
from nitsys.services import backups
from tests import factories


@pytest.fixture
def backup_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path))


def page(client) -> str:
    response = client.get("/admin/system")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_only_staff_see_the_system_page(client, login_as):
    login_as("official")
    assert client.get("/admin/system").status_code == 403


def test_figures_and_recent_problems(app, client, login_as, backup_dir):
    login_as("staff")
    logging.getLogger("nitsys.test").warning("SMTP 接続がタイムアウトしました")
    db.session.add(
        OutboxMessage(
            to_address="a@example.jp", subject="s", body_text="b", status=OutboxStatus.FAILED
        )
    )
    db.session.commit()
    html = page(client)
    for text in (
        "バージョン",
        "稼働時間",
        "ディスク空き",
        "送信失敗 1件",
        "SMTP 接続がタイムアウトしました",
    ):
        assert text in html
    assert "最新バックアップ" in html and "なし" in html

    backups.create()
    assert backups.latest().name in page(client)


def test_pre_meet_backup_item_turns_green_after_a_backup(app, client, login_as, backup_dir):
    login_as("staff")
    factories.make_meet(first_day=(datetime.now(UTC) + timedelta(days=1)).date())
    html = page(client)
    assert "✗</span>\n          大会前24時間以内のバックアップ" in html
    backups.create()
    assert "✓</span>\n          大会前24時間以内のバックアップ" in page(client)


def test_manual_items_are_recorded_with_who_and_when(app, client, login_as, backup_dir):
    staff = login_as("staff")
    factories.make_meet(first_day=(datetime.now(UTC) + timedelta(days=3)).date())
    response = client.post("/admin/system/routines/pre_meet/loadtest", follow_redirects=True)
    assert "実施を記録しました" in response.get_data(as_text=True)
    assert "✓</span>\n          負荷テスト実施" in page(client)
    assert staff.full_name in page(client)
    assert client.post("/admin/system/routines/pre_meet/backup").status_code == 404


def test_contacts_are_editable(app, client, login_as, backup_dir):
    login_as("staff")
    assert "技術担当（主担当）" in page(client)
    client.post(
        "/admin/system/contacts",
        data={
            "name-0": "山田 花子",
            "email-0": "hanako@example.jp",
            "phone-0": "090-1111-2222",
            "name-2": "鈴木 一郎",
        },
    )
    html = page(client)
    assert 'value="山田 花子"' in html and 'value="090-1111-2222"' in html
    assert 'value="鈴木 一郎"' in html
    assert db.session.scalar(select(AuditEvent.action)) == "system.contacts"


def _outbox(sent_days_ago: int | None, status=OutboxStatus.SENT) -> None:
    sent_at = datetime.now(UTC) - timedelta(days=sent_days_ago) if sent_days_ago else None
    db.session.add(
        OutboxMessage(
            to_address="a@example.jp", subject="s", body_text="b", status=status, sent_at=sent_at
        )
    )
    db.session.commit()


def test_cleanup_dry_run_lists_and_deletes_nothing(app):
    _outbox(120)
    _outbox(10)
    result = app.test_cli_runner().invoke(args=["cleanup", "--dry-run"])
    assert result.exit_code == 0
    assert "送信済みメール（90日より前）: 1 件" in result.output
    assert "削除していません" in result.output
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2


def test_cleanup_asks_then_deletes_only_old_sent_mail(app, client, login_as, backup_dir):
    _outbox(120)
    _outbox(10)
    _outbox(None, status=OutboxStatus.FAILED)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["cleanup"], input="n\n").exit_code == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 3

    result = runner.invoke(args=["cleanup", "--yes"])
    assert result.exit_code == 0 and "合計 1 件" in result.output
    db.session.remove()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    assert db.session.scalar(select(AuditEvent.action)) == "system.cleanup"


def test_post_meet_cleanup_item(app, client, login_as, backup_dir):
    login_as("staff")
    yesterday = (datetime.now(UTC) - timedelta(days=2)).date()
    factories.make_meet(first_day=yesterday, last_day=yesterday)
    assert "✗</span>\n          不要データのクリーンアップ" in page(client)
    app.test_cli_runner().invoke(args=["cleanup", "--yes"])
    assert "✓</span>\n          不要データのクリーンアップ" in page(client)
