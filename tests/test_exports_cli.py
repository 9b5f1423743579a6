"""`flask export startlist` and `flask export lynx` use the same services as the page."""

import codecs
import zipfile

from sqlalchemy import select

from nitsys.extensions import db
from nitsys.models import ExportLog
from tests.factories import make_locked_heats, make_user
from tests.test_exports_service import build_race


def test_the_start_list_and_lynx_zip_at_the_terminal(app, tmp_path):
    staff = make_user("staff")
    race, _ = build_race()
    make_locked_heats(race, staff)
    runner = app.test_cli_runner()
    csv_path, zip_path = tmp_path / "start.csv", tmp_path / "lynx.zip"

    start = runner.invoke(
        args=["export", "startlist", str(race.meet_id), "--race", str(race.id),
              "--encoding", "cp932", "-o", str(csv_path)]
    )  # fmt: skip
    lynx = runner.invoke(args=["export", "lynx", str(race.meet_id), "-o", str(zip_path)])

    assert start.exit_code == 0, start.output
    assert lynx.exit_code == 0, lynx.output
    assert "髙橋 健太".encode("cp932") in csv_path.read_bytes()
    evt = zipfile.ZipFile(zip_path).read("lynx.evt")
    assert evt.startswith(codecs.BOM_UTF16_LE)
    logged = db.session.scalars(select(ExportLog.kind).order_by(ExportLog.id)).all()
    assert logged == ["startlist_csv", "lynx_zip"]


def test_not_ready_data_is_reported_without_a_traceback(app, tmp_path):
    make_user("staff")
    race, _ = build_race()

    result = app.test_cli_runner().invoke(
        args=["export", "startlist", str(race.meet_id), "-o", str(tmp_path / "x.csv")]
    )

    assert result.exit_code == 1
    assert "男子5000m: 組がまだ編成されていません" in result.output
    assert not (tmp_path / "x.csv").exists()
