"""Maintenance mode (incident level 3) and the health endpoints."""

from __future__ import annotations

import time

from nitsys import create_app
from nitsys.extensions import db
from tests import conftest, ops_fixtures

# Shared fixtures, bound to names pytest finds in this module.
cli = ops_fixtures.cli
forget_maintenance = ops_fixtures.forget_maintenance
stamped = ops_fixtures.stamped


def test_cli_on_status_off(cli):
    assert "停止中" in cli("maintenance", "status").output
    result = cli("maintenance", "on", "--message", "システム復旧中です。15時再開予定。")
    assert result.exit_code == 0
    status = cli("maintenance", "status").output
    assert "実施中" in status and "15時再開予定" in status
    assert cli("maintenance", "off").exit_code == 0
    assert "停止中" in cli("maintenance", "status").output


def test_participants_and_public_get_a_503_with_the_message(app, client, cli, login_as):
    cli("maintenance", "on", "--message", "復旧作業中です。", "--retry-after", "900")
    public = client.get("/")
    assert public.status_code == 503
    assert public.headers["Retry-After"] == "900"
    page = public.get_data(as_text=True)
    assert "ただいまメンテナンス中です" in page and "復旧作業中です。" in page

    login_as("participant")
    assert client.get("/my/").status_code == 503
    htmx = client.post("/auth/profile", headers={"HX-Request": "true"})
    assert htmx.status_code == 503 and "HX-Trigger" in htmx.headers


def test_officials_are_stopped_too_and_staff_keep_working(app, client, cli, login_as):
    cli("maintenance", "on")
    login_as("official")
    assert client.get("/my/").status_code == 503
    login_as("staff")
    assert client.get("/my/").status_code == 200
    assert client.get("/admin/system").status_code == 200


def test_login_page_stays_open_so_staff_can_sign_in(client, cli):
    cli("maintenance", "on")
    assert client.get("/auth/login").status_code == 200


def test_health_checks_stay_green_during_maintenance(client, cli, stamped):
    cli("maintenance", "on")
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_data(as_text=True)


def test_readyz_reports_pending_migrations(client):
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "migrations pending" in ready.get_data(as_text=True)


def test_staff_toggle_on_the_system_page(app, client, login_as):
    login_as("staff")
    response = client.post(
        "/admin/system/maintenance",
        data={"enabled": "1", "message": "点検中", "retry_minutes": "5"},
        follow_redirects=True,
    )
    assert "メンテナンスモードを開始しました" in response.get_data(as_text=True)
    assert "点検中" in response.get_data(as_text=True)
    anonymous = app.test_client().get("/")
    assert anonymous.status_code == 503 and anonymous.headers["Retry-After"] == "300"
    client.post("/admin/system/maintenance", data={"enabled": "0"})
    assert app.test_client().get("/").status_code == 200


def test_a_switch_reaches_another_app_instance_within_a_second(app, database_url):
    """Two workers (two app instances) sharing one database."""
    other = create_app(conftest.test_settings(database_url))
    other_client = other.test_client()
    assert other_client.get("/").status_code == 200  # the other worker has read the state

    app.test_cli_runner().invoke(args=["maintenance", "on", "--message", "切替テスト"])
    deadline = time.monotonic() + 1.5
    while other_client.get("/").status_code != 503:
        assert time.monotonic() < deadline, "the other worker still serves pages"
        time.sleep(0.05)

    app.test_cli_runner().invoke(args=["maintenance", "off"])
    deadline = time.monotonic() + 1.5
    while other_client.get("/").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with other.app_context():
        db.engine.dispose()


def test_audit_trail_records_who_switched(app, client, login_as):
    from nitsys.models import AuditEvent

    staff = login_as("staff")
    client.post("/admin/system/maintenance", data={"enabled": "1", "message": "x"})
    event = db.session.scalars(db.select(AuditEvent)).one()
    assert (event.action, event.actor_id) == ("maintenance.on", staff.id)
