"""Start-list CSV and FinishLynx zip from real heats: bytes, readiness refusals and the log."""

import codecs
import csv
import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from nitsys.domain.lynx import LynxEncoding
from nitsys.extensions import db
from nitsys.models import AuditEvent, ExportLog, HeatOrder, HeatSlot, RaceGender
from nitsys.reports.csv_files import CsvEncoding, UnencodableText
from nitsys.services import exports, heats
from tests.factories import (
    make_confirmed_entries,
    make_locked_heats,
    make_meet,
    make_organization,
    make_race,
    make_user,
)

FIRST_START = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 10:00 in Japan
HEADER = (
    "大会,種目,組,スタート時刻,腰ナンバー,ゼッケン,氏名,フリガナ,ローマ字,所属,申告タイム,JAAF ID"
)


@pytest.fixture
def staff(app):
    return make_user("staff")


def build_race(meet=None, *, gender=RaceGender.MALE, distance=5000, times=(88000, 89000, 90000)):
    meet = meet or make_meet(
        name="第330回日本体育大学長距離競技会",
        first_day=date(2026, 12, 5),
        last_day=date(2026, 12, 5),
    )
    race = make_race(
        meet,
        gender=gender,
        distance=distance,
        heat_capacity=2,
        heat_order=HeatOrder.FAST_FIRST,
        first_start_at=FIRST_START,
        heat_interval_minutes=20,
    )
    coach = make_user(organization=make_organization(short_name="日体大"))
    entries = make_confirmed_entries(race, times, coach=coach)
    first = entries[0].athlete
    first.last_name, first.first_name = "髙橋", "健太"
    first.last_name_kana, first.first_name_kana = "タカハシ", "ケンタ"
    first.last_name_en, first.first_name_en = "Takahashi", "Kenta"
    db.session.commit()
    return race, entries


def ready_race(staff, **options):
    race, entries = build_race(**options)
    make_locked_heats(race, staff)
    return race, entries


def slots_by_name(race):
    slots = db.session.scalars(select(HeatSlot).where(HeatSlot.heat.has(race_id=race.id)))
    return {slot.entry.athlete.full_name: slot for slot in slots}


def csv_rows(data: bytes, codec: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(codec), newline="")))


def log_count() -> int:
    return db.session.scalar(select(func.count(ExportLog.id)))


def test_the_start_list_csv_has_one_bom_crlf_and_the_bib_not_the_waist_number(staff):
    race, _ = ready_race(staff)

    file = exports.export_start_list(race.meet_id, by=staff, race_id=race.id)

    assert file.filename == "startlist_2026-12-05_男子5000m.csv"
    assert file.content_type == "text/csv; charset=utf-8"
    assert file.data.startswith(codecs.BOM_UTF8) and file.data.count(codecs.BOM_UTF8) == 1
    assert file.data.count(b"\n") == file.data.count(b"\r\n") == 4
    header, *lines = csv_rows(file.data, "utf-8-sig")
    assert ",".join(header) == HEADER
    slots = slots_by_name(race)
    assert len(lines) == 3
    for line in lines:
        slot = slots[line[6]]
        assert line[4] == str(slot.position) and line[5] == str(slot.bib)
        assert int(line[5]) >= 1000  # the general men's bib range, never a waist number 1..2
    takahashi = next(line for line in lines if line[6] == "髙橋 健太")
    assert takahashi[:4] == ["第330回日本体育大学長距離競技会", "男子5000m", "1", "10:00"]
    assert takahashi[7:11] == ["タカハシ ケンタ", "TAKAHASHI Kenta", "日体大", "14:40.00"]
    assert [line[2:4] for line in lines] == [["1", "10:00"], ["1", "10:00"], ["2", "10:20"]]


def test_the_cp932_start_list_has_the_same_lines_in_shift_jis(staff):
    race, _ = ready_race(staff)

    utf8 = exports.export_start_list(race.meet_id, by=staff, encoding=CsvEncoding.UTF8_BOM)
    sjis = exports.export_start_list(race.meet_id, by=staff, encoding=CsvEncoding.CP932)

    assert sjis.content_type == "text/csv; charset=shift_jis"
    assert not sjis.data.startswith(codecs.BOM_UTF8)
    assert "髙橋 健太".encode("cp932") in sjis.data
    assert csv_rows(sjis.data, "cp932") == csv_rows(utf8.data, "utf-8-sig")


def test_a_name_shift_jis_cannot_hold_is_refused_by_name_and_not_logged(staff):
    race, entries = ready_race(staff)
    entries[1].athlete.last_name = "𠮷田"
    db.session.commit()

    with pytest.raises(UnencodableText, match="𠮷田"):
        exports.export_start_list(race.meet_id, by=staff, encoding=CsvEncoding.CP932)
    db.session.rollback()

    assert log_count() == 0


def test_the_meet_start_list_covers_every_race_in_programme_order(staff):
    men, _ = ready_race(staff)
    women, _ = build_race(men.meet, gender=RaceGender.FEMALE, distance=3000, times=[60000])
    make_locked_heats(women, staff)

    file = exports.export_start_list(men.meet_id, by=staff)

    assert file.filename == "startlist_2026-12-05_全種目.csv"
    races = [line[1] for line in csv_rows(file.data, "utf-8-sig")[1:]]
    assert races == ["男子5000m"] * 3 + ["女子3000m"]


def test_the_lynx_zip_holds_three_files_with_id_bib_and_lane_position(staff):
    race, _ = ready_race(staff)

    file = exports.export_lynx(race.meet_id, by=staff, encoding=LynxEncoding.UNICODE)

    assert file.filename == "lynx_2026-12-05_全種目.zip"
    assert file.content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(file.data))
    assert archive.namelist() == ["lynx.ppl", "lynx.evt", "lynx.sch"]
    evt = archive.read("lynx.evt")
    assert evt.startswith(codecs.BOM_UTF16_LE)
    lines = list(csv.reader(io.StringIO(evt.decode("utf-16"), newline="")))
    assert lines[0][:4] == ["1", "1", "1", "男子5000m"]
    slots = slots_by_name(race)
    competitors = [line for line in lines if line[0] == ""]
    assert len(competitors) == 3
    for line in competitors:
        slot = slots[f"{line[3]} {line[4]}"]
        assert (line[1], line[2], line[12]) == (str(slot.bib), str(slot.position), str(slot.id))
    sch = archive.read("lynx.sch").decode("utf-16")
    assert sch.split("\r\n")[:2] == ["1,1,1", "1,1,2"]


def test_the_ascii_lynx_files_carry_romaji(staff):
    race, _ = ready_race(staff)

    file = exports.export_lynx(race.meet_id, by=staff, race_id=race.id, encoding="ascii")

    ppl = zipfile.ZipFile(io.BytesIO(file.data)).read("lynx.ppl").decode("ascii")
    assert "TAKAHASHI,Kenta" in ppl
    assert file.filename == "lynx_2026-12-05_男子5000m.zip"


def test_every_export_writes_a_log_row_and_an_audit_event(staff):
    race, _ = ready_race(staff)

    exports.export_start_list(race.meet_id, by=staff, race_id=race.id, encoding="cp932")
    exports.export_lynx(race.meet_id, by=staff)
    db.session.commit()

    first, second = reversed(exports.recent_exports(race.meet_id))
    assert (first.kind, first.race_id, first.user_id) == ("startlist_csv", race.id, staff.id)
    assert first.parameters == {"encoding": "cp932"} and first.row_count == 3
    assert (second.kind, second.race_id, second.filename) == (
        "lynx_zip",
        None,
        "lynx_2026-12-05_全種目.zip",
    )
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("exports.%"))
    ).all()
    assert sorted(actions) == ["exports.lynx_zip", "exports.startlist_csv"]


def test_a_race_without_heats_is_refused_by_name_and_count(staff):
    race, _ = build_race()

    with pytest.raises(
        exports.ExportNotReady, match="男子5000m: 組がまだ編成されていません（確定エントリー3名）"
    ):
        exports.export_start_list(race.meet_id, by=staff, race_id=race.id)
    assert log_count() == 0


def test_unlocked_heats_and_missing_bibs_are_named(staff):
    race, _ = build_race()
    heats.generate_heats(race.id, by=staff)
    db.session.commit()

    problems = exports.readiness_problems(race.meet_id)

    assert problems == [
        "男子5000m: 未確定の組が2組あります（全2組）。",
        "男子5000m: ゼッケン未割り当ての選手が3名います。",
    ]
    with pytest.raises(exports.ExportNotReady, match="未確定の組が2組"):
        exports.export_lynx(race.meet_id, by=staff)


def test_a_meet_without_any_heats_says_so(staff):
    meet = make_meet()
    make_race(meet)

    assert exports.readiness_problems(meet.id) == ["この大会にはまだ組がありません。"]


def test_a_race_of_another_meet_is_not_found(staff):
    race, _ = ready_race(staff)
    other = make_meet()

    with pytest.raises(exports.NotFound):
        exports.export_start_list(other.id, by=staff, race_id=race.id)


def test_the_lynx_zip_of_one_day_of_a_two_day_meet_holds_only_that_days_heats(staff):
    meet = make_meet(first_day=date(2026, 12, 5), last_day=date(2026, 12, 6))
    saturday, _ = build_race(meet)
    sunday, _ = build_race(meet, gender=RaceGender.FEMALE)
    sunday.first_start_at = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    for race in (saturday, sunday):
        make_locked_heats(race, staff)

    file = exports.export_lynx(meet.id, by=staff, day=date(2026, 12, 6))

    assert file.filename == "lynx_2026-12-06_全種目.zip"
    evt = zipfile.ZipFile(io.BytesIO(file.data)).read("lynx.evt").decode("utf-16")
    assert "女子5000m" in evt and "男子5000m" not in evt
    logged = db.session.scalar(select(ExportLog))
    assert logged.parameters["day"] == "2026-12-06" and logged.row_count == 3
    with pytest.raises(exports.ExportNotReady, match="開催日ではありません"):
        exports.export_lynx(meet.id, by=staff, day=date(2026, 12, 7))
