"""The all-data workbook: one sheet per table, real dates, no secrets, logged, staff only."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from nitsys.domain.lynx import ResultStatus
from nitsys.extensions import db
from nitsys.models import AuditEvent, ExportLog, HeatResult, HeatSlot, PaymentSlip, User
from nitsys.services import workbook
from tests.factories import make_locked_heats, make_meet, make_user
from tests.test_exports_service import build_race

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def staff(login_as):
    return login_as("staff")


def download(client, meet_id):
    response = client.post(f"/admin/meets/{meet_id}/exports/workbook")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.content_type == XLSX
    return load_workbook(io.BytesIO(response.data))


def rows(book, title):
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def column(book, title, label):
    header, *lines = rows(book, title)
    return [line[header.index(label)] for line in lines]


def add_slip(entry, by, **fields):
    content = b"%PDF-1.4 slip"
    slip = PaymentSlip(
        application_id=entry.application_id,
        uploaded_by_id=by.id,
        content=content,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        thumbnail=b"thumb",
        original_filename="秘密の明細.pdf",
        **fields,
    )
    db.session.add(slip)
    db.session.commit()


def test_every_table_is_a_sheet_with_japanese_headers_and_the_meets_data(client, staff):
    race, entries = build_race()
    make_locked_heats(race, staff)
    add_slip(entries[0], staff, transfer_date=date(2026, 11, 20), declared_amount=6000,
             payer_name="ﾆｯﾀｲﾀﾞｲ")  # fmt: skip

    book = download(client, race.meet_id)

    assert book.sheetnames == ["団体", "選手", "申込", "エントリー", "入金", "組", "組編成"]
    assert column(book, "団体", "略称") == ["日体大"]
    assert rows(book, "選手")[0][:5] == ["選手ID", "姓", "名", "セイ", "メイ"]
    athletes = {line[1] + line[2]: line for line in rows(book, "選手")[1:]}
    assert athletes["髙橋健太"][3:7] == ["タカハシ", "ケンタ", "Takahashi", "Kenta"]
    assert athletes["髙橋健太"][8].date() == entries[0].athlete.birth_date  # a real date
    assert book["選手"]["I2"].number_format == "yyyy/mm/dd"
    # Race times are durations Excel sorts and sums, shown as 14:40.00 (issue 13, item 13).
    declared = column(book, "エントリー", "申告タイム")
    assert [round(value.total_seconds(), 2) for value in declared] == [880, 890, 900]
    at = rows(book, "エントリー")[0].index("申告タイム") + 1
    assert book["エントリー"].cell(row=2, column=at).number_format == "[m]:ss.00"
    assert column(book, "入金", "振込日")[0].date() == date(2026, 11, 20)
    assert column(book, "入金", "振込名義") == ["ﾆｯﾀｲﾀﾞｲ"]
    bibs = db.session.scalars(select(HeatSlot.bib).order_by(HeatSlot.bib)).all()
    assert sorted(column(book, "組編成", "ゼッケン")) == bibs
    assert column(book, "組", "確定") == ["済", "済"]
    assert book["エントリー"].freeze_panes == "A2"


def test_no_password_hash_token_or_slip_file_name_is_in_it(client, staff):
    race, entries = build_race()
    add_slip(entries[0], staff)
    secrets = db.session.scalars(select(User.password_hash)).all()

    book = download(client, race.meet_id)

    cells = [
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
    ]
    assert cells and not any(secret in cells for secret in secrets)
    hashes = ("pbkdf2", "scrypt", "$argon2")
    assert not any(any(h in cell for h in hashes) or "秘密の明細" in cell for cell in cells)


def test_a_meet_before_its_heats_still_exports_the_entries(client, staff):
    race, _ = build_race()

    book = download(client, race.meet_id)

    assert len(rows(book, "エントリー")) == 4
    assert rows(book, "組") == [["種目", "組", "スタート時刻", "招集時刻", "人数", "確定", "公開"]]
    assert "結果" not in book.sheetnames


def test_results_get_their_own_sheet_finishers_first(client, staff):
    race, _ = build_race()
    make_locked_heats(race, staff)
    slots = db.session.scalars(select(HeatSlot).order_by(HeatSlot.id)).all()
    db.session.add_all(
        [
            HeatResult(slot_id=slots[0].id, heat_id=slots[0].heat_id, status=ResultStatus.DNF),
            HeatResult(
                slot_id=slots[1].id,
                heat_id=slots[1].heat_id,
                status=ResultStatus.FINISHED,
                place=1,
                time=86042,
            ),
        ]
    )
    db.session.commit()

    book = download(client, race.meet_id)

    results = rows(book, "結果")
    assert results[0][-3:] == ["着順", "記録", "状態"]
    finished, dnf = (line[-3:] for line in results[1:])
    assert (finished[0], round(finished[1].total_seconds(), 2), finished[2]) == (1, 860.42, "完走")
    assert dnf == [None, None, "途中棄権"]


def test_text_that_looks_like_a_formula_stays_text(client, staff):
    race, entries = build_race()
    entries[0].note = '=HYPERLINK("http://example.com")'
    db.session.commit()

    book = download(client, race.meet_id)

    header, *lines = list(book["エントリー"].iter_rows())
    notes = [line[[cell.value for cell in header].index("備考")] for line in lines]
    formula_like = next(cell for cell in notes if cell.value)
    assert formula_like.data_type == "s" and formula_like.value.startswith("=HYPERLINK")


def test_the_download_is_logged_as_a_personal_data_export(client, staff):
    race, _ = build_race()
    make_locked_heats(race, staff)

    response = client.post(f"/admin/meets/{race.meet_id}/exports/workbook")

    log = db.session.scalar(select(ExportLog))
    assert (log.kind, log.user_id, log.race_id) == ("workbook_xlsx", staff.id, None)
    assert log.filename == "alldata_2026-12-05_全種目.xlsx" and log.size_bytes == len(response.data)
    # 1 team, 3 athletes, 1 application, 3 entries, 2 heats, 3 slots
    assert log.row_count == 13
    audited = select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)
    assert db.session.scalar(audited) == "exports.workbook_xlsx"
    page = client.get(f"/admin/meets/{race.meet_id}/exports").get_data(as_text=True)
    assert "全データ（Excel）" in page and "alldata_2026-12-05_全種目.xlsx" in page


def test_participants_and_officials_are_refused(client, login_as):
    meet = make_meet()
    for role in ("participant", "official"):
        login_as(role)
        assert client.post(f"/admin/meets/{meet.id}/exports/workbook").status_code == 403
    assert db.session.scalar(select(func.count(ExportLog.id))) == 0


def test_an_unknown_meet_is_not_found(client, staff):
    assert client.post("/admin/meets/999/exports/workbook").status_code == 404


def test_the_workbook_at_the_terminal(app, tmp_path):
    make_user("staff")
    race, _ = build_race()
    path = tmp_path / "all.xlsx"

    result = app.test_cli_runner().invoke(
        args=["export", "workbook", str(race.meet_id), "-o", str(path)]
    )

    assert result.exit_code == 0, result.output
    assert "髙橋" in column(load_workbook(path), "選手", "姓")
    assert db.session.scalar(select(ExportLog.kind)) == "workbook_xlsx"


def test_the_service_counts_every_row(app):
    race, _ = build_race()

    _data, row_count = workbook.build_workbook(race.meet)

    assert row_count == 1 + 3 + 1 + 3  # team, athletes, application, entries
