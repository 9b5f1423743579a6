"""Parking (SPEC §9): requests and their deadline, the allocation import, permits."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

import pdfplumber
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from nitsys.domain.errors import RuleViolation
from nitsys.domain.team_match import MatchKind, Team, TeamIndex, normalise
from nitsys.extensions import db
from nitsys.models import AuditEvent, OutboxMessage, ParkingRequest, ParkingStatus, Role
from nitsys.reports.csv_files import CsvEncoding
from nitsys.reports.parking_permit import permits_pdf
from nitsys.services import parking
from tests.factories import make_meet, make_organization, make_user

HEADER = "団体ID,団体名,略称,駐車場,許可証番号,大型バス,マイクロ・中型バス,乗用車"


# --- matching (pure) ---------------------------------------------------------------------


TEAMS = [
    Team(1, "日本体育大学", "日体大"),
    Team(2, "横浜体育大学", "横浜体大"),
    Team(3, "横浜国際大学", "横浜国際大"),
    Team(4, "川崎電機陸上競技部", ""),
    Team(5, "東京大学", "東大"),
    Team(6, "東京工業大学", "東大"),  # a short name two teams share
]


@pytest.mark.parametrize(
    ("cells", "kind", "team"),
    [
        (("1", "", ""), MatchKind.ID, 1),
        (("１", "違う名前", ""), MatchKind.ID, 1),  # the id wins, full-width digits too
        (("99", "日本体育大学", ""), MatchKind.NONE, None),  # a wrong id is never "corrected"
        (("", "日本体育大学", ""), MatchKind.EXACT, 1),
        (("", "日本体育大", ""), MatchKind.EXACT, 1),  # 大学 ↔ 大
        (("", "日本 体育 大学", ""), MatchKind.EXACT, 1),
        (("", "川崎電機", ""), MatchKind.EXACT, 4),  # 陸上競技部 dropped on both sides
        (("", "ﾆｯﾀｲ", ""), MatchKind.NONE, None),
        (("", "日体大", ""), MatchKind.SHORT, 1),  # the short name typed as the name
        (("", "", "横浜体大"), MatchKind.SHORT, 2),
        (("", "東大", ""), MatchKind.AMBIGUOUS, None),
        (("", "横浜大学", ""), MatchKind.AMBIGUOUS, None),  # two 横浜 teams, equally close
        (("", "日本体育学", ""), MatchKind.FUZZY, None),
        (("", "", ""), MatchKind.NONE, None),
    ],
)
def test_matching_order(cells, kind, team):
    match = TeamIndex(TEAMS).match(*cells)
    assert (match.kind, match.team_id) == (kind, team)
    if kind in (MatchKind.FUZZY, MatchKind.AMBIGUOUS):
        assert match.team_id is None and match.candidates  # candidates only, never taken


def test_fuzzy_candidates_put_the_likely_team_first():
    match = TeamIndex(TEAMS).match("", "日本体育学", "")
    assert match.candidates[0].team_id == 1


def test_normalise_folds_widths_and_spellings():
    assert normalise("ＡＢＣ高等学校") == normalise("abc高校") == "abc高"


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def setup(app):
    staff = make_user(Role.STAFF)
    meet = make_meet(parking_deadline=datetime.now(UTC) + timedelta(days=5))
    lot_a = parking.save_lot(
        meet.id, by=staff, name="A駐車場", capacities={"large_bus": 3, "medium_bus": 2, "car": 10}
    )
    lot_b = parking.save_lot(
        meet.id,
        by=staff,
        name="第2グラウンド横",
        map_url="https://maps.example.jp/?q=kenshidai",
        capacities={"large_bus": 1, "medium_bus": 1, "car": 5},
    )
    parking.save_settings(
        meet.id,
        by=staff,
        enabled=True,
        entry_time=time(7, 0),
        exit_time=time(18, 0),
        rules="構内は徐行してください。",
    )
    teams = {
        "nittai": make_organization(name="日本体育大学", short_name="日体大"),
        "yokohama": make_organization(name="横浜体育大学", short_name="横浜体大"),
        "kokusai": make_organization(name="横浜国際大学", short_name="横浜国際大"),
    }
    db.session.commit()
    return staff, meet, (lot_a, lot_b), teams


def _request(meet, team, **counts):
    coach = make_user(organization=team)
    request = parking.save_request(
        meet.id,
        by=coach,
        counts={"large_bus": 1, "medium_bus": 0, "car": 2, **counts},
        arrival_time=time(7, 30),
        departure_time=time(17, 0),
        driver_phone="090-1111-2222",
    )
    db.session.commit()
    return coach, request


def _csv(*lines: str, encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join((HEADER, *lines)).encode(encoding)


def _preview(meet, data: bytes, filename="plan.csv", choices=None):
    return parking.preview(meet, parking.read_allocation(filename, data), choices)


def _import(staff, meet, data: bytes, choices=None, *, warnings_confirmed=True):
    rows = parking.read_allocation("plan.csv", data)
    staged = parking.stage(staff, meet, rows, "plan.csv")
    db.session.commit()
    outcome = parking.confirm(
        staff, meet, staged, choices or {}, warnings_confirmed=warnings_confirmed
    )
    db.session.commit()
    return outcome


# --- requests ----------------------------------------------------------------------------


def test_team_request_is_saved_and_audited(setup):
    _, meet, _, teams = setup
    _, request = _request(meet, teams["nittai"], car=3)
    assert (request.large_bus, request.car, request.status) == (1, 3, ParkingStatus.REQUESTED)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "parking.request"))


def test_deadline_is_enforced_in_the_service(setup):
    _, meet, _, teams = setup
    coach, _ = _request(meet, teams["nittai"])
    meet.parking_deadline = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(RuleViolation, match="締切を過ぎた"):
        parking.save_request(meet.id, by=coach, counts={"car": 5}, driver_phone="090-1111-2222")


def test_disabled_parking_and_individuals_are_refused(setup):
    staff, meet, _, teams = setup
    with pytest.raises(RuleViolation, match="団体で登録"):
        parking.save_request(
            meet.id, by=make_user(individual=True), counts={"car": 1}, driver_phone="03-1-2"
        )
    parking.save_settings(
        meet.id, by=staff, enabled=False, entry_time=None, exit_time=None, rules=""
    )
    with pytest.raises(RuleViolation, match="受け付けていません"):
        _request(meet, teams["nittai"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"counts": {"car": -1}}, "0以上"),
        ({"counts": {"car": 100}}, "99台以下"),
        ({"counts": {}}, "1台以上"),
        ({"driver_phone": "abc"}, "電話番号"),
        ({"arrival_time": time(10), "departure_time": time(9)}, "出発予定"),
    ],
)
def test_bad_requests_are_refused(setup, changes, message):
    _, meet, _, teams = setup
    coach = make_user(organization=teams["nittai"])
    values = {"counts": {"car": 1}, "driver_phone": "090-1111-2222", **changes}
    with pytest.raises(RuleViolation, match=message):
        parking.save_request(meet.id, by=coach, **values)


# --- the allocation import -----------------------------------------------------------------


def test_exact_rows_import_and_notify_once(setup):
    staff, meet, _, teams = setup
    _request(meet, teams["nittai"])
    outcome = _import(staff, meet, _csv(",日本体育大,,A駐車場,P-001,1,0,2"))
    assert outcome.changed == 1
    request = parking.request_of(meet, teams["nittai"].id)
    assert (request.status, request.lot.name, request.permit_number) == (
        ParkingStatus.ASSIGNED,
        "A駐車場",
        "P-001",
    )
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert [m.to_address for m in mails] == [teams["nittai"].representative_email]
    assert "P-001" in mails[0].body_text


def test_reimporting_the_same_file_changes_nothing(setup):
    staff, meet, _, teams = setup
    _request(meet, teams["nittai"])
    _request(meet, teams["yokohama"])
    data = _csv(",日本体育大学,,A駐車場,P-001,1,0,2", ",,横浜体大,第2グラウンド横,P-002,1,0,2")
    assert _import(staff, meet, data).changed == 2
    versions = db.session.scalars(select(ParkingRequest.allocation_version)).all()
    updated = db.session.scalars(select(ParkingRequest.updated_at)).all()
    again = _import(staff, meet, data)
    assert again.changed == 0
    assert all(row.change == "変更なし" for row in again.preview.rows)
    assert db.session.scalars(select(ParkingRequest.allocation_version)).all() == versions
    assert db.session.scalars(select(ParkingRequest.updated_at)).all() == updated
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2


def test_a_changed_allocation_mails_the_team_again(setup):
    staff, meet, _, teams = setup
    _request(meet, teams["nittai"])
    _import(staff, meet, _csv(",日本体育大学,,A駐車場,P-001,1,0,2"))
    _import(staff, meet, _csv(",日本体育大学,,A駐車場,P-001,1,0,1"))
    assert parking.request_of(meet, teams["nittai"].id).allocation_version == 2
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2


def test_a_fuzzy_row_cannot_be_confirmed_without_a_choice(setup):
    staff, meet, _, teams = setup
    _request(meet, teams["nittai"])
    data = _csv(",日本体育学,,A駐車場,P-001,1,0,2")  # a typo: fuzzy only
    result = _preview(meet, data)
    row = result.rows[0]
    assert row.match.kind is MatchKind.FUZZY and row.team_id is None
    assert row.match.candidates[0].team_id == teams["nittai"].id
    with pytest.raises(RuleViolation, match="2行目") as refused:
        _import(staff, meet, data)
    assert refused.value.preview.undecided
    db.session.rollback()
    assert parking.request_of(meet, teams["nittai"].id).status is ParkingStatus.REQUESTED
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    outcome = _import(staff, meet, data, {2: str(teams["nittai"].id)})
    assert outcome.changed == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "parking.import"))
    assert event.after["chosen"] == {"2": teams["nittai"].id}


def test_an_ambiguous_row_lists_both_teams_and_may_be_skipped(setup):
    staff, meet, _, teams = setup
    _request(meet, teams["yokohama"])
    data = _csv(",横浜大学,,A駐車場,P-009,1,0,0", ",日本体育大学,,A駐車場,P-001,1,0,2")
    result = _preview(meet, data)
    ambiguous = result.rows[0]
    assert ambiguous.match.kind is MatchKind.AMBIGUOUS
    assert {c.team_id for c in ambiguous.match.candidates} >= {
        teams["yokohama"].id,
        teams["kokusai"].id,
    }
    outcome = _import(staff, meet, data, {2: parking.SKIP})
    assert outcome.changed == 1  # only 日本体育大学
    assert parking.request_of(meet, teams["yokohama"].id).status is ParkingStatus.REQUESTED


def test_unmatched_rows_are_listed_with_their_line_numbers(setup):
    _, meet, _, _ = setup
    result = _preview(
        meet, _csv(",日本体育大学,,A駐車場,P-001,1,0,2", ",全然ちがう団体XYZ,,A駐車場,P-002,0,0,1")
    )
    assert [(row.line, row.match.kind) for row in result.undecided] == [(3, MatchKind.NONE)]


def test_warnings_must_be_confirmed(setup):
    staff, meet, _, teams = setup
    _request(meet, teams["nittai"], large_bus=0)
    data = _csv(",日本体育大学,,第2グラウンド横,P-001,2,0,2")  # 2 buses: none asked, lot holds 1
    result = _preview(meet, data)
    assert any("大型バスの割当（2台）が申請（0台）" in w for w in result.warnings)
    assert any("収容台数1台を超えています" in w for w in result.warnings)
    with pytest.raises(RuleViolation, match="警告"):
        _import(staff, meet, data, warnings_confirmed=False)
    db.session.rollback()
    assert _import(staff, meet, data, warnings_confirmed=True).changed == 1


def test_two_teams_may_swap_permit_numbers(setup):
    staff, meet, _, teams = setup
    _request(meet, teams["nittai"])
    _request(meet, teams["yokohama"])
    _import(
        staff,
        meet,
        _csv(",日本体育大学,,A駐車場,P-001,1,0,2", ",横浜体育大学,,A駐車場,P-002,1,0,2"),
    )
    _import(
        staff,
        meet,
        _csv(",日本体育大学,,A駐車場,P-002,1,0,2", ",横浜体育大学,,A駐車場,P-001,1,0,2"),
    )
    assert parking.request_of(meet, teams["nittai"].id).permit_number == "P-002"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            (",日本体育大学,,A駐車場,P-001,1,0,2", ",日体大,,A駐車場,P-002,1,0,0"),
            "3行目: 団体「日本体育大学」は2行目にもあります",
        ),
        ((",日本体育大学,,A駐車場,P-001,-1,0,2",), "2行目: 「大型バス」に負の数"),
        ((",日本体育大学,,A駐車場,P-001,1,0,100000",), "2行目: 「乗用車」の100000台は多すぎます"),
        ((",日本体育大学,,A駐車場,P-001,1,abc,0",), "2行目: 「マイクロ・中型バス」は0以上の整数"),
        (
            (",日本体育大学,,C駐車場,P-001,1,0,2",),
            "2行目: 駐車場「C駐車場」はこの大会に登録されていません",
        ),
        (
            (",日本体育大学,,A駐車場,P-001,1,0,2", ",横浜体育大学,,A駐車場,P-001,0,0,1"),
            "3行目: 許可証番号「P-001」は2行目と重複",
        ),
        ((",日本体育大学,,A駐車場,,1,0,2",), "2行目: 許可証番号が空です"),
        ((",日本体育大学,,A駐車場,P-001,0,0,0",), "2行目: 割当台数がすべて0です"),
    ],
)
def test_bad_rows_name_the_row_and_block_the_import(setup, lines, message):
    staff, meet, _, _ = setup
    result = _preview(meet, _csv(*lines))
    assert any(message in error for error in result.errors), result.errors
    with pytest.raises(RuleViolation, match="エラーのある行"):
        _import(staff, meet, _csv(*lines))
    db.session.rollback()
    assert db.session.scalar(select(func.count(ParkingRequest.id))) == 0


def test_a_permit_number_held_by_another_team_is_refused(setup):
    staff, meet, _, teams = setup
    _request(meet, teams["nittai"])
    _request(meet, teams["yokohama"])
    _import(staff, meet, _csv(",日本体育大学,,A駐車場,P-001,1,0,2"))
    result = _preview(meet, _csv(",横浜体育大学,,A駐車場,P-001,1,0,2"))
    assert result.errors == [
        "2行目: 許可証番号「P-001」は既に「日本体育大学」に割り当てられています。"
    ]


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("plan.csv", b"", "ファイルが空です"),
        (
            "plan.csv",
            "団体名,駐車場\r\n日本体育大学,A駐車場".encode(),
            "必須の列がありません: 許可証番号",
        ),
        ("plan.csv", HEADER.encode() + b"\r\n", "取り込むデータがありません"),
        ("plan.csv", b"\x82\xa0\xff\xfe\x81" * 10, "文字コード"),
        ("plan.xlsx", b"PK\x03\x04broken", "Excel"),
        ("plan.pdf", b"%PDF-1.4", "Excel（.xlsx）または CSV"),
    ],
)
def test_unreadable_files_get_a_japanese_message(setup, filename, data, message):
    with pytest.raises(RuleViolation, match=message):
        parking.read_allocation(filename, data)


def test_a_10000_row_file_is_refused_whole(setup):
    lines = [f",団体{n},,A駐車場,P-{n},0,0,1" for n in range(10_000)]
    with pytest.raises(RuleViolation, match="2000行までです（このファイルには10000行"):
        parking.read_allocation("plan.csv", _csv(*lines))


def test_cp932_and_xlsx_sheets_are_read(setup):
    _, meet, _, teams = setup
    result = _preview(meet, _csv(",日本体育大学,,A駐車場,P-001,1,0,2", encoding="cp932"))
    assert result.rows[0].team_id == teams["nittai"].id
    workbook = Workbook()
    workbook.active.append(HEADER.split(","))
    workbook.active.append([None, "横浜体育大学", None, "A駐車場", "P-7", 1, 0, 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _preview(meet, buffer.getvalue(), "plan.xlsx")
    assert (result.rows[0].team_id, result.rows[0].counts["large_bus"]) == (teams["yokohama"].id, 1)


def test_the_export_can_be_imported_back_unchanged(setup):
    staff, meet, _, teams = setup
    _request(meet, teams["nittai"])
    _import(staff, meet, _csv(",日本体育大学,,A駐車場,P-001,1,0,2"))
    for encoding in CsvEncoding:
        data, _ = parking.export_requests(meet.id, by=staff, encoding=encoding)
        result = _preview(meet, data)
        assert [(row.match.kind, row.change) for row in result.rows] == [(MatchKind.ID, "変更なし")]
    assert data.decode("cp932").startswith("団体ID,団体名,略称,申請_大型バス")


# --- permits -----------------------------------------------------------------------------


def test_permit_pdf_text_has_team_lot_and_number(setup):
    staff, meet, _, teams = setup
    _request(meet, teams["nittai"])
    _request(meet, teams["yokohama"])
    _import(
        staff,
        meet,
        _csv(",日本体育大学,,第2グラウンド横,P-001,1,0,1", ",横浜体育大学,,A駐車場,P-002,1,0,2"),
    )
    _, permits = parking.all_permits(meet.id)
    data = permits_pdf(meet, parking.settings_for(meet), permits)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [page.extract_text() for page in pdf.pages]
    assert len(pages) == 2
    assert "日本体育大学" in pages[0] and "第2グラウンド横" in pages[0] and "P-001" in pages[0]
    assert "横浜体育大学" in pages[1] and "A駐車場" in pages[1] and "P-002" in pages[1]
    assert "構内は徐行してください。" in pages[0] and "07:00 以降" in pages[0]


def test_workbook_and_archive_carry_the_parking_data(app, setup, tmp_path):
    import zipfile

    from openpyxl import load_workbook

    from nitsys import storage
    from nitsys.services import archive, workbook

    staff, meet, _, teams = setup
    _request(meet, teams["nittai"])
    _import(staff, meet, _csv(",日本体育大学,,A駐車場,P-001,1,0,2"))
    book = load_workbook(io.BytesIO(workbook.build_workbook(meet)[0]), read_only=True)
    rows = list(book["駐車場"].iter_rows(values_only=True))
    assert rows[1][1:3] == ("日本体育大学", "割当済") and "P-001" in rows[1]
    app.config["BACKUP_DIR"] = str(tmp_path)
    result = archive.archive_meet(meet.id, by=staff)
    stored = storage.current().get(archive.key_of(result.filename))
    names = zipfile.ZipFile(io.BytesIO(stored)).namelist()
    assert any(n.startswith("parking_") and n.endswith(".csv") for n in names)
    assert any(n.startswith("駐車許可証_") for n in names)


def test_without_a_deadline_requests_close_when_the_meet_begins(setup):
    _, meet, _, teams = setup
    meet.parking_deadline = None
    meet.first_day = meet.last_day = datetime.now(UTC).date() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(RuleViolation, match="締切を過ぎた"):
        _request(meet, teams["nittai"])


def test_cleanup_removes_expired_import_staging(setup):
    from nitsys.models import ParkingImport
    from nitsys.services import cleanup

    staff, meet, _, _ = setup
    rows = parking.read_allocation("plan.csv", _csv(",日本体育大学,,A駐車場,P-001,1,0,2"))
    old = parking.stage(staff, meet, rows, "old.csv")
    fresh = parking.stage(staff, meet, rows, "fresh.csv")
    old.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    removed = cleanup.run()
    db.session.commit()
    assert removed["期限切れの駐車場割当の取込データ"] == 1
    assert db.session.scalars(select(ParkingImport.filename)).all() == [fresh.filename]


def test_line_numbers_count_blank_lines_above_the_header(setup):
    _, meet, _, _ = setup
    data = ("\r\n\r\n" + HEADER + "\r\n,日本体育大学,,Z駐車場,P-001,1,0,2").encode()
    assert _preview(meet, data).errors[0].startswith("4行目: 駐車場「Z駐車場」")
