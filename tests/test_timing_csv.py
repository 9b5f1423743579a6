"""The configurable Japanese timing CSV: profile rules and the bytes it writes."""

from __future__ import annotations

import pytest

from nitsys.domain.timing_csv import HeaderStyle, ProfileError, TimingProfile, timing_csv
from nitsys.reports.csv_files import CsvEncoding
from tests.sample_startlist import rows


def _profile(**changes) -> TimingProfile:
    settings = {
        "name": "NISHI",
        "columns": ("heat", "position", "bib", "name", "name_kana", "organization"),
        "header_ids": {"heat": "K1", "position": "K2", "organization": "SZ"},
    }
    return TimingProfile(**(settings | changes))


def test_ids_header_cp932_by_default_in_profile_order():
    data = timing_csv(rows(), _profile())
    assert data.decode("cp932").split("\r\n")[:3] == [
        "K1,K2,ZK,N1,N2,SZ",
        "1,1,1001,佐藤 優希,サトウ ユウキ,日体大",
        "1,2,1002,山﨑 翔,ヤマザキ ショウ,ＮＳＳＵ",
    ]
    assert data.endswith(b"\r\n")


def test_labels_header_and_utf8():
    profile = _profile(columns=("bib", "race", "declared_time"), header=HeaderStyle.LABELS,
                       header_ids={}, encoding=CsvEncoding.UTF8_BOM)  # fmt: skip
    lines = timing_csv(rows(), profile).decode("utf-8-sig").split("\r\n")
    assert lines[:2] == ["ゼッケン,種目,申告タイム", "1001,男子5000m,14:30.00"]


def test_no_header():
    profile = _profile(columns=("bib", "slot_id"), header=HeaderStyle.NONE, header_ids={})
    assert timing_csv(rows(), profile).split(b"\r\n")[0] == b"1001,1101"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "設定名"),
        ({"columns": ()}, "1つ以上"),
        ({"columns": ("bib", "birth_date")}, "不明な列です: birth_date"),
        ({"columns": ("bib", "name", "bib")}, "同じ列が2回選ばれています: ゼッケン"),
        ({"header_ids": {"heat": "K1"}}, "項目ID.*を指定してください: 腰ナンバー、所属"),
        ({"header_ids": {"heat": "k1", "position": "K2", "organization": "SZ"}}, "組「k1」"),
        ({"header_ids": {"heat": "1K", "position": "K2", "organization": "SZ"}}, "組「1K」"),
        ({"header_ids": {"heat": "ZK", "position": "K2", "organization": "SZ"}}, "同じ項目ID.*ZK"),
    ],
)
def test_unusable_profiles_say_what_to_fix(changes, message):
    with pytest.raises(ProfileError, match=message):
        _profile(**changes)


def test_labels_header_needs_no_ids():
    assert _profile(header=HeaderStyle.LABELS, header_ids={}).header_row()[0] == "組"


def test_profile_survives_saving_and_loading():
    profile = _profile(hours=True)
    assert TimingProfile.from_dict(profile.to_dict()) == profile


def test_loading_normalises_typed_ids():
    saved = _profile().to_dict() | {
        "header_ids": {"heat": " k1", "position": "k2", "organization": "sz"}
    }
    assert TimingProfile.from_dict(saved).header_row() == ["K1", "K2", "ZK", "N1", "N2", "SZ"]


@pytest.mark.parametrize(
    "saved",
    [{}, {"name": "x", "columns": ["bib"], "encoding": "latin-1"}, {"name": "x", "columns": 3}],
)
def test_loading_a_broken_profile_is_a_clear_error(saved):
    with pytest.raises(ProfileError, match="設定が読み取れません"):
        TimingProfile.from_dict(saved)
