"""The maintenance page people see (issue #14): calm, with the staff's text and expected end."""

from __future__ import annotations

import re

from tests import ops_fixtures

cli = ops_fixtures.cli
forget_maintenance = ops_fixtures.forget_maintenance


def test_maintenance_page_is_friendly_and_offers_no_loop_or_login(client, cli):
    cli("maintenance", "on", "--message", "システム復旧中です。", "--retry-after", "1800")
    response = client.get("/meets/1")
    assert response.status_code == 503 and response.headers["Retry-After"] == "1800"
    page = response.get_data(as_text=True)
    assert "システム復旧中です。" in page
    assert "再開予定" in page and "ごろ" in page
    assert "503" not in page
    links = re.findall(r'<a [^>]*href="([^"]*)"', page)
    assert links == []  # nothing that only leads back here, and no login form to offer
    assert "ログイン" not in page and "<form" not in page


def test_without_an_expected_end_no_time_is_promised(client, cli, monkeypatch):
    cli("maintenance", "on", "--retry-after", "60")
    from nitsys.services import maintenance

    monkeypatch.setattr(maintenance.MaintenanceState, "expected_end", property(lambda s: None))
    page = client.get("/").get_data(as_text=True)
    assert "ただいまメンテナンス中です" in page and "再開予定" not in page
