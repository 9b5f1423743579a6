"""`flask backup create | list | verify | restore` on the database the suite runs on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import Athlete, Organization, OutboxMessage
from nitsys.services import backups, maintenance
from tests import factories, ops_fixtures

# Shared fixtures, bound to names pytest finds in this module.
cli = ops_fixtures.cli
forget_maintenance = ops_fixtures.forget_maintenance


@pytest.fixture
def backup_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "backups"))
    return tmp_path / "backups"


def athlete_names() -> list[str]:
    return db.session.scalars(select(Athlete.first_name).order_by(Athlete.id)).all()


def test_create_change_restore_brings_the_data_back(app, backup_dir, cli):
    team_id = factories.make_organization().id
    first_id = factories.make_athlete(db.session.get(Organization, team_id), first_name="一郎").id
    factories.make_athlete(db.session.get(Organization, team_id), first_name="二郎")

    created = cli("backup", "create")
    assert created.exit_code == 0, created.output
    assert "バックアップを作成しました" in created.output
    [backup] = backups.list_backups()
    assert backup.tables["athletes"] == 2

    # Data changes after the backup: one athlete renamed, one deleted, one added.
    db.session.get(Athlete, first_id).first_name = "改名"
    factories.make_athlete(db.session.get(Organization, team_id), first_name="三郎")
    db.session.delete(db.session.scalars(select(Athlete).where(Athlete.first_name == "二郎")).one())
    db.session.commit()
    assert athlete_names() == ["改名", "三郎"]

    restored = cli("backup", "restore", backup.name, "--yes")
    assert restored.exit_code == 0, restored.output
    assert "復元が完了しました" in restored.output
    assert athlete_names() == ["一郎", "二郎"]

    # The state just before the restore was kept, and it holds the changed data.
    safety = next(b for b in backups.list_backups() if b.label == "pre-restore")
    assert safety.tables["athletes"] == 2
    assert cli("backup", "verify", safety.name).exit_code == 0


def test_list_and_verify(app, backup_dir, cli):
    factories.make_athlete()
    assert "バックアップはありません" in cli("backup", "list").output
    cli("backup", "create", "--label", "pre-meet")

    listed = cli("backup", "list")
    assert "pre-meet" in listed.output and "未検証" in listed.output

    verified = cli("backup", "verify")
    assert verified.exit_code == 0, verified.output
    assert "マニフェストと一致しました" in verified.output
    assert "検証済" in cli("backup", "list").output


def test_verify_catches_a_manifest_that_does_not_match(app, backup_dir, cli):
    factories.make_athlete()
    cli("backup", "create")
    backup = backups.latest()
    backup.tables["athletes"] = 5  # the file holds 1 row
    backup.save_manifest()

    result = cli("backup", "verify", backup.name)
    assert result.exit_code == 1
    assert "athletes: マニフェスト 5 行 / 復元結果 1 行" in result.output


def test_restore_refuses_a_damaged_file_and_changes_nothing(app, backup_dir, cli):
    factories.make_athlete(first_name="残る")
    cli("backup", "create")
    backup = backups.latest()
    with (backup_dir / backup.name).open("r+b") as stream:
        stream.seek(200)
        stream.write(b"\x00garbage\x00")
    factories.make_athlete(first_name="後から")

    result = cli("backup", "restore", backup.name, "--yes")
    assert result.exit_code != 0
    assert "検証に失敗したバックアップは復元できません" in result.output
    assert athlete_names() == ["残る", "後から"]
    assert len(backups.list_backups()) == 1  # no safety backup: nothing was touched


def test_restore_asks_for_confirmation(app, backup_dir, cli):
    factories.make_athlete()
    cli("backup", "create")
    factories.make_athlete()
    result = cli("backup", "restore", backups.latest().name, input="n\n")
    assert result.exit_code == 1
    assert db.session.scalar(select(func.count(Athlete.id))) == 2


def test_restore_keeps_maintenance_mode_as_it_is_now(app, backup_dir, cli):
    cli("backup", "create")  # taken while maintenance was off
    cli("maintenance", "on", "--message", "復旧作業中")
    assert cli("backup", "restore", backups.latest().name, "--yes").exit_code == 0
    assert maintenance.current().enabled


def test_mail_in_the_outbox_is_part_of_the_backup(app, backup_dir, cli):
    db.session.add(OutboxMessage(to_address="a@example.jp", subject="s", body_text="b"))
    db.session.commit()
    cli("backup", "create")
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    cli("backup", "restore", backups.latest().name, "--yes")
    assert db.session.scalar(select(OutboxMessage.to_address)) == "a@example.jp"


def _fake(created_at: datetime) -> backups.Backup:
    return backups.Backup(f"nitsys-{created_at:%Y%m%d%H}.sqlite3", created_at, "sqlite", {}, "")


def test_retention_keeps_14_daily_and_8_weekly(app):
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    # Two backups a day for 120 days.
    history = [_fake(now - timedelta(hours=12 * n)) for n in range(240)]
    keep = backups.to_keep(history, now)
    kept = sorted((b for b in history if b.name in keep), key=lambda b: b.created_at)
    days = {b.created_at.date() for b in kept}
    assert len(kept) == len(days) + 1  # one per day, plus both of the last 24 h
    recent_days = {(now - timedelta(days=n)).date() for n in range(14)}
    assert recent_days <= days
    weeks = {b.created_at.isocalendar()[:2] for b in kept}
    assert len(weeks) == 8
    assert len(days - recent_days) == 5  # one per older week (3 weeks overlap the 14 days)
    assert min(kept, key=lambda b: b.created_at).age(now) < timedelta(weeks=8)
