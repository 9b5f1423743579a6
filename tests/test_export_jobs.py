"""The archive on the exports page: built off the request, progress shown, one at a time."""

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from nitsys import tasks
from nitsys.extensions import db
from nitsys.models import ExportJob, ExportJobStatus
from nitsys.services import export_jobs
from tests.test_exports_views import ready_race


@pytest.fixture(autouse=True)
def backup_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path))


def start(client, meet_id):
    return client.post(f"/admin/meets/{meet_id}/exports/archive", headers={"HX-Request": "true"})


def test_staff_build_the_archive_and_download_it(client, login_as):
    staff = login_as("staff")
    race = ready_race(staff)

    response = start(client, race.meet_id)

    assert response.status_code == 202
    fragment = response.get_data(as_text=True)
    assert "完成" in fragment and "をダウンロード" in fragment
    job = db.session.scalar(select(ExportJob))
    assert job.status is ExportJobStatus.DONE and job.progress == 100
    download = client.get(f"/admin/meets/{race.meet_id}/exports/archive/{job.id}/download")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    assert job.filename in download.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert "README.txt" in names and any(name.startswith("startlist_") for name in names)
    page = client.get(f"/admin/meets/{race.meet_id}/exports").get_data(as_text=True)
    assert job.filename in page and "記録保存用アーカイブ（zip）" in page


def test_a_running_archive_polls_and_a_second_click_is_refused(client, login_as):
    staff = login_as("staff")
    race = ready_race(staff)
    job = export_jobs.start_archive(race.meet_id, by=staff)
    db.session.commit()

    status = client.get(f"/admin/meets/{race.meet_id}/exports/archive/{job.id}")
    again = start(client, race.meet_id)

    assert 'hx-trigger="every 1s"' in status.get_data(as_text=True)
    assert "待機中" in status.get_data(as_text=True)
    assert again.status_code == 409
    assert "アーカイブを作成中です" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ExportJob.id))) == 1
    not_ready = client.get(f"/admin/meets/{race.meet_id}/exports/archive/{job.id}/download")
    assert not_ready.status_code == 404


def test_a_job_whose_worker_died_shows_as_interrupted_and_can_be_restarted(client, login_as):
    staff = login_as("staff")
    race = ready_race(staff)
    job = export_jobs.start_archive(race.meet_id, by=staff)
    db.session.flush()
    job.updated_at = job.updated_at - export_jobs.STALE_AFTER - timedelta(minutes=1)
    db.session.commit()

    page = client.get(f"/admin/meets/{race.meet_id}/exports").get_data(as_text=True)
    restarted = start(client, race.meet_id)

    assert "作成が中断されました" in page
    assert restarted.status_code == 202
    statuses = db.session.scalars(select(ExportJob.status).order_by(ExportJob.id)).all()
    assert statuses == [ExportJobStatus.FAILED, ExportJobStatus.DONE]


def test_a_job_whose_worker_died_is_picked_up_again_by_the_recovery_task(app, login_as):
    staff = login_as("staff")
    race = ready_race(staff)
    job = export_jobs.start_archive(race.meet_id, by=staff)
    db.session.commit()
    # A worker claimed it, reported some progress, then the process was killed.
    job.status, job.progress, job.attempts = ExportJobStatus.RUNNING, 40, 1
    db.session.commit()
    job.updated_at = job.updated_at - export_jobs.STALE_AFTER - timedelta(minutes=1)
    db.session.commit()

    tasks.recover_jobs.call_local()

    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert job.status is ExportJobStatus.DONE and job.attempts == 2
    assert zipfile.ZipFile(io.BytesIO(export_jobs.archive_file(job))).testzip() is None


def test_a_job_that_keeps_dying_is_failed_after_three_attempts(app, login_as):
    staff = login_as("staff")
    race = ready_race(staff)
    job = export_jobs.start_archive(race.meet_id, by=staff)
    db.session.commit()
    job.status, job.attempts = ExportJobStatus.RUNNING, export_jobs.MAX_ATTEMPTS
    db.session.commit()
    job.updated_at = job.updated_at - export_jobs.STALE_AFTER - timedelta(minutes=1)
    db.session.commit()

    assert export_jobs.requeue_stale() == []

    job = db.session.get(ExportJob, job.id)
    assert job.status is ExportJobStatus.FAILED and "中断" in job.error


def test_a_job_already_taken_by_another_worker_is_not_built_twice(app, login_as, monkeypatch):
    staff = login_as("staff")
    race = ready_race(staff)
    job = export_jobs.start_archive(race.meet_id, by=staff)
    db.session.commit()
    export_jobs.run(job.id)
    built = db.session.get(ExportJob, job.id).filename
    monkeypatch.setattr(export_jobs.archive, "archive_meet", pytest.fail)

    export_jobs.run(job.id)  # the same task delivered a second time

    assert db.session.get(ExportJob, job.id).filename == built


def test_a_failure_is_shown_on_the_job(client, login_as, monkeypatch):
    staff = login_as("staff")
    race = ready_race(staff)

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export_jobs.archive, "archive_meet", broken)
    response = start(client, race.meet_id)

    assert "作成できませんでした" in response.get_data(as_text=True)
    assert "システム管理者" in response.get_data(as_text=True)
    assert db.session.scalar(select(ExportJob.status)) is ExportJobStatus.FAILED


def test_other_roles_and_other_meets_are_refused(client, login_as):
    staff = login_as("staff")
    race = ready_race(staff)
    job = export_jobs.start_archive(race.meet_id, by=staff)
    db.session.commit()
    assert (
        client.get(f"/admin/meets/{race.meet_id + 1}/exports/archive/{job.id}").status_code == 404
    )
    assert start(client, 999).status_code == 404

    login_as("official")
    assert start(client, race.meet_id).status_code == 403


def test_staff_see_queued_running_and_failed_jobs_with_progress_on_the_system_page(
    client, login_as
):
    staff = login_as("staff")
    race = ready_race(staff)
    other = ready_race(staff)
    running = export_jobs.start_archive(race.meet_id, by=staff)
    failed = export_jobs.start_archive(other.meet_id, by=staff)
    db.session.flush()
    running.status, running.progress, running.step = ExportJobStatus.RUNNING, 60, "programme"
    failed.status, failed.error = ExportJobStatus.FAILED, "予期しないエラーで作成できませんでした。"
    db.session.commit()

    html = client.get("/admin/system").get_data(as_text=True)

    section = html[html.index('id="jobs"') :]
    assert "キュー: immediate" in section and "ファイル保存先: ローカル" in section
    assert '<progress value="60"' in section and "programme" in section
    assert "作成中" in section and "失敗" in section and "予期しないエラー" in section
    assert "記録保存用アーカイブ（zip）" in section
