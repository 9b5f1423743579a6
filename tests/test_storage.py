"""Files every instance can read: the local directory and an S3-compatible bucket behave the
same, and backups and archives go through them (the bucket is moto's server on loopback)."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from nitsys import storage
from nitsys.domain.errors import NotFound
from nitsys.extensions import db
from nitsys.models import Athlete, ExportJob
from nitsys.services import backups
from tests import factories, ops_fixtures
from tests.s3_server import CREDENTIALS, make_bucket, s3_server

cli = ops_fixtures.cli
forget_maintenance = ops_fixtures.forget_maintenance


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3(app, s3_endpoint, monkeypatch, tmp_path):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    bucket = f"nitsys-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    make_bucket(s3_endpoint, bucket)
    monkeypatch.setitem(app.config, "STORAGE_URL", f"s3://{bucket}/prod")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setitem(app.config, "S3_REGION", "us-east-1")
    # Nothing may land on the local disk while object storage is configured.
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "local"))
    return storage.current()


@pytest.fixture
def local(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_URL", "")
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "local"))
    return storage.current()


@pytest.fixture(params=["local", "s3"])
def files(request):
    return request.getfixturevalue(request.param)


def test_put_get_list_delete(files):
    files.put("archives/a.zip", b"zip bytes")
    files.put("nitsys-1.dump", io.BytesIO(b"dump bytes"))
    files.put("nitsys-1.dump", b"replaced")

    assert files.get("archives/a.zip") == b"zip bytes"
    assert files.get("nitsys-1.dump") == b"replaced"
    assert [(f.key, f.size) for f in files.list()] == [
        ("archives/a.zip", 9),
        ("nitsys-1.dump", 8),
    ]
    assert [f.key for f in files.list("archives/")] == ["archives/a.zip"]
    files.delete("archives/a.zip")
    files.delete("archives/a.zip")  # deleting twice is harmless
    assert [f.key for f in files.list()] == ["nitsys-1.dump"]
    with pytest.raises(NotFound):
        files.get("archives/a.zip")


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../up", "a/../../b", "a\\b", "a\x00b", "a//b"])
def test_keys_that_could_escape_are_refused(files, key):
    with pytest.raises(ValueError):
        files.put(key, b"x")


def test_s3_url_is_a_presigned_link_and_local_has_none(s3, local):
    assert s3.url("archives/a.zip").startswith("http://127.0.0.1:")
    assert "Signature" in s3.url("archives/a.zip")
    assert local.url("archives/a.zip") is None


def test_unknown_storage_url_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_URL", "ftp://example/x")
    with pytest.raises(ValueError):
        storage.current()


def test_backups_are_written_listed_verified_and_restored_from_the_bucket(app, s3, cli, tmp_path):
    factories.make_athlete(first_name="一郎")

    created = cli("backup", "create", "--label", "nightly")
    assert created.exit_code == 0, created.output
    assert "S3 s3://" in created.output
    names = [f.key for f in s3.list()]
    suffix = backups.SUFFIXES[backups.database_kind()]
    assert names == [names[0], names[0] + ".json"] and names[0].endswith(f"-nightly{suffix}")
    assert not (tmp_path / "local").exists() or not any((tmp_path / "local").iterdir())

    listed = cli("backup", "list")
    assert "nightly" in listed.output and "未検証" in listed.output
    verified = cli("backup", "verify")
    assert verified.exit_code == 0 and "マニフェストと一致しました" in verified.output
    assert backups.latest().verified_at is not None  # the manifest in the bucket was updated

    db.session.execute(Athlete.__table__.delete())
    db.session.commit()
    restored = cli("backup", "restore", backups.latest().name, "--yes")
    assert restored.exit_code == 0, restored.output
    assert db.session.scalars(select(Athlete.first_name)).all() == ["一郎"]
    assert any(b.label == "pre-restore" for b in backups.list_backups())


def test_a_damaged_backup_in_the_bucket_is_refused(app, s3, cli):
    factories.make_athlete()
    cli("backup", "create")
    backup = backups.latest()
    s3.put(backup.name, b"not a database")

    result = cli("backup", "verify", backup.name)
    assert result.exit_code == 1 and "チェックサム" in result.output


def test_retention_deletes_from_the_bucket(app, s3, monkeypatch):
    factories.make_athlete()
    first = backups.create()
    monkeypatch.setattr(backups, "to_keep", lambda found, now=None: {found[0].name})
    second = backups.create()
    assert [b.name for b in backups.list_backups()] == [second.name]
    assert first.name not in {f.key for f in s3.list()}


def test_the_archive_is_stored_in_the_bucket_and_downloaded_from_it(client, login_as, s3):
    from tests.test_exports_views import ready_race

    staff = login_as("staff")
    race = ready_race(staff)
    started = client.post(
        f"/admin/meets/{race.meet_id}/exports/archive", headers={"HX-Request": "true"}
    )
    assert started.status_code == 202
    job = db.session.scalar(select(ExportJob))
    assert [f.key for f in s3.list("archives/")] == [f"archives/{job.filename}"]

    download = client.get(f"/admin/meets/{race.meet_id}/exports/jobs/{job.id}/download")
    assert download.status_code == 200
    assert "README.txt" in zipfile.ZipFile(io.BytesIO(download.data)).namelist()

    s3.delete(f"archives/{job.filename}")
    gone = client.get(f"/admin/meets/{race.meet_id}/exports/jobs/{job.id}/download")
    assert gone.status_code == 404
