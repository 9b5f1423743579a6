"""Parking pages: the coach's request and permit, the staff list, export, import and settings."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from nitsys import storage
from nitsys.extensions import db
from nitsys.models import (
    AuditEvent,
    ExportJob,
    ExportJobStatus,
    ParkingLot,
    ParkingRequest,
    ParkingStatus,
    Role,
)
from nitsys.services import export_jobs, parking
from tests.factories import log_in, make_meet, make_organization, make_user

HEADER = "団体ID,団体名,略称,駐車場,許可証番号,大型バス,マイクロ・中型バス,乗用車"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def meet(app):
    staff = make_user(Role.STAFF)
    meet = make_meet(parking_deadline=datetime.now(UTC) + timedelta(days=5))
    parking.save_lot(meet.id, by=staff, name="A駐車場", capacities={"large_bus": 5, "car": 20})
    parking.save_settings(
        meet.id, by=staff, enabled=True, entry_time=time(7), exit_time=time(18), rules="徐行"
    )
    db.session.commit()
    return meet


def _form(**changes):
    return {
        "large_bus": "1",
        "medium_bus": "0",
        "car": "２",
        "arrival_time": "07:30",
        "departure_time": "17:00",
        "driver_phone": "090-1234-5678",
        "note": "",
        **changes,
    }


def _allocate(meet, organization, permit="P-001"):
    staff = make_user(Role.STAFF)
    rows = parking.read_allocation(
        "plan.csv", f"{HEADER}\r\n{organization.id},,,A駐車場,{permit},1,0,2".encode()
    )
    staged = parking.stage(staff, meet, rows, "plan.csv")
    parking.confirm(staff, meet, staged, {}, warnings_confirmed=True)
    db.session.commit()


def test_coach_requests_parking_with_errors_in_place(client, login_as, meet):
    coach = login_as("participant")
    page = client.get(f"/my/meets/{meet.id}/parking")
    assert page.status_code == 200 and "申請する" in page.text
    refused = client.post(f"/my/meets/{meet.id}/parking", data=_form(driver_phone=""), headers=HTMX)
    assert refused.status_code == 422
    assert "電話番号" in refused.text and 'id="parking-request"' in refused.text
    assert "<html" not in refused.text
    saved = client.post(f"/my/meets/{meet.id}/parking", data=_form(), headers=HTMX)
    assert saved.status_code == 200 and "申請中" in saved.text
    request = parking.request_of(meet, coach.organization_id)
    assert (request.large_bus, request.car, request.arrival_time) == (1, 2, time(7, 30))


def test_after_the_deadline_the_request_is_read_only(client, login_as, meet):
    login_as("participant")
    client.post(f"/my/meets/{meet.id}/parking", data=_form())
    meet.parking_deadline = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    page = client.get(f"/my/meets/{meet.id}/parking")
    assert "締切を過ぎた" in page.text and "data-parking-readonly" in page.text
    assert '<form method="post" action="/meets' not in page.text
    refused = client.post(f"/my/meets/{meet.id}/parking", data=_form(car="9"), headers=HTMX)
    assert refused.status_code == 422 and "締切を過ぎた" in refused.text


def test_bad_numbers_in_the_form_are_a_422(client, login_as, meet):
    login_as("participant")
    response = client.post(f"/my/meets/{meet.id}/parking", data=_form(car="1e9"), headers=HTMX)
    assert response.status_code == 422 and "乗用車は0以上の整数" in response.text
    response = client.post(f"/my/meets/{meet.id}/parking", data=_form(arrival_time="25:99"))
    assert response.status_code == 422 and "到着予定" in response.text


def test_individuals_have_no_parking(client, login_as, meet):
    login_as(make_user(individual=True))
    assert "団体で登録した方のみ" in client.get(f"/my/meets/{meet.id}/parking").text
    assert client.post(f"/my/meets/{meet.id}/parking", data=_form()).status_code == 404


def test_permit_download_is_the_teams_own_and_on_the_dashboard(client, login_as, meet):
    coach = login_as("participant")
    client.post(f"/my/meets/{meet.id}/parking", data=_form())
    assert client.get(f"/my/meets/{meet.id}/parking/permit.pdf").status_code == 404
    assert "駐車許可証" not in client.get("/my/").text
    _allocate(meet, coach.organization)
    permit = client.get(f"/my/meets/{meet.id}/parking/permit.pdf")
    assert permit.status_code == 200 and permit.data.startswith(b"%PDF")
    dashboard = client.get("/my/")
    assert "駐車許可証をダウンロード" in dashboard.text and "P-001" in dashboard.text
    login_as("participant")  # another team: nothing to download
    assert client.get(f"/my/meets/{meet.id}/parking/permit.pdf").status_code == 404


def test_staff_pages_are_staff_only(client, login_as, meet):
    login_as("participant")
    assert client.get(f"/admin/meets/{meet.id}/parking").status_code == 403
    login_as("official")
    assert client.get(f"/admin/meets/{meet.id}/parking/requests.csv").status_code == 403


def test_staff_list_filters_and_exports(client, login_as, meet):
    for name in ("日本体育大学", "横浜体育大学"):
        coach = make_user(organization=make_organization(name=name))
        parking.save_request(
            meet.id, by=coach, counts={"large_bus": 2, "car": 1}, driver_phone="090-1-2"
        )
    db.session.commit()
    login_as("staff")
    page = client.get(f"/admin/meets/{meet.id}/parking")
    assert page.status_code == 200
    assert "日本体育大学" in page.text and "横浜体育大学" in page.text
    assert re.search(r'data-total="large_bus"><th scope="row">大型バス</th><td>4</td>', page.text)
    filtered = client.get(f"/admin/meets/{meet.id}/parking?q=横浜", headers=HTMX)
    assert "横浜体育大学" in filtered.text and "日本体育大学" not in filtered.text
    utf8 = client.get(f"/admin/meets/{meet.id}/parking/requests.csv?encoding=utf-8-sig")
    assert utf8.data.startswith(b"\xef\xbb\xbf") and "日本体育大学" in utf8.data.decode("utf-8-sig")
    cp932 = client.get(f"/admin/meets/{meet.id}/parking/requests.csv?encoding=cp932")
    assert "shift_jis" in cp932.content_type and "横浜体育大学" in cp932.data.decode("cp932")
    assert client.get(f"/admin/meets/{meet.id}/parking/requests.csv?encoding=x").status_code == 400


def test_staff_import_preview_choice_and_confirm(client, login_as, meet):
    team = make_organization(name="日本体育大学", short_name="日体大")
    coach = make_user(organization=team)
    parking.save_request(meet.id, by=coach, counts={"large_bus": 1, "car": 2}, driver_phone="0")
    db.session.commit()
    login_as("staff")
    data = f"{HEADER}\r\n,日本体育学,,A駐車場,P-001,1,0,2\r\n".encode("cp932")
    preview = client.post(
        f"/admin/meets/{meet.id}/parking/import",
        data={"file": (io.BytesIO(data), "割当.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200 and 'name="choice-2"' in preview.text
    assert db.session.scalar(select(ParkingRequest.status)) is ParkingStatus.REQUESTED
    token = re.search(r"/import/([^/]+)/confirm", preview.text).group(1)
    url = f"/admin/meets/{meet.id}/parking/import/{token}/confirm"
    refused = client.post(url, data={})
    assert refused.status_code == 422 and "2行目" in refused.text
    assert db.session.scalar(select(ParkingRequest.status)) is ParkingStatus.REQUESTED
    done = client.post(url, data={"choice-2": str(team.id)}, follow_redirects=True)
    assert "1件取り込みました" in done.text
    assert "大型バス 1/5" in done.text  # the lot's load against its capacity
    db.session.expire_all()
    assert db.session.scalar(select(ParkingRequest.permit_number)) == "P-001"
    assert client.post(url, data={"choice-2": str(team.id)}).status_code == 302  # token used up


def test_a_bad_upload_is_a_422_on_the_list_page(client, login_as, meet):
    login_as("staff")
    response = client.post(
        f"/admin/meets/{meet.id}/parking/import",
        data={"file": (io.BytesIO(b"\x00\x01"), "plan.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "data-upload-error" in response.text


def test_staff_set_up_lots_and_settings(client, login_as, meet):
    login_as("staff")
    assert client.get(f"/admin/meets/{meet.id}/parking/settings").status_code == 200
    response = client.post(
        f"/admin/meets/{meet.id}/parking/lots",
        data={"name": "第2グラウンド横", "capacity_large_bus": "3", "capacity_car": "x"},
    )
    assert response.status_code == 422 and "乗用車の収容台数" in response.text
    client.post(
        f"/admin/meets/{meet.id}/parking/lots",
        data={
            "name": "第2グラウンド横",
            "capacity_large_bus": "3",
            "map_url": "https://m.example/",
        },
    )
    assert (
        db.session.scalar(
            select(ParkingLot.capacity_large_bus).where(ParkingLot.name == "第2グラウンド横")
        )
        == 3
    )
    response = client.post(
        f"/admin/meets/{meet.id}/parking/settings",
        data={"enabled": "y", "entry_time": "08:00", "exit_time": "07:00", "rules": ""},
    )
    assert response.status_code == 422 and "出庫時刻は入庫時刻より後" in response.text
    detail = client.get(f"/admin/meets/{meet.id}")
    assert f"/admin/meets/{meet.id}/parking" in detail.text


def test_staff_decline_a_request(client, login_as, meet):
    coach = make_user()
    parking.save_request(meet.id, by=coach, counts={"car": 1}, driver_phone="090-1-2")
    db.session.commit()
    login_as("staff")
    request_id = parking.request_of(meet, coach.organization_id).id
    page = client.post(
        f"/admin/meets/{meet.id}/parking/decline",
        data={"request_id": str(request_id)},
        follow_redirects=True,
    )
    assert "「不可」にしました" in page.text
    assert (
        client.post(f"/admin/meets/{meet.id}/parking/decline", data={"request_id": "x"}).status_code
        == 404
    )
    again = client.post(
        f"/admin/meets/{meet.id}/parking/decline",
        data={"request_id": str(request_id)},
        follow_redirects=True,
    )
    assert "不可の申請は不可にできません" in again.text
    log_in(client, coach)
    assert "不可のため" in client.get(f"/my/meets/{meet.id}/parking").text


def test_an_unmatched_row_offers_every_team_and_a_wrong_choice_is_refused(client, login_as, meet):
    team = make_organization(name="日本体育大学")
    login_as("staff")
    data = f"{HEADER}\r\n,まったく別の団体XYZ,,A駐車場,P-001,1,0,2\r\n".encode()
    preview = client.post(
        f"/admin/meets/{meet.id}/parking/import",
        data={"file": (io.BytesIO(data), "plan.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200 and "該当なし" in preview.text
    assert f'<option value="{team.id}"' in preview.text
    token = re.search(r"/import/([^/]+)/confirm", preview.text).group(1)
    url = f"/admin/meets/{meet.id}/parking/import/{token}/confirm"
    forged = client.post(url, data={"choice-2": "999999", "warnings_confirmed": "y"})
    assert forged.status_code == 422 and "選ばれた団体が見つかりません" in forged.text
    assert db.session.scalar(select(ParkingRequest.id)) is None


def test_all_permits_are_built_on_the_queue_and_downloaded_by_staff_only(
    app, client, login_as, meet, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path))  # the storage
    coach = make_user(organization=make_organization(name="日本体育大学"))
    parking.save_request(meet.id, by=coach, counts={"car": 1}, driver_phone="090-1-2")
    db.session.commit()
    _allocate(meet, coach.organization)
    login_as("staff")

    response = client.post(f"/admin/meets/{meet.id}/exports/jobs/permits", follow_redirects=True)

    assert response.request.path == f"/admin/meets/{meet.id}/parking"
    assert "全駐車許可証の作成を始めました" in response.text
    job = db.session.scalar(select(ExportJob))
    assert job.kind == export_jobs.PERMITS and job.status is ExportJobStatus.DONE
    assert f"{job.filename} をダウンロード" in response.text
    assert storage.current().get(export_jobs.key_of(job)).startswith(b"%PDF")
    download = client.get(f"/admin/meets/{meet.id}/exports/jobs/{job.id}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "parking.permits"))
    for role in ("official", "participant"):
        login_as(role)
        assert (
            client.get(f"/admin/meets/{meet.id}/exports/jobs/{job.id}/download").status_code == 403
        )
        assert client.post(f"/admin/meets/{meet.id}/exports/jobs/permits").status_code == 403


def test_all_permits_before_any_allocation_say_why(client, login_as, meet):
    login_as("staff")
    response = client.post(f"/admin/meets/{meet.id}/exports/jobs/permits", follow_redirects=True)
    assert "割当済みの申請がないため、駐車許可証はまだありません。" in response.text
