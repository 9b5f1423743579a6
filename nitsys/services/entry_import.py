"""Excel entry import (SPEC §4): upload → preview → confirm, through the same `add_entry`.

The uploaded rows are kept in `EntryImport` (JSON, one hour) so confirming needs no second
upload. Preview and confirm both run every row through `entries.add_entry`; the preview is
rolled back by the caller, the confirm is committed only when no row failed (all-or-nothing).
Athletes are looked up only in the uploader's own roster: JAAF ID first, else exact name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select

from nitsys.domain.entry_sheet import COLUMNS
from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import Athlete, EntryImport, Meet, Race, User
from nitsys.reports import xlsx_input
from nitsys.services import audit, entries, import_staging

MAX_ROWS = 2000
REQUIRED = ("last_name", "first_name", "race_code", "declared_time")
RACE_CODE = re.compile(r"(NCG_)?([MFX])(\d{3,5})")


@dataclass
class ImportRow:
    number: int
    values: dict
    athlete_name: str = ""
    race_name: str = ""
    error: str = ""
    declared_time: int | None = None


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def errors(self) -> list[ImportRow]:
        return [row for row in self.rows if row.error]

    @property
    def ok_count(self) -> int:
        return len(self.rows) - len(self.errors)


# --------------------------------------------------------------------------------------------
# Reading the workbook


def read_workbook(data: bytes) -> list[dict]:
    """The non-empty rows of the first sheet as dicts keyed like COLUMNS (cells JSON-ready)."""
    try:
        lines = iter(xlsx_input.read_rows(data))
    except xlsx_input.UnreadableWorkbook as error:
        raise RuleViolation(str(error)) from error
    header = next(lines, None) or ()
    positions = _column_positions(header)
    rows = []
    for number, line in enumerate(lines, start=2):
        values = {key: _cell(line[i]) if i < len(line) else None for key, i in positions.items()}
        if any(value not in (None, "") for value in values.values()):
            rows.append({"number": number, **values})
        if len(rows) > MAX_ROWS:
            raise RuleViolation(f"一度に取り込めるのは{MAX_ROWS}行までです。")
    if not rows:
        raise RuleViolation("取り込むデータがありません。")
    return rows


def _column_positions(header) -> dict[str, int]:
    names = [unicodedata.normalize("NFKC", str(cell or "")).strip() for cell in header]
    positions = {}
    for key, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                positions[key] = names.index(alias)
                break
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in positions]
    if missing:
        raise RuleViolation(f"必須の列がありません: {'、'.join(missing)}")
    return positions


def _cell(value):
    """Cells as JSON values; spreadsheet times keep their type so the parser can judge them."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, time):
        return {"time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"seconds": value.total_seconds()}
    if isinstance(value, str):
        return value.strip()
    return value


def _uncell(value):
    if isinstance(value, dict):
        if "datetime" in value:
            return datetime.fromisoformat(value["datetime"])
        if "time" in value:
            return time.fromisoformat(value["time"])
        return timedelta(seconds=value["seconds"])
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


# --------------------------------------------------------------------------------------------
# Staging


def stage(by: User, meet: Meet, rows: list[dict], filename: str) -> EntryImport:
    return import_staging.stage(EntryImport, by, meet, rows, filename)


def staged_import(by: User, meet: Meet, token: str) -> EntryImport:
    return import_staging.staged(EntryImport, by, meet, token)


# --------------------------------------------------------------------------------------------
# Applying the rows


def apply_rows(by: User, meet: Meet, rows: list[dict]) -> ImportResult:
    """Add every row to the draft through `add_entry`; a failing row writes nothing."""
    roster = _Roster(by)
    races = {
        race.code: race
        for race in db.session.scalars(select(Race).where(Race.meet_id == meet.id, Race.is_active))
    }
    result = ImportResult()
    for values in rows:
        row = ImportRow(number=values["number"], values=values)
        result.rows.append(row)
        try:
            race = _race_for(values.get("race_code"), races)
            row.race_name = race.name
            athlete = roster.find(values)
            row.athlete_name = athlete.full_name
            entry = entries.add_entry(
                by,
                meet_id=meet.id,
                athlete_id=athlete.id,
                race_id=race.id,
                declared_time=_uncell(values.get("declared_time")),
                personal_best=_uncell(values.get("personal_best")),
                note=_text(values.get("note")),
            )
            row.declared_time = entry.declared_time
        except RuleViolation as error:
            row.error = error.message
    return result


def confirm(by: User, meet: Meet, staged: EntryImport) -> ImportResult:
    """Apply the staged rows; the caller commits only when `result.errors` is empty."""
    result = apply_rows(by, meet, staged.rows)
    if not result.errors:
        audit.record(
            by,
            "entry.import",
            meet,
            meet_id=meet.id,
            after={"rows": len(result.rows), "file": staged.filename},
        )
        db.session.delete(staged)
    return result


def _race_for(code, races: dict[str, Race]) -> Race:
    text = _text(code).upper().replace("-", "_")
    if not text:
        raise RuleViolation("種目コードが空です（例: M5000, F3000, NCG_M5000）。")
    if RACE_CODE.fullmatch(text) is None:
        raise RuleViolation(
            f"種目コード「{code}」が読み取れません（例: M5000, F3000, NCG_M5000）。"
        )
    if text not in races:
        raise RuleViolation(f"種目コード「{text}」の種目はこの大会にありません。")
    return races[text]


class _Roster:
    """The uploader's own athletes, indexed once (JAAF ID first, else exact name).

    Inactive athletes are found too (active ones win), so the rule function refuses them
    with the same message as the form does.
    """

    def __init__(self, by: User):
        athletes = db.session.scalars(
            select(Athlete).where(Athlete.owned_by(by)).order_by(Athlete.is_active, Athlete.id)
        ).all()
        self.by_jaaf_id = {athlete.jaaf_id: athlete for athlete in athletes if athlete.jaaf_id}
        self.by_name: dict[tuple[str, str], list[Athlete]] = {}
        for athlete in athletes:
            self.by_name.setdefault((athlete.last_name, athlete.first_name), []).append(athlete)

    def find(self, values: dict) -> Athlete:
        jaaf_id = _text(values.get("jaaf_id"))
        if jaaf_id:
            athlete = self.by_jaaf_id.get(jaaf_id)
            if athlete is None:
                raise RuleViolation(
                    f"JAAF ID「{jaaf_id}」の選手が選手マスタにいません。", field="athlete_id"
                )
            return athlete
        last, first = _text(values.get("last_name")), _text(values.get("first_name"))
        if not last or not first:
            raise RuleViolation("姓または名が空です。", field="athlete_id")
        matches = self.by_name.get((last, first), [])
        matches = [athlete for athlete in matches if athlete.is_active] or matches
        if not matches:
            raise RuleViolation(
                f"選手「{last} {first}」が選手マスタにいません。先に選手マスタに登録してください。",
                field="athlete_id",
            )
        if len(matches) > 1:
            raise RuleViolation(
                f"「{last} {first}」という選手が複数います。JAAF IDを入力してください。",
                field="athlete_id",
            )
        return matches[0]
