"""Start-list CSV bytes, the CSV writer's rules and download file names."""

from __future__ import annotations

import codecs
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import pytest

from nitsys.domain.startlist import COLUMNS, START_LIST_COLUMNS, start_list_csv, table
from nitsys.reports.csv_files import CsvEncoding, UnencodableText, csv_text, write_csv
from nitsys.reports.download import ascii_filename, content_disposition, download_response
from tests.sample_startlist import rows

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(
    ("encoding", "golden"),
    [(CsvEncoding.UTF8_BOM, "startlist_utf8_bom.csv"), (CsvEncoding.CP932, "startlist_cp932.csv")],
)
def test_start_list_matches_golden_bytes(encoding, golden):
    assert start_list_csv(rows(), encoding) == (GOLDEN / golden).read_bytes()


def test_start_list_header_and_a_line_as_a_reader_sees_them():
    lines = start_list_csv(rows()).decode("utf-8-sig").split("\r\n")
    assert lines[0] == (
        "大会,種目,組,スタート時刻,腰ナンバー,ゼッケン,氏名,フリガナ,ローマ字,所属,申告タイム,JAAF ID"
    )
    # Running order: race, heat, position; the start time is in Tokyo; bib ≠ position.
    assert lines[3] == (
        "第325回日本体育大学長距離競技会,男子5000m,2,10:20,1,1003,髙橋 健太,タカハシ ケンタ,"
        "TAKAHASHI Kenta,日体大,13:59.50,00123456789"
    )


def test_utf8_file_has_exactly_one_bom_however_long():
    data = start_list_csv(rows() * 200)
    assert data.startswith(codecs.BOM_UTF8)
    assert data.count(codecs.BOM_UTF8) == 1


def test_cp932_file_has_no_bom():
    assert not start_list_csv(rows(), CsvEncoding.CP932).startswith(codecs.BOM_UTF8)


def test_quoting_is_minimal_and_lines_end_with_crlf():
    assert csv_text([["a", "b,c", 'say "hi"', None, 7]]) == 'a,"b,c","say ""hi""",,7\r\n'


def test_cp932_refusal_lists_every_name_it_cannot_hold():
    data = rows()
    data[0] = replace(data[0], last_name="𠮷田")
    data[2] = replace(data[2], first_name="鷗外")
    with pytest.raises(UnencodableText) as refused:
        start_list_csv(data, CsvEncoding.CP932)
    message = str(refused.value)
    assert "Shift_JIS（CP932）で表せない文字" in message
    assert "「𠮷田 健太」（𠮷）" in message
    assert "「大野 鷗外」（鷗）" in message
    assert len(refused.value.problems) == 2


def test_cp932_swaps_only_lookalike_dashes():
    assert write_csv([["A\u2014B"]], CsvEncoding.CP932).decode("cp932") == "A\u2015B\r\n"


def test_spreadsheet_formulas_are_defused():
    data = write_csv([["=HYPERLINK(1)", "@SUM(A1)", "+81", "-1", "普通"]])
    assert data.decode("utf-8-sig") == "'=HYPERLINK(1),'@SUM(A1),'+81,'-1,普通\r\n"


def test_declared_times_follow_the_meet_hours_setting():
    row = replace(rows()[0], declared_time=375_000)
    assert table([row], ["declared_time"]) == [["62:30.00"]]
    assert table([row], ["declared_time"], hours=True) == [["1:02:30.00"]]


def test_start_list_columns_are_the_spec_set():
    labels = [COLUMNS[key].label for key in START_LIST_COLUMNS]
    assert "ゼッケン" in labels and "腰ナンバー" in labels and "JAAF ID" in labels


# --- download names (RFC 6266) --------------------------------------------------------------


def test_japanese_file_name_has_ascii_fallback_and_utf8_form():
    value = content_disposition("startlist_2026-05-16_男子5000m.csv")
    fallback, extended = value.split("; filename*=UTF-8''")
    assert fallback == 'attachment; filename="startlist_2026-05-16_M5000m.csv"'
    assert unquote(extended) == "startlist_2026-05-16_男子5000m.csv"
    assert extended.isascii() and " " not in extended


def test_plain_ascii_name_needs_no_extended_form():
    assert (
        content_disposition("lynx_2026-05-16.zip") == 'attachment; filename="lynx_2026-05-16.zip"'
    )


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("男子5000m.csv", "M5000m.csv"),
        ("女子5000m.csv", "F5000m.csv"),
        ("点呼リスト.pdf", "download_338fb3.pdf"),
        ("第325回日本体育大学長距離競技会.pdf", "325th_NSSU_distance_meet.pdf"),
        ('a"b\\c.csv', "c.csv"),
        ("../../etc/passwd", "passwd"),
        ("report\r\nSet-Cookie: x.csv", "reportSet-Cookie_x.csv"),
        ("Ōno résumé.csv", "Ono_resume.csv"),
    ],
)
def test_fallback_names_are_safe(name, fallback):
    assert ascii_filename(name) == fallback
    assert "\r" not in content_disposition(name) and "\n" not in content_disposition(name)


def test_download_response_carries_the_headers():
    content_type = f"text/csv; charset={CsvEncoding.CP932.charset}"
    response = download_response(b"x", "男子5000m.csv", content_type)
    assert response.headers["Content-Type"] == "text/csv; charset=shift_jis"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="M5000m.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data() == b"x"


def test_formulas_anywhere_in_the_file_are_defused_and_numbers_are_kept():
    rows = [["氏名", "所属"], ["山田", "日体大"], [-5, "=1,2"], ["佐藤", "\tタブ"]]

    text = write_csv(rows).decode("utf-8-sig")

    assert text == "氏名,所属\r\n山田,日体大\r\n-5,\"'=1,2\"\r\n佐藤,'\tタブ\r\n"
    assert write_csv([["山田", "日体大"]]).decode("utf-8-sig") == "山田,日体大\r\n"
