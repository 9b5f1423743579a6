"""FinishLynx files: golden bytes per encoding, the rules behind them, and reading .lif back."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import replace
from datetime import time
from pathlib import Path

import pytest

from nitsys.domain.lynx import (
    FILE_NAMES,
    USER_1,
    LifFormatError,
    LynxDataError,
    LynxEncoding,
    ResultStatus,
    lynx_files,
    lynx_zip,
    parse_lif_time,
    read_lif,
)
from nitsys.reports.csv_files import UnencodableText, csv_text
from tests.sample_startlist import rows

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("encoding", list(LynxEncoding))
@pytest.mark.parametrize("name", FILE_NAMES)
def test_files_match_golden_bytes(encoding, name):
    expected = (GOLDEN / f"lynx_{encoding.name.lower()}" / name).read_bytes()
    assert lynx_files(rows(), encoding)[name] == expected


def test_unicode_files_carry_one_bom_and_crlf():
    for data in lynx_files(rows(), LynxEncoding.UNICODE).values():
        assert data.startswith(codecs.BOM_UTF16_LE)
        text = data[2:].decode("utf-16-le")
        assert "\ufeff" not in text
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")


def _evt(encoding=LynxEncoding.CP932, data=None) -> list[list[str]]:
    raw = lynx_files(data or rows(), encoding)["lynx.evt"].decode(encoding.value)
    return list(csv.reader(io.StringIO(raw, newline="")))


def test_competitor_line_has_bib_as_id_position_as_lane_and_slot_in_user_1():
    line = next(line for line in _evt() if line[3:5] == ["髙橋", "健太"])
    assert line[0] == ""  # a competitor line starts with a comma
    assert line[1:3] == ["1003", "1"]  # ID = ゼッケン, lane = 腰ナンバー
    assert line[5] == "日体大"
    assert line[7] == "00123456789"  # license = JAAF ID
    assert line[USER_1] == "1103"  # our slot id


def test_event_line_is_ten_fields_with_distance_in_metres():
    events = [line for line in _evt() if line[0]]
    assert events[0] == ["2", "1", "1", "女子3000m", "", "", "", "", "", "3000"]


def test_heats_follow_start_times_not_event_numbers():
    schedule = lynx_files(rows(), LynxEncoding.ASCII)["lynx.sch"]
    # The women's 3000 m (event 2) starts at 09:40, before the men's heats at 10:00 and 10:20.
    assert schedule == b"2,1,1\r\n1,1,1\r\n1,1,2\r\n"


def test_ascii_uses_romaji_upper_surname_and_race_code():
    lines = _evt(LynxEncoding.ASCII)
    assert lines[0][3] == "F3000"
    assert lines[1][3:6] == ["ONO", "Hanako", ""]  # macron folded; kanji affiliation left out
    assert lines[5][:6] == ["", "1002", "2", "YAMAZAKI", "Sho", "NSSU"]  # full-width folded


def test_missing_bibs_are_refused_with_names():
    data = rows()
    data[0] = replace(data[0], bib=None)
    with pytest.raises(LynxDataError, match=r"ゼッケンが未割り当て.*男子5000m 2組 1番 髙橋 健太"):
        lynx_files(data, LynxEncoding.UNICODE)


def test_ascii_without_romaji_is_refused():
    data = rows()
    data[3] = replace(data[3], first_name_romaji="")
    with pytest.raises(LynxDataError, match=r"ローマ字氏名が未登録.*佐藤 優希"):
        lynx_files(data, LynxEncoding.ASCII)


def test_one_bib_on_two_people_is_refused():
    data = rows()
    data[1] = replace(data[1], bib=1001)
    with pytest.raises(LynxDataError, match=r"同じゼッケン.*1001"):
        lynx_files(data, LynxEncoding.CP932)


def test_two_runners_on_one_position_are_refused():
    data = rows()
    data[1] = replace(data[1], position=1)
    with pytest.raises(
        LynxDataError, match=r"同じ腰ナンバー.*男子5000m 1組 1番 山﨑 翔 / 佐藤 優希"
    ):
        lynx_files(data, LynxEncoding.CP932)


def test_cp932_names_a_runner_it_cannot_encode():
    data = rows()
    data[3] = replace(data[3], last_name="𠮷田")
    with pytest.raises(UnencodableText, match="「𠮷田」"):
        lynx_files(data, LynxEncoding.CP932)
    assert "𠮷田".encode("utf-16-le") in lynx_files(data, LynxEncoding.UNICODE)["lynx.ppl"]


def test_ascii_names_a_romaji_field_that_holds_kanji():
    data = rows()
    data[3] = replace(data[3], last_name_romaji="佐藤")
    with pytest.raises(UnencodableText, match=r"ASCII.*「佐藤」"):
        lynx_files(data, LynxEncoding.ASCII)


def test_zip_holds_the_three_files_and_is_reproducible():
    archive = lynx_zip(rows(), LynxEncoding.UNICODE)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.namelist() == list(FILE_NAMES)
        assert opened.read("lynx.evt") == lynx_files(rows(), LynxEncoding.UNICODE)["lynx.evt"]
    assert lynx_zip(rows(), LynxEncoding.UNICODE) == archive


# --- .lif -----------------------------------------------------------------------------------

LIF = (
    "1,1,2,男子5000m,,,,,,5000,10:20:00.000\r\n"
    '1,1003,1,髙橋,健太,日体大,13:58.421,00123456789,,,"4:30.1 (4:30.1),9:10.2 (4:40.1)",,1103\r\n'
    "2,1009,4,鈴木,一郎,日体大,14:01.50,,0.0308,,,,1109,,,,,,extra\r\n"
    "; a comment line\r\n"
    "DNF,1005,2,田中,次郎,横浜AC\r\n"
    "DNS,1006,3,中村,三郎,,,,,,,,1106\r\n"
    "DQ R163.3,1007,5,小林,四郎,,14:40.00,,,,,,1107\r\n"
    "\r\n"
)


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        lambda text: text.encode("utf-16-le"),
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        lambda text: text.encode("utf-16-be"),
        lambda text: text.encode("cp932"),
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.replace("\r\n", "\n").encode("utf-8"),
    ],
    ids=["utf16le-bom", "utf16le", "utf16be-bom", "utf16be", "cp932", "utf8-bom", "utf8-lf"],
)
def test_lif_is_read_in_every_encoding(encode):
    result = read_lif(encode(LIF))
    assert result.header.heat_key == (1, 1, 2)
    assert result.header.event_name == "男子5000m"
    assert result.header.distance == 5000
    assert result.header.start_time == time(10, 20)
    summary = [(r.status, r.place, r.bib, r.lane, r.time, r.slot_id) for r in result.results]
    assert summary == [
        (ResultStatus.FINISHED, 1, 1003, 1, 83843, 1103),  # 13:58.421 rounded up
        (ResultStatus.FINISHED, 2, 1009, 4, 84150, 1109),
        (ResultStatus.DNF, None, 1005, 2, None, None),  # short line: no User 1
        (ResultStatus.DNS, None, 1006, 3, None, 1106),
        (ResultStatus.DQ, None, 1007, 5, None, 1107),
    ]
    assert result.results[0].last_name == "髙橋"
    assert result.results[0].license == "00123456789"


def test_results_map_back_to_the_slots_we_wrote():
    """Lynx copies our competitor lines into the .lif and fills in place and time."""
    header, first, second = _evt()[:3]
    first[0], first[6] = "2", "9:41.005"
    second[0], second[6] = "1", "9:40.00"
    lif = csv_text([header, second, first]).encode("cp932")
    assert [(r.place, r.bib, r.slot_id, r.time) for r in read_lif(lif).results] == [
        (1, 2002, 2202, 58000),
        (2, 2001, 2201, 58101),
    ]


@pytest.mark.parametrize(
    ("text", "hundredths"),
    [
        ("8.92", 892),
        ("14:20.42", 86042),
        ("14:20.4", 86040),
        ("14:20", 86000),
        ("14:20.421", 86043),
        ("14:20.4201", 86043),
        ("14:20.4200", 86042),
        ("62:30.00", 375000),
        ("1:02:03.456", 372346),
    ],
)
def test_lif_times_round_up_to_the_next_hundredth(text, hundredths):
    assert parse_lif_time(text) == hundredths


@pytest.mark.parametrize("text", ["14:60.00", "1:60:00.00", "14.20.42", "abc", "-1:00.00", ""])
def test_unreadable_lif_times_are_refused(text):
    with pytest.raises(LifFormatError, match=f"記録「{text}」"):
        parse_lif_time(text)


def test_lif_still_being_written_is_refused():
    with pytest.raises(LifFormatError, match="書き込み中"):
        read_lif(LIF.rstrip().encode("utf-8"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空です"),
        (b"; only a comment\r\n", "見出し行"),
        (b",,,\r\n", "見出し行"),
        (b"x,1,1,name\r\n", "1行目: 種目番号「x」が数字ではありません"),
        (b"1,1,1,name\r\n?,1001,1\r\n", "2行目: 順位「\\?」を読み取れません"),
        (b"1,1,1,name\r\n1,1001,1,a,b,c,\r\n", "2行目: 1位の記録が空欄"),
        (
            b"1,1,1,name\r\n1,10O1,1,a,b,c,14:00.00\r\n",
            "2行目: ID（ゼッケン）「10O1」が数字ではありません",
        ),
        (b"1,1,1,name\r\n1,1001,1,a,b,c,14:0O.00\r\n", "2行目: 記録「14:0O.00」"),
        (b"1,1,1,name,,,,,,5000,25:00:00\r\n", "1行目: スタート時刻「25:00:00」"),
        (b"1,1,1,\xff\xfd\xfc\r\n", "文字コードを判別できません"),
        (b"1,1,1,a\x00b\r\n", "文字コードを判別できません"),
    ],
)
def test_malformed_lif_says_where_and_what(data, message):
    with pytest.raises(LifFormatError, match=message):
        read_lif(data)


def test_a_day_without_heats_is_refused_not_written_empty():
    with pytest.raises(LynxDataError, match="出力する組がありません"):
        lynx_files([], LynxEncoding.UNICODE)


def test_long_lists_of_problems_are_cut_short():
    data = [replace(row, bib=None, position=p) for p, row in enumerate(rows() * 3)]
    with pytest.raises(LynxDataError, match=r"ほか5件$"):
        lynx_files(data, LynxEncoding.UNICODE)
