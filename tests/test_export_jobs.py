"""Files built on the queue (the archive, whole-meet PDFs): off the request, progress shown, one
at a time per kind."""

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from nitsys import progress, storage, tasks
from nitsys.extensions import db
from nitsys.models import ExportJob, ExportJobStatus, ExportLog
from nitsys.services import archive, export_jobs
from tests.test_export_pdfs import pages_text
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
    download = client.get(f"/admin/meets/{race.meet_id}/exports/jobs/{job.id}/download")
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

    status = client.get(f"/admin/meets/{race.meet_id}/exports/jobs/{job.id}")
    again = start(client, race.meet_id)

    assert 'hx-trigger="every 1s"' in status.get_data(as_text=True)
    assert "待機中" in status.get_data(as_text=True)
    assert again.status_code == 409
    assert "アーカイブを作成中です" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ExportJob.id))) == 1
    not_ready = client.get(f"/admin/meets/{race.meet_id}/exports/jobs/{job.id}/download")
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
    assert client.get(f"/admin/meets/{race.meet_id + 1}/exports/jobs/{job.id}").status_code == 404
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


# --- whole-meet PDFs on the queue (the per-race ones stay in the request) --------------------


@pytest.mark.parametrize(
    ("path", "kind", "name"),
    [
        ("pdf/programme", export_jobs.PROGRAMME, "programme_2026-12-05_全種目.pdf"),
        ("pdf/emergency", export_jobs.EMERGENCY, "emergency_2026-12-05_全種目.pdf"),
    ],
)
def test_a_whole_meet_pdf_is_built_on_the_queue_stored_and_downloaded_by_staff(
    client, login_as, path, kind, name
):
    staff = login_as("staff")
    race = ready_race(staff)
    base = f"/admin/meets/{race.meet_id}/exports"

    response = client.post(f"{base}/{path}", data={"target": ""}, follow_redirects=True)

    assert response.request.path == base
    page = response.get_data(as_text=True)
    assert "作成を始めました" in page and f"{name} をダウンロード" in page
    job = db.session.scalar(select(ExportJob).where(ExportJob.kind == kind))
    assert job.status is ExportJobStatus.DONE and job.filename == name
    assert storage.current().get(export_jobs.key_of(job)).startswith(b"%PDF")
    download = client.get(f"{base}/jobs/{job.id}/download")
    assert download.status_code == 200 and download.content_type == "application/pdf"
    assert "髙橋 健太" in "".join(pages_text(download.data))
    logged = db.session.scalars(select(ExportLog).where(ExportLog.kind == kind)).all()
    assert [(log.user_id, log.filename) for log in logged] == [(staff.id, name)]

    for role in ("official", "participant"):
        login_as(role)
        assert client.get(f"{base}/jobs/{job.id}/download").status_code == 403
        assert client.post(f"{base}/{path}", data={"target": ""}).status_code == 403
    assert db.session.scalar(select(func.count(ExportJob.id))) == 1


def test_a_race_programme_stays_in_the_request(client, login_as):
    race = ready_race(login_as("staff"))

    response = client.post(
        f"/admin/meets/{race.meet_id}/exports/pdf/programme", data={"target": f"race:{race.id}"}
    )

    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert db.session.scalar(select(func.count(ExportJob.id))) == 0


def test_an_unknown_job_kind_is_a_404(client, login_as):
    race = ready_race(login_as("staff"))
    assert client.post(f"/admin/meets/{race.meet_id}/exports/jobs/workbook").status_code == 404


# --- progress inside a long part ------------------------------------------------------------


def test_the_archive_reports_progress_inside_a_part_page_by_page(app, login_as, monkeypatch):
    staff = login_as("staff")
    race = ready_race(staff)
    monkeypatch.setattr(archive, "PROGRESS_EVERY", 0)  # every tick passes the throttle
    calls = []

    archive.archive_meet(race.meet_id, by=staff, on_progress=lambda *call: calls.append(call))

    programme = [step for done, _, step in calls if done == 2]
    assert programme[0] == "programme" and "programme 1ページ" in programme
    parts = {done for done, _, _ in calls}
    assert len(calls) > len(parts)  # more reports than parts: progress moved within parts


def test_the_throttle_passes_a_tick_at_most_once_per_interval():
    now = [0.0]
    throttle = progress.Throttle(0.5, clock=lambda: now[0])
    passed = []
    for _ in range(8):  # a tick every 0.25 s of the fake clock
        passed.append(throttle.due())
        now[0] += 0.25
    assert passed == [True, False, True, False, True, False, True, False]


def test_a_tick_outside_a_job_is_ignored_and_a_listener_hears_it():
    heard = []
    progress.tick("1ページ")
    with progress.listening(heard.append):
        progress.tick("2ページ")
    progress.tick("3ページ")
    assert heard == ["2ページ"]
