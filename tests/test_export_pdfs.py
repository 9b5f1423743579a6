"""The meet office's PDFs read back as text: names, bibs, times, states; refusals and the log."""

import io
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import quote

import pdfplumber
import pytest
from sqlalchemy import func, select

from nitsys.domain.errors import NotFound
from nitsys.extensions import db
from nitsys.models import ApplicationStatus, ExportLog, HeatSlot
from nitsys.reports.meet_pdfs import RunnerState, emergency_pdf
from nitsys.services import export_pdfs, exports
from tests import sample_startlist
from tests.factories import (
    make_confirmed_entries,
    make_locked_heats,
    make_meet,
    make_organization,
    make_race,
    make_user,
)
from tests.test_exports_service import build_race, ready_race, slots_by_name


@pytest.fixture
def staff(app):
    return make_user("staff")


def pages_text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def log_count() -> int:
    return db.session.scalar(select(func.count(ExportLog.id)))


def bib_of(race, name: str) -> int:
    return slots_by_name(race)[name].bib


# Three runners, two per heat, fastest heat first: heat 1 at 10:00, heat 2 at 10:20 (JST).


def test_the_programme_lists_every_heat_with_start_time_and_runners(staff):
    race, _ = ready_race(staff)

    file = export_pdfs.export_programme(race.meet_id, by=staff, race_id=race.id)

    assert file.content_type == "application/pdf"
    assert file.filename == "programme_2026-12-05_男子5000m.pdf"
    text = "\n".join(pages_text(file.data))
    assert "第330回日本体育大学長距離競技会 プログラム 男子5000m" in text
    assert "第1組 スタート 10:00" in text and "第2組 スタート 10:20" in text
    bib = bib_of(race, "髙橋 健太")
    assert f"1 {bib} 髙橋 健太 タカハシ ケンタ 日体大 14:40.00" in text


def test_the_roll_call_has_one_page_per_heat_with_call_time(staff):
    race, _ = ready_race(staff)

    file = export_pdfs.export_roll_call(race.meet_id, by=staff, race_id=race.id)

    first, second = pages_text(file.data)
    assert "第1組 スタート 10:00 招集 09:40" in first
    assert "腰No ゼッケン 氏名 フリガナ 所属 申告記録 点呼 備考" in first
    assert "髙橋 健太" in first and "髙橋 健太" not in second
    assert "第2組 スタート 10:20 招集 10:00" in second


def test_one_heat_alone_is_named_and_logged_as_that_heat(staff):
    race, _ = ready_race(staff)
    heat = slots_by_name(race)["髙橋 健太"].heat

    file = export_pdfs.export_roll_call(race.meet_id, by=staff, heat_id=heat.id)
    db.session.commit()

    (page,) = pages_text(file.data)
    assert "点呼表 男子5000m 第1組" in page and "髙橋 健太" in page
    assert file.filename == "rollcall-heat1_2026-12-05_男子5000m.pdf"
    log = db.session.scalar(select(ExportLog))
    assert (log.kind, log.race_id, log.parameters) == ("rollcall_pdf", race.id, {"heat": 1})
    assert log.row_count == len(heat.slots) < len(exports.start_list_rows(race.meet_id, race.id))


def test_result_sheets_leave_place_and_time_blank(staff):
    race, _ = ready_race(staff)
    slots = slots_by_name(race)

    file = export_pdfs.export_result_sheets(race.meet_id, by=staff, race_id=race.id)

    text = "\n".join(pages_text(file.data))
    assert "腰No ゼッケン 氏名 所属 順位 記録 備考" in text
    runner_lines = [line for line in text.splitlines() if "日体大" in line]
    assert sorted(runner_lines) == sorted(
        f"{slot.position} {slot.bib} {name} 日体大" for name, slot in slots.items()
    )


def test_a_meet_that_is_not_ready_is_refused_in_japanese_and_nothing_is_logged(staff):
    race, _ = build_race()

    for export in (export_pdfs.export_programme, export_pdfs.export_roll_call):
        with pytest.raises(exports.ExportNotReady, match="男子5000m: 組がまだ編成されていません"):
            export(race.meet_id, by=staff)
    assert log_count() == 0


def test_a_race_or_heat_of_another_meet_is_not_found(staff):
    race, _ = ready_race(staff)
    other = make_meet()
    heat = slots_by_name(race)["髙橋 健太"].heat
    other_race = make_race(other)

    with pytest.raises(NotFound):
        export_pdfs.export_roll_call(other.id, by=staff, heat_id=heat.id)
    with pytest.raises(NotFound):
        export_pdfs.export_result_sheets(race.meet_id, by=staff, race_id=other_race.id)
    with pytest.raises(NotFound):  # a heat of the meet, but not of the race asked for
        export_pdfs.export_roll_call(
            race.meet_id, by=staff, race_id=make_race(race.meet, distance=10000).id, heat_id=heat.id
        )
    assert log_count() == 0


def emergency_meet(staff):
    """Two teams whose kana order differs from their kanji code order, and runners in every
    payment and check-in state."""
    race = make_race(first_start_at=datetime(2026, 12, 5, 1, 0, tzinfo=UTC))
    waseda = make_organization(name="早稲田大学", name_kana="ワセダダイガク", short_name="早大")
    aoyama = make_organization(
        name="青山学院大学", name_kana="アオヤマガクインダイガク", short_name="青学"
    )
    fast, slow = make_confirmed_entries(race, [88000, 89000], coach=make_user(organization=waseda))
    (unpaid,) = make_confirmed_entries(race, [90000], coach=make_user(organization=aoyama))
    make_locked_heats(race, staff)
    unpaid.application.status = ApplicationStatus.AWAITING_PAYMENT
    slot_of = {s.entry_id: s for s in db.session.scalars(select(HeatSlot))}
    slot_of[fast.id].checked_in = True
    slot_of[slow.id].dns = True
    db.session.commit()
    return race, [slot_of[e.id] for e in (fast, slow, unpaid)]


def test_the_emergency_list_shows_states_team_by_team_in_kana_order(staff):
    race, (fast, slow, unpaid) = emergency_meet(staff)

    file = export_pdfs.export_emergency(race.meet_id, by=staff)

    assert file.filename.startswith("emergency_") and file.filename.endswith("_全種目.pdf")
    text = "\n".join(pages_text(file.data))
    lines = text.splitlines()
    assert lines.index("青学（1名）") < lines.index("早大（2名）")

    def line_of(slot):
        name = slot.entry.athlete.full_name
        return next(line for line in lines if name in line)

    assert line_of(fast).startswith(f"{fast.bib} 男子5000m 1 {fast.position} 12/05 10:00")
    assert line_of(fast).endswith("早大 入金確認済み 点呼済み")
    assert line_of(slow).endswith("早大 入金確認済み 欠場")
    assert line_of(unpaid).endswith("青学 未確認 未点呼")
    waseda_bibs = [int(line.split()[0]) for line in lines if line.endswith(("点呼済み", "欠場"))]
    assert waseda_bibs == sorted(waseda_bibs)
    assert lines.index(line_of(unpaid)) < lines.index(line_of(fast))


# --- pages and terminal ---------------------------------------------------------------------


def test_staff_download_each_pdf_with_its_name_and_the_log_lists_it(client, login_as):
    staff = login_as("staff")
    race, _ = ready_race(staff)
    heat = slots_by_name(race)["髙橋 健太"].heat
    base = f"/admin/meets/{race.meet_id}/exports"

    page = client.get(base).get_data(as_text=True)
    assert f'<option value="heat:{heat.id}">男子5000m 第1組</option>' in page

    for path, target, name in (
        ("rollcall", f"heat:{heat.id}", "rollcall-heat1_2026-12-05_男子5000m.pdf"),
        ("programme", f"race:{race.id}", "programme_2026-12-05_男子5000m.pdf"),
        ("results-sheet", "", "resultsheet_2026-12-05_全種目.pdf"),
    ):  # the whole meet's programme and the emergency list: tests/test_export_jobs.py
        response = client.post(f"{base}/pdf/{path}", data={"target": target})
        assert response.status_code == 200, path
        assert response.content_type == "application/pdf"
        assert f"filename*=UTF-8''{quote(name)}" in response.headers["Content-Disposition"]
        assert "髙橋 健太" in "".join(pages_text(response.data))

    log_page = client.get(base).get_data(as_text=True)
    assert "点呼表（PDF）" in log_page and "緊急用全データ（PDF）" in log_page


def test_a_refused_pdf_returns_to_the_page_with_the_message(client, login_as):
    login_as("staff")
    race, _ = build_race()

    response = client.post(
        f"/admin/meets/{race.meet_id}/exports/pdf/emergency", follow_redirects=True
    )

    assert response.request.path == f"/admin/meets/{race.meet_id}/exports"
    page = response.get_data(as_text=True)
    assert "まだ出力できません。この大会にはまだ組がありません。" in page
    assert log_count() == 0


def test_forged_targets_are_refused(client, login_as):
    staff = login_as("staff")
    race, _ = ready_race(staff)
    heat = slots_by_name(race)["髙橋 健太"].heat
    base = f"/admin/meets/{race.meet_id}/exports/pdf"

    assert client.post(f"{base}/rollcall", data={"target": "meet:1"}).status_code == 400
    assert client.post(f"{base}/programme", data={"target": f"heat:{heat.id}"}).status_code == 400
    other = make_meet()
    response = client.post(
        f"/admin/meets/{other.id}/exports/pdf/rollcall",
        data={"target": f"heat:{heat.id}"},
        follow_redirects=True,
    )
    assert "この大会（種目）の組ではありません。" in response.get_data(as_text=True)
    assert log_count() == 0


def test_officials_and_participants_are_refused(client, login_as):
    staff = make_user("staff")
    race, _ = ready_race(staff)
    for role in ("participant", "official"):
        login_as(role)
        for path in ("rollcall", "programme", "results-sheet", "emergency"):
            response = client.post(f"/admin/meets/{race.meet_id}/exports/pdf/{path}")
            assert response.status_code == 403
    assert log_count() == 0


def test_the_terminal_writes_the_pdf(app, tmp_path, staff):
    race, _ = ready_race(staff)
    output = tmp_path / "programme.pdf"

    result = app.test_cli_runner().invoke(
        args=["export", "pdf", "programme", str(race.meet_id), "--race", str(race.id),
              "-o", str(output)]
    )  # fmt: skip
    refused = app.test_cli_runner().invoke(
        args=["export", "pdf", "emergency", str(race.meet_id), "--race", str(race.id)]
    )

    assert result.exit_code == 0, result.output
    assert "髙橋 健太" in "".join(pages_text(output.read_bytes()))
    assert refused.exit_code != 0 and "大会全体でのみ" in refused.output
    assert db.session.scalars(select(ExportLog.kind)).all() == ["programme_pdf"]


def test_a_team_longer_than_a_page_goes_on_with_the_header_repeated(app):
    first = sample_startlist.rows()[0]
    team = [replace(first, bib=5000 + n, slot_id=n) for n in range(60)]
    states = {n: RunnerState(paid=True, checked_in=False, absent=False) for n in range(60)}

    pages = pages_text(emergency_pdf(team, states, title="緊急用全データ"))

    assert len(pages) == 2
    assert all("ゼッケン 種目 組 腰No スタート 氏名 フリガナ 所属 入金 点呼" in p for p in pages)
    shown = [int(line.split()[0]) for p in pages for line in p.splitlines() if "未点呼" in line]
    assert shown == [5000 + n for n in range(60)]
