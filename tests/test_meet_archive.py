"""`flask meet archive`: what is ready goes into the zip, what is not is listed with the reason."""

import io
import zipfile

import pytest
from sqlalchemy import select

from nitsys.extensions import db
from nitsys.models import AuditEvent, ExportLog
from tests import factories


def _archive(app, tmp_path, meet_id):
    result = app.test_cli_runner().invoke(args=["meet", "archive", str(meet_id)])
    assert result.exit_code == 0, result.output
    [path] = (tmp_path / "archives").glob("*.zip")  # the local storage under BACKUP_DIR
    return result.output, zipfile.ZipFile(io.BytesIO(path.read_bytes()))


@pytest.fixture(autouse=True)
def backup_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path))


def test_archive_holds_every_export_that_is_ready(app, tmp_path):
    staff = factories.make_user("staff")
    race = factories.make_race()
    factories.make_confirmed_entries(race, [90000, 91000])
    factories.make_locked_heats(race, staff)
    output, archive = _archive(app, tmp_path, race.meet_id)
    names = archive.namelist()
    for prefix, extension in (
        ("startlist_", ".csv"), ("lynx_", ".zip"), ("programme_", ".pdf"), ("rollcall_", ".pdf"),
        ("resultsheet_", ".pdf"), ("emergency_", ".pdf"), ("alldata_", ".xlsx"),
        ("payments_", ".csv"),
    ):  # fmt: skip
        assert any(n.startswith(prefix) and n.endswith(extension) for n in names), prefix
    readme = archive.read("README.txt").decode()
    assert race.meet.name in readme
    assert "results: この大会の結果はまだ取り込まれていません。" in readme  # no .lif imported yet
    assert "収録" in output
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exports.archive_zip"))
    assert len(event.after["included"]) == 8 and len(event.after["skipped"]) == 1
    logged = db.session.scalar(select(ExportLog).where(ExportLog.kind == "archive_zip"))
    assert logged.filename.endswith(".zip") and logged.user_id == staff.id


def test_archive_before_heats_lists_what_is_missing(app, tmp_path):
    factories.make_user("staff")
    race = factories.make_race()
    factories.make_confirmed_entries(race, [90000])
    output, archive = _archive(app, tmp_path, race.meet_id)
    readme = archive.read("README.txt").decode()
    assert "未収録" in readme and "組" in readme
    assert not any(name.startswith("startlist_") for name in archive.namelist())
    assert "未収録" in output


def test_unknown_meet_is_refused(app, tmp_path):
    factories.make_user("staff")
    result = app.test_cli_runner().invoke(args=["meet", "archive", "999"])
    assert result.exit_code != 0
    assert "見つかりません" in result.output
