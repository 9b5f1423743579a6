"""The configurable Japanese timing CSV (NISHI-style, SPEC §8; timing-formats §B.9).

A profile picks and orders columns from the start-list fields (:data:`startlist.COLUMNS`), says
which header to write — two-letter field IDs as in the vendor spec (N1 氏名, N2 フリガナ, ZK
ゼッケン …), the Japanese labels, or none — and the encoding (CP932 by default). Profiles are
saved per meet as plain dicts (:meth:`TimingProfile.to_dict` / :meth:`TimingProfile.from_dict`).

Only the vendor's own IDs have defaults; a column without one needs an ID in the profile when
the header is IDs, so we never invent a code the timing system would misread.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from nitsys.domain.errors import RuleViolation
from nitsys.domain.startlist import COLUMNS, StartListRow, table
from nitsys.reports.csv_files import CsvEncoding, write_csv

VENDOR_IDS = {"name": "N1", "name_kana": "N2", "bib": "ZK"}
_HEADER_ID = re.compile(r"[A-Z][A-Z0-9]")


class HeaderStyle(StrEnum):
    IDS = "ids"
    LABELS = "labels"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"ids": "項目ID（N1, ZK など）", "labels": "日本語の見出し", "none": "見出しなし"}[
            self.value
        ]


class ProfileError(RuleViolation):
    """A timing-CSV profile that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class TimingProfile:
    name: str
    columns: tuple[str, ...]
    header: HeaderStyle = HeaderStyle.IDS
    header_ids: Mapping[str, str] = field(default_factory=dict)  # column key → ID override
    encoding: CsvEncoding = CsvEncoding.CP932
    hours: bool = False  # declared times of an hour or more as 1:02:30.00

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ProfileError("設定名を入力してください。")
        if not self.columns:
            raise ProfileError("出力する列を1つ以上選んでください。")
        unknown = [key for key in (*self.columns, *self.header_ids) if key not in COLUMNS]
        if unknown:
            raise ProfileError(f"不明な列です: {'、'.join(unknown)}")
        repeated = sorted({COLUMNS[k].label for k in self.columns if self.columns.count(k) > 1})
        if repeated:
            raise ProfileError(f"同じ列が2回選ばれています: {'、'.join(repeated)}")
        if self.header is HeaderStyle.IDS:
            self._check_ids()

    def _check_ids(self) -> None:
        missing = [COLUMNS[k].label for k in self.columns if not self.header_id(k)]
        if missing:
            raise ProfileError(
                f"項目ID（英大文字と数字の2文字）を指定してください: {'、'.join(missing)}"
            )
        malformed = [
            f"{COLUMNS[k].label}「{self.header_id(k)}」"
            for k in self.columns
            if not _HEADER_ID.fullmatch(self.header_id(k))
        ]
        if malformed:
            raise ProfileError(
                f"項目IDは英大文字で始まる2文字（例: N1, ZK）にしてください: {'、'.join(malformed)}"
            )
        ids = [self.header_id(k) for k in self.columns]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ProfileError(f"同じ項目IDが複数の列に付いています: {'、'.join(repeated)}")

    def header_id(self, key: str) -> str:
        return self.header_ids.get(key) or VENDOR_IDS.get(key, "")

    def header_row(self) -> list[str] | None:
        if self.header is HeaderStyle.IDS:
            return [self.header_id(key) for key in self.columns]
        if self.header is HeaderStyle.LABELS:
            return [COLUMNS[key].label for key in self.columns]
        return None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "header": self.header.value,
            "header_ids": dict(self.header_ids),
            "encoding": self.encoding.value,
            "hours": self.hours,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> TimingProfile:
        try:
            return cls(
                name=str(data["name"]),
                columns=tuple(data["columns"]),
                header=HeaderStyle(data.get("header", HeaderStyle.IDS)),
                header_ids={
                    str(k): str(v).strip().upper() for k, v in data.get("header_ids", {}).items()
                },
                encoding=CsvEncoding(data.get("encoding", CsvEncoding.CP932)),
                hours=bool(data.get("hours", False)),
            )
        except (KeyError, ValueError, TypeError, AttributeError):
            raise ProfileError(
                "タイミングCSVの設定が読み取れません。設定を作り直してください。"
            ) from None


def timing_csv(rows: Iterable[StartListRow], profile: TimingProfile) -> bytes:
    """The file: optional header, then one line per runner in running order; CRLF."""
    header = profile.header_row()
    lines = table(rows, profile.columns, hours=profile.hours)
    return write_csv([header, *lines] if header else lines, profile.encoding)
