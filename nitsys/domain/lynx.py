"""FinishLynx files: `lynx.ppl`, `lynx.evt`, `lynx.sch` written from start-list rows, and `.lif`
results read back (layouts in reference/timing-formats.md §B).

Writing (one meet day):

- event number = the race's stable number, round = its round, heat = its heat number (heats
  are numbered in running order); `lynx.sch` lists the heats by start time, and `lynx.evt`
  holds them in the same order.
- `lynx.evt` event line, Hy-Tek/TFstream style, 10 fields: event, round, heat, name, five empty
  fields (wind, wind unit, template, capture time, capture duration), distance in metres.
- competitor line: leading comma, ID = bib (ゼッケン, never the waist number), lane = position
  (腰ナンバー), last name, first name, affiliation = organization short name, empty time, license
  = JAAF ID, four empty fields (delta, ReacTime, splits, time-trial start), **User 1 = our slot
  id**. User 1 is where Hy-Tek-style files put their numeric id; Lynx copies it into the `.lif`,
  so results map back to the slot even if a bib was changed by hand on the Lynx PC.
- `lynx.ppl`: ID, last name, first name, affiliation; one line per bib, by bib.
- CRLF; fields with commas or quotes are quoted. Encodings: UTF-16LE with BOM (Lynx "Unicode"),
  CP932, or ASCII with romaji names (surname upper-case) and the race code as event name; in
  ASCII the affiliation is written only when it is itself ASCII (short names are usually kanji
  and we keep no romaji for them), otherwise left empty.

Writing `.lif` as Lynx does (for demo data and tests): :func:`lif_bytes` from :func:`lif_header`
and :func:`lif_line`.

Reading `.lif`: see :func:`read_lif`. Times are converted to hundredths rounding **up** any
fraction of a hundredth (World Athletics TR 19.24: a fully automatic time that is not an exact
0.01 s is recorded as the next longer 0.01 s), so 14:20.421 → 14:20.43.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from itertools import groupby

from nitsys.domain.errors import RuleViolation
from nitsys.domain.startlist import StartListRow, ascii_fold
from nitsys.reports.csv_files import csv_text, encode_text, listing

FILE_NAMES = ("lynx.ppl", "lynx.evt", "lynx.sch")
USER_1 = 12  # index of User 1 in a competitor line (leading empty field) and in a result line
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)  # fixed, so the same data gives the same zip bytes


class LynxEncoding(StrEnum):
    UNICODE = "utf-16-le"
    CP932 = "cp932"
    ASCII = "ascii"

    @property
    def label(self) -> str:
        return {
            "utf-16-le": "Unicode（UTF-16LE・BOM付き）",
            "cp932": "Shift_JIS（CP932）",
            "ascii": "ASCII（ローマ字）",
        }[self.value]


class LynxDataError(RuleViolation):
    """The start list cannot become timing files yet (bibs missing, romaji missing, …)."""


class LifFormatError(RuleViolation):
    """A `.lif` file that cannot be read; the message names the line and what was read."""


# --- writing --------------------------------------------------------------------------------


def lynx_files(rows: Iterable[StartListRow], encoding: LynxEncoding) -> dict[str, bytes]:
    """{"lynx.ppl": …, "lynx.evt": …, "lynx.sch": …} for the rows of one meet day."""
    encoding = LynxEncoding(encoding)
    rows = list(rows)
    _check(rows, encoding)
    heats = _heats_in_running_order(rows)
    texts = {
        "lynx.ppl": csv_text(_ppl_lines(rows, encoding)),
        "lynx.evt": csv_text(line for heat in heats for line in _evt_lines(heat, encoding)),
        "lynx.sch": csv_text(heat[0].heat_key for heat in heats),
    }
    bom = codecs.BOM_UTF16_LE if encoding is LynxEncoding.UNICODE else b""
    return {name: encode_text(text, encoding.value, bom=bom) for name, text in texts.items()}


def lynx_zip(rows: Iterable[StartListRow], encoding: LynxEncoding) -> bytes:
    """The three files in one zip (same bytes for the same data)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in lynx_files(rows, encoding).items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_DATE), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _check(rows: list[StartListRow], encoding: LynxEncoding) -> None:
    if not rows:
        raise LynxDataError(
            "出力する組がありません。組分けとゼッケンが済んでいるか確認してください。"
        )
    _refuse("ゼッケンが未割り当ての選手がいます", [r.describe() for r in rows if r.bib is None])
    if encoding is LynxEncoding.ASCII:
        missing = [r.describe() for r in rows if not (r.last_name_romaji and r.first_name_romaji)]
        _refuse("ローマ字氏名が未登録の選手がいます（ASCII では必須です）", missing)
    bibs = _doubles(rows, lambda r: r.bib)
    _refuse(
        "同じゼッケンが別の選手に付いています",
        [
            f"{a.bib}: {a.describe()} / {b.describe()}"
            for a, b in bibs
            if a.full_name != b.full_name
        ],
    )
    seats = _doubles(rows, lambda r: (*r.heat_key, r.position))
    _refuse(
        "同じ組に同じ腰ナンバーの選手がいます",
        [f"{a.describe()} / {b.full_name}" for a, b in seats],
    )


def _doubles(rows: list[StartListRow], key) -> list[tuple[StartListRow, StartListRow]]:
    """(first row, later row) for every later row whose key an earlier row already has."""
    first_with: dict[object, StartListRow] = {}
    return [
        (first, row) for row in rows if (first := first_with.setdefault(key(row), row)) is not row
    ]


def _refuse(problem: str, items: list[str]) -> None:
    if items:
        raise LynxDataError(f"{problem}: {listing(items)}")


def _heats_in_running_order(rows: list[StartListRow]) -> list[list[StartListRow]]:
    ordered = sorted(rows, key=lambda r: (r.heat_key, r.position))
    heats = [list(group) for _, group in groupby(ordered, key=lambda r: r.heat_key)]
    return sorted(heats, key=_schedule_key)


def _schedule_key(heat: list[StartListRow]):
    start = heat[0].start_at
    return start is None, start.timestamp() if start else 0.0, heat[0].heat_key


def _evt_lines(heat: list[StartListRow], encoding: LynxEncoding):
    first = heat[0]
    name = first.race_code if encoding is LynxEncoding.ASCII else first.race_name
    yield [*first.heat_key, name, "", "", "", "", "", first.distance]
    for row in heat:
        last, given, affiliation = _person(row, encoding)
        yield ["", row.bib, row.position, last, given, affiliation, "", row.jaaf_id,
               "", "", "", "", row.slot_id]  # fmt: skip


def _ppl_lines(rows: list[StartListRow], encoding: LynxEncoding):
    people = {row.bib: row for row in reversed(rows)}  # first row of each bib wins
    for bib in sorted(people):
        yield [bib, *_person(people[bib], encoding)]


def _person(row: StartListRow, encoding: LynxEncoding) -> tuple[str, str, str]:
    if encoding is not LynxEncoding.ASCII:
        return row.last_name, row.first_name, row.organization
    affiliation = ascii_fold(row.organization)
    return (
        row.last_name_romaji_ascii,
        row.first_name_romaji_ascii,
        affiliation if affiliation.isascii() else "",
    )


# --- reading --------------------------------------------------------------------------------


class ResultStatus(StrEnum):
    FINISHED = "finished"
    DNF = "dnf"
    DNS = "dns"
    DQ = "dq"

    @property
    def label(self) -> str:
        return {"finished": "完走", "dnf": "途中棄権", "dns": "欠場", "dq": "失格"}[self.value]

    @property
    def code(self) -> str:
        """The code shown on result lists in place of a time (DNF, DNS, DQ)."""
        return "" if self is ResultStatus.FINISHED else self.value.upper()


@dataclass(frozen=True, slots=True)
class LifHeader:
    event_number: int
    round_number: int
    heat_number: int
    event_name: str
    wind: str
    distance: int | None
    start_time: time | None  # time of day the gun fired, as Lynx wrote it

    @property
    def heat_key(self) -> tuple[int, int, int]:
        return self.event_number, self.round_number, self.heat_number


@dataclass(frozen=True, slots=True)
class LifResult:
    line: int  # line number in the file, for messages
    status: ResultStatus
    place: int | None  # finishers only
    bib: int | None
    lane: int | None
    last_name: str
    first_name: str
    affiliation: str
    time: int | None  # hundredths, rounded up
    license: str
    slot_id: int | None  # User 1, as we wrote it into lynx.evt


@dataclass(frozen=True, slots=True)
class LifFile:
    header: LifHeader
    results: tuple[LifResult, ...]


_STATUS_CODES = {
    "DNF": ResultStatus.DNF,
    "DNS": ResultStatus.DNS,
    "DQ": ResultStatus.DQ,
    "DSQ": ResultStatus.DQ,
}
_LIF_TIME = re.compile(r"(?:(?:(\d+):)?(\d{1,2}):)?(\d{1,2})(?:\.(\d{1,4}))?")
_TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?")


def read_lif(data: bytes) -> LifFile:
    """Read one `.lif` file (UTF-16 with or without BOM, UTF-8 with or without BOM, CP932).

    Short and long lines are accepted (missing trailing fields are empty); `;` comment lines
    and blank lines are skipped. A file that does not end with a line break is refused: Lynx
    may still be writing it. Raises LifFormatError with a Japanese message.
    """
    text = _decode(data)
    if not text.strip():
        raise LifFormatError(
            "結果ファイルが空です。FinishLynx の出力が終わってから読み込んでください。"
        )
    if not text.endswith(("\n", "\r")):
        raise LifFormatError(
            "結果ファイルが改行で終わっていません。FinishLynx が書き込み中の可能性があります。"
            "少し待ってから読み込み直してください。"
        )
    lines = [
        (number, fields)
        for number, fields in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
        if fields and "".join(fields).strip() and not fields[0].lstrip().startswith(";")
    ]
    if not lines:
        raise LifFormatError("結果ファイルに見出し行（種目番号,ラウンド,組,…）がありません。")
    header_line, header = lines[0]
    return LifFile(
        header=_header(header_line, header),
        results=tuple(_result(number, fields) for number, fields in lines[1:]),
    )


def _decode(data: bytes) -> str:
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):  # fmt: skip
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], (codec,))
    # Without a BOM, UTF-16 shows itself by a zero byte beside every ASCII character.
    if _mostly_zero(data[1:200:2]):
        return _decode_as(data, ("utf-16-le",))
    if _mostly_zero(data[0:200:2]):
        return _decode_as(data, ("utf-16-be",))
    return _decode_as(data, ("utf-8", "cp932"))


def _mostly_zero(sample: bytes) -> bool:
    return sample.count(0) > len(sample) // 2


def _decode_as(data: bytes, codecs_to_try: tuple[str, ...]) -> str:
    for codec in codecs_to_try:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\0" not in text:
            return text
    raise LifFormatError(
        "結果ファイルの文字コードを判別できません（Unicode・UTF-8・Shift_JIS のいずれでもありません）。"
    )


def _field(fields: list[str], index: int) -> str:
    return fields[index].strip() if index < len(fields) else ""


def _header(line: int, fields: list[str]) -> LifHeader:
    numbers = [
        _number(line, fields, i, label) for i, label in enumerate(("種目番号", "ラウンド", "組"))
    ]
    if None in numbers:
        raise LifFormatError(
            f"{line}行目: 1行目は「種目番号,ラウンド,組,種目名,…」の見出し行のはずですが、"
            f"「{','.join(fields[:4])}」と書かれています。"
        )
    distance = _field(fields, 9)
    return LifHeader(
        *numbers,
        event_name=_field(fields, 3),
        wind=_field(fields, 4),
        distance=int(distance) if distance.isdigit() else None,
        start_time=_time_of_day(line, _field(fields, 10)),
    )


def _result(line: int, fields: list[str]) -> LifResult:
    place_text = _field(fields, 0).upper()
    code = place_text.split()[0] if place_text else ""  # "DQ R163.3" → "DQ"
    if place_text.isdigit():
        status, place = ResultStatus.FINISHED, int(place_text)
    elif code in _STATUS_CODES:
        status, place = _STATUS_CODES[code], None
    else:
        raise LifFormatError(
            f"{line}行目: 順位「{_field(fields, 0)}」を読み取れません。"
            "数字か DNF・DNS・DQ のいずれかのはずです（判定が終わっていない可能性があります）。"
        )
    time_text = _field(fields, 6) if status is ResultStatus.FINISHED else ""
    if status is ResultStatus.FINISHED and not time_text:
        raise LifFormatError(f"{line}行目: {place}位の記録が空欄です。")
    return LifResult(
        line=line,
        status=status,
        place=place,
        bib=_number(line, fields, 1, "ID（ゼッケン）"),
        lane=_number(line, fields, 2, "レーン（腰ナンバー）"),
        last_name=_field(fields, 3),
        first_name=_field(fields, 4),
        affiliation=_field(fields, 5),
        time=parse_lif_time(time_text, line=line) if time_text else None,
        license=_field(fields, 7),
        slot_id=_number(line, fields, USER_1, "User 1（管理ID）"),
    )


def _number(line: int, fields: list[str], index: int, label: str) -> int | None:
    text = _field(fields, index)
    if not text:
        return None
    if not text.isdigit():
        raise LifFormatError(f"{line}行目: {label}「{text}」が数字ではありません。")
    return int(text)


def parse_lif_time(text: str, *, line: int | None = None) -> int:
    """A Lynx time ("8.92", "14:20.42", "1:02:03.456") in hundredths, rounded up."""
    match = _LIF_TIME.fullmatch(text.strip())
    hours, minutes, seconds, fraction = match.groups() if match else (None,) * 4
    if (
        match is None
        or (minutes is not None and int(seconds) >= 60)
        or (hours is not None and int(minutes) >= 60)
    ):
        where = f"{line}行目: " if line is not None else ""
        raise LifFormatError(
            f"{where}記録「{text}」を読み取れません（例: 14:20.42、1:02:03.456）。"
        )
    whole_seconds = int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds)
    ten_thousandths = whole_seconds * 10_000 + int((fraction or "").ljust(4, "0"))
    return -(-ten_thousandths // 100)  # ceiling division: round up to the next 1/100 s


def _time_of_day(line: int, text: str) -> time | None:
    if not text:
        return None
    match = _TIME_OF_DAY.fullmatch(text)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise LifFormatError(
            f"{line}行目: スタート時刻「{text}」を読み取れません（例: 09:40:00.000）。"
        )
    hour, minute, second, fraction = match.groups()
    microsecond = int((fraction or "").ljust(6, "0"))
    return time(int(hour), int(minute), int(second or 0), microsecond)


# --- writing results ------------------------------------------------------------------------


def lif_header(
    event: int,
    round_number: int,
    heat: int,
    name: str,
    distance: int | None = None,
    *,
    wind: str = "",
    start: time | None = None,
) -> list[object]:
    """The header line of a `.lif`: event, round, heat, name, wind, wind unit, template, two
    fields we do not know, distance, start time of day (HH:MM:SS.mmm)."""
    started = f"{start:%H:%M:%S}.{start.microsecond // 1000:03d}" if start else ""
    return [event, round_number, heat, name, wind, "m/s" if wind else "", "", "", "",
            distance or "", started]  # fmt: skip


def lif_line(
    place: int | str,
    bib: int | None,
    lane: int | None,
    last_name: str,
    first_name: str,
    affiliation: str,
    time_text: str = "",
    *,
    license: str = "",
    slot_id: int | None = None,
) -> list[object]:
    """One result line as Lynx writes it: place (digits, or DNF/DNS/DQ …), ID, lane, names,
    affiliation, time as text ("14:20.421"), license, delta, ReacTime, splits, time-trial
    start, User 1 (our slot id, copied from lynx.evt)."""
    return [place, bib, lane, last_name, first_name, affiliation, time_text, license,
            "", "", "", "", slot_id]  # fmt: skip


def lif_bytes(
    header: list[object], lines: Iterable[list[object]], encoding: str = LynxEncoding.UNICODE
) -> bytes:
    """A whole `.lif` file: CRLF, quoted where needed; UTF-16LE gets a BOM (Lynx "Unicode")."""
    text = csv_text([header, *lines])
    bom = codecs.BOM_UTF16_LE if encoding == LynxEncoding.UNICODE else b""
    return encode_text(text, str(encoding), bom=bom)
