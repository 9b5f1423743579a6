"""Parking (駐車場, SPEC §9): settings and lots, team requests, the allocation import, permits.

- A team (organization) asks for spaces until the meet's `parking_deadline`; the deadline and
  the "assigned requests are read-only" rule are enforced here, not in the view.
- Staff export the requests (CSV for Excel), plan offline and import the allocation sheet:
  upload → preview → confirm. The preview writes nothing but the staged rows
  (`ParkingImport`); names are matched by `nitsys.domain.team_match` and a fuzzy, ambiguous or
  unmatched row needs the planner's choice before anything is written. Allocations larger than
  the request or than a lot's capacity are warnings the planner confirms.
- Applying an allocation that changes nothing is a no-op, so re-importing the same file
  changes nothing and mails nobody; a real change bumps `allocation_version` and queues one
  mail for that version (outbox dedupe key).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.team_match import Match, Team, TeamIndex, normalise
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import Meet, Organization, User
from nitsys.models.base import utcnow
from nitsys.models.parking import (
    MAX_VEHICLES,
    VEHICLE_TYPES,
    ParkingImport,
    ParkingLot,
    ParkingRequest,
    ParkingSettings,
    ParkingStatus,
)
from nitsys.reports.athlete_files import FileProblem, read_table
from nitsys.reports.csv_files import CsvEncoding, listing, write_csv
from nitsys.reports.parking_permit import permit_filename, permits_pdf
from nitsys.services import audit, import_staging, outbox
from nitsys.services.exports import ExportFile

MAX_ROWS = 2000
SKIP = "skip"
KINDS = [kind for kind, _ in VEHICLE_TYPES]
VEHICLE_LABELS = dict(VEHICLE_TYPES)
REQUEST_FIELDS = (*KINDS, "arrival_time", "departure_time", "driver_phone", "note")
ALLOCATION_FIELDS = ("status", "lot_id", "permit_number", *(f"assigned_{k}" for k in KINDS))
_PHONE = re.compile(r"[0-9+\-() ]{0,20}")
_PERMIT = re.compile(r"[0-9A-Za-z\-_]{1,20}")


# --- settings and lots ---------------------------------------------------------------------


def _meet(meet_id: int) -> Meet:
    meet = db.session.get(Meet, meet_id)
    if meet is None:
        raise NotFound("大会が見つかりません。")
    return meet


def settings_for(meet: Meet) -> ParkingSettings:
    """The meet's settings; an unsaved, disabled default when staff have set none."""
    found = db.session.scalar(select(ParkingSettings).where(ParkingSettings.meet_id == meet.id))
    return found or ParkingSettings(meet_id=meet.id, enabled=False, rules="")


def lots_of(meet: Meet) -> list[ParkingLot]:
    return db.session.scalars(
        select(ParkingLot).where(ParkingLot.meet_id == meet.id).order_by(ParkingLot.id)
    ).all()


def save_settings(
    meet_id: int,
    *,
    by: User,
    enabled: bool,
    entry_time: time | None,
    exit_time: time | None,
    rules: str,
) -> ParkingSettings:
    meet = _meet(meet_id)
    if entry_time and exit_time and exit_time <= entry_time:
        raise RuleViolation("出庫時刻は入庫時刻より後にしてください。", field="exit_time")
    if len(rules) > 2000:
        raise RuleViolation("注意事項は2000文字以内にしてください。", field="rules")
    settings = settings_for(meet)
    if enabled and not lots_of(meet):
        raise RuleViolation("駐車場を1つ以上登録してから受付を始めてください。", field="enabled")
    fields = ("enabled", "entry_time", "exit_time", "rules")
    before = audit.snapshot(settings, *fields) if settings.id else None
    settings.enabled, settings.entry_time, settings.exit_time = enabled, entry_time, exit_time
    settings.rules = rules.strip()
    db.session.add(settings)
    audit.record(
        by,
        "parking.settings",
        meet,
        meet_id=meet.id,
        before=before,
        after=audit.snapshot(settings, *fields),
    )
    return settings


def save_lot(
    meet_id: int,
    *,
    by: User,
    lot_id: int | None = None,
    name: str,
    address: str = "",
    map_url: str = "",
    capacities: dict[str, int],
) -> ParkingLot:
    meet = _meet(meet_id)
    name = name.strip()
    if not name or len(name) > 100:
        raise RuleViolation("駐車場名を100文字以内で入力してください。", field="name")
    if map_url and not map_url.startswith(("https://", "http://")):
        raise RuleViolation("地図のリンクは https:// で始まるURLにしてください。", field="map_url")
    for kind in KINDS:
        _check_count(capacities.get(kind, 0), f"{VEHICLE_LABELS[kind]}の収容台数")
    lot = ParkingLot(meet_id=meet.id) if lot_id is None else db.session.get(ParkingLot, lot_id)
    if lot is None or lot.meet_id != meet.id:
        raise NotFound()
    clash = db.session.scalar(
        select(ParkingLot.id).where(
            ParkingLot.meet_id == meet.id, ParkingLot.name == name, ParkingLot.id != lot.id
        )
    )
    if clash:
        raise RuleViolation(f"駐車場「{name}」は既に登録されています。", field="name")
    lot.name, lot.address, lot.map_url = name, address.strip()[:200], map_url.strip()[:500]
    for kind in KINDS:
        setattr(lot, f"capacity_{kind}", capacities.get(kind, 0))
    db.session.add(lot)
    audit.record(
        by,
        "parking.lot",
        lot,
        meet_id=meet.id,
        after=audit.snapshot(lot, "name", *(f"capacity_{k}" for k in KINDS)),
    )
    return lot


def delete_lot(meet_id: int, lot_id: int, *, by: User) -> None:
    lot = db.session.get(ParkingLot, lot_id)
    if lot is None or lot.meet_id != meet_id:
        raise NotFound()
    if db.session.scalar(select(ParkingRequest.id).where(ParkingRequest.lot_id == lot.id)):
        raise RuleViolation(f"駐車場「{lot.name}」には割当があるため削除できません。")
    audit.record(by, "parking.lot_delete", lot, meet_id=meet_id, before={"name": lot.name})
    db.session.delete(lot)


def _check_count(value: int, label: str) -> int:
    if not isinstance(value, int) or value < 0:
        raise RuleViolation(f"{label}は0以上の整数で入力してください。")
    if value > MAX_VEHICLES:
        raise RuleViolation(f"{label}は{MAX_VEHICLES}台以下にしてください。")
    return value


# --- the team's request --------------------------------------------------------------------


@dataclass(frozen=True)
class RequestState:
    """What the coach's page shows: may they edit, and if not, why."""

    enabled: bool
    open: bool
    reason: str = ""


def request_of(meet: Meet, organization_id: int | None) -> ParkingRequest | None:
    if organization_id is None:
        return None
    return db.session.scalar(
        select(ParkingRequest)
        .where(ParkingRequest.meet_id == meet.id, ParkingRequest.organization_id == organization_id)
        .options(joinedload(ParkingRequest.lot))
    )


def request_deadline(meet: Meet) -> datetime:
    """The meet's parking deadline; without one, requests close as the first day begins (JST)."""
    if meet.parking_deadline is not None:
        return meet.parking_deadline
    return datetime.combine(meet.first_day, time(0), tzinfo=TOKYO)


def request_state(
    meet: Meet, request: ParkingRequest | None, now: datetime | None = None
) -> RequestState:
    settings = settings_for(meet)
    if not settings.enabled:
        return RequestState(False, False, "この大会では駐車場の申請を受け付けていません。")
    now = now or utcnow()
    if request is not None and request.status is not ParkingStatus.REQUESTED:
        return RequestState(
            True, False, f"{request.status.label}のため、申請内容は変更できません。"
        )
    if now > request_deadline(meet):
        return RequestState(True, False, "駐車場申請の締切を過ぎたため、変更できません。")
    return RequestState(True, True)


def save_request(
    meet_id: int,
    *,
    by: User,
    counts: dict[str, int],
    arrival_time: time | None = None,
    departure_time: time | None = None,
    driver_phone: str = "",
    note: str = "",
) -> ParkingRequest:
    """Create or update the team's request (deadline and state checked here)."""
    meet = _meet(meet_id)
    if by.organization_id is None:
        raise RuleViolation("駐車場の申請は団体で登録した方のみできます。")
    # One team's saves in turn: two coaches (or a double click) cannot both create the request.
    db.session.execute(
        select(Organization.id).where(Organization.id == by.organization_id).with_for_update()
    )
    request = db.session.scalar(
        select(ParkingRequest)
        .where(
            ParkingRequest.meet_id == meet.id, ParkingRequest.organization_id == by.organization_id
        )
        .with_for_update()
    )
    state = request_state(meet, request)
    if not state.open:
        raise RuleViolation(state.reason)
    for kind in KINDS:
        _check_count(counts.get(kind, 0), VEHICLE_LABELS[kind])
    if sum(counts.get(kind, 0) for kind in KINDS) == 0:
        raise RuleViolation("台数を1台以上入力してください。", field="large_bus")
    if arrival_time and departure_time and departure_time <= arrival_time:
        raise RuleViolation(
            "出発予定は到着予定より後の時刻にしてください。", field="departure_time"
        )
    driver_phone = unicodedata.normalize("NFKC", driver_phone).strip()
    if not driver_phone or _PHONE.fullmatch(driver_phone) is None:
        raise RuleViolation(
            "当日連絡のつく電話番号を数字とハイフンで入力してください（例: 090-1234-5678）。",
            field="driver_phone",
        )
    note = note.replace("\x00", "").strip()
    if len(note) > 500:
        raise RuleViolation("備考は500文字以内にしてください。", field="note")
    before = audit.snapshot(request, *REQUEST_FIELDS) if request else None
    if request is None:
        request = ParkingRequest(meet_id=meet.id, organization_id=by.organization_id)
        db.session.add(request)
    for kind in KINDS:
        setattr(request, kind, counts.get(kind, 0))
    request.arrival_time, request.departure_time = arrival_time, departure_time
    request.driver_phone, request.note, request.updated_by_id = driver_phone, note, by.id
    audit.record(
        by,
        "parking.request",
        request,
        meet_id=meet.id,
        before=before,
        after=audit.snapshot(request, *REQUEST_FIELDS),
    )
    return request


def decline_request(request_id: int, *, by: User) -> ParkingRequest:
    """Staff: no space for this team (不可). An assigned request keeps its allocation."""
    request = db.session.get(ParkingRequest, request_id)
    if request is None:
        raise NotFound()
    if request.status is not ParkingStatus.REQUESTED:
        raise RuleViolation(f"{request.status.label}の申請は不可にできません。")
    request.status = ParkingStatus.DECLINED
    request.updated_by_id = by.id
    audit.record(
        by, "parking.decline", request, meet_id=request.meet_id, after={"status": "declined"}
    )
    return request


def assigned_permits(user: User) -> list[ParkingRequest]:
    """The team's allocated permits for meets not yet over (dashboard card)."""
    if user.organization_id is None:
        return []
    return db.session.scalars(
        select(ParkingRequest)
        .join(Meet, Meet.id == ParkingRequest.meet_id)
        .where(
            ParkingRequest.organization_id == user.organization_id,
            ParkingRequest.status == ParkingStatus.ASSIGNED,
            Meet.last_day >= utcnow().astimezone(TOKYO).date(),
        )
        .options(joinedload(ParkingRequest.meet), joinedload(ParkingRequest.lot))
        .order_by(Meet.first_day)
    ).all()


# --- the staff list and the planning CSV ---------------------------------------------------


@dataclass
class Totals:
    requested: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    assigned: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    capacity: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    by_status: dict[str, int] = field(default_factory=dict)
    # lot id → vehicle type → vehicles allocated there
    by_lot: dict[int, dict[str, int]] = field(default_factory=dict)


def requests_of(meet: Meet) -> list[ParkingRequest]:
    return db.session.scalars(
        select(ParkingRequest)
        .where(ParkingRequest.meet_id == meet.id)
        .options(joinedload(ParkingRequest.organization), joinedload(ParkingRequest.lot))
        .order_by(ParkingRequest.id)
    ).all()


def staff_list(
    meet: Meet, *, status: str = "", query: str = ""
) -> tuple[list[ParkingRequest], Totals, list[ParkingLot]]:
    """Every request (filtered), totals over all of them and the lots (two queries)."""
    every = requests_of(meet)
    lots = lots_of(meet)
    totals = Totals()
    for request in every:
        totals.by_status[request.status.value] = totals.by_status.get(request.status.value, 0) + 1
        for kind in KINDS:
            totals.requested[kind] += request.requested(kind)
            if request.is_assigned:
                totals.assigned[kind] += request.assigned(kind)
                lot_load = totals.by_lot.setdefault(request.lot_id, dict.fromkeys(KINDS, 0))
                lot_load[kind] += request.assigned(kind)
    for lot in lots:
        for kind in KINDS:
            totals.capacity[kind] += lot.capacity(kind)
    key = normalise(query)
    shown = [
        request
        for request in every
        if (not status or request.status.value == status)
        and (
            not key
            or key in normalise(request.organization.name)
            or key in normalise(request.organization.short_name)
        )
    ]
    shown.sort(key=lambda r: (r.organization.name_kana, r.id))
    return shown, totals, lots


EXPORT_HEADER = [
    "団体ID",
    "団体名",
    "略称",
    *(f"申請_{label}" for _, label in VEHICLE_TYPES),
    "到着予定",
    "出発予定",
    "運転者連絡先",
    "備考",
    "状態",
    "駐車場",
    "許可証番号",
    *(label for _, label in VEHICLE_TYPES),
]


def _clock(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def export_requests(meet_id: int, *, by: User, encoding: CsvEncoding) -> tuple[bytes, str]:
    """The planning CSV: requests and the current allocation, re-importable as it is."""
    meet = _meet(meet_id)
    requests = sorted(requests_of(meet), key=lambda r: (r.organization.name_kana, r.id))
    rows = [EXPORT_HEADER]
    for request in requests:
        organization = request.organization
        rows.append(
            [
                organization.id,
                organization.name,
                organization.short_name,
                *(request.requested(kind) for kind in KINDS),
                _clock(request.arrival_time),
                _clock(request.departure_time),
                request.driver_phone,
                request.note,
                request.status.label,
                request.lot.name if request.lot else "",
                request.permit_number or "",
                *((request.assigned(kind) if request.is_assigned else "") for kind in KINDS),
            ]
        )
    data = write_csv(rows, encoding)
    audit.record(
        by,
        "parking.export",
        meet,
        meet_id=meet.id,
        after={"rows": len(requests), "encoding": encoding.value},
    )
    return data, f"parking_{meet.number or meet.id}_{encoding.name.lower()}.csv"


# --- the allocation import: reading ----------------------------------------------------------

COLUMNS = {
    "team_id": ("団体ID", "団体id", "id"),
    "name": ("団体名", "チーム名", "所属"),
    "short_name": ("略称",),
    "lot": ("駐車場", "割当駐車場"),
    "permit": ("許可証番号", "許可番号", "許可証No"),
    "large_bus": ("大型バス", "割当_大型バス"),
    "medium_bus": ("マイクロ・中型バス", "中型バス", "マイクロバス", "割当_マイクロ・中型バス"),
    "car": ("乗用車", "割当_乗用車"),
}


def read_allocation(filename: str, data: bytes) -> list[dict]:
    """The data rows of an allocation sheet (.xlsx or CSV) as JSON-ready dicts with `line`."""
    try:
        table = read_table(filename or "upload.csv", data)
    except FileProblem as problem:
        raise RuleViolation(str(problem)) from None
    blank_top = 0  # blank lines above the header still count in the line numbers shown
    while table and not any(_text(cell) for cell in table[0]):
        table.pop(0)
        blank_top += 1
    if not table:
        raise RuleViolation("ファイルにデータがありません（見出し行もありません）。")
    header = [_text(cell) for cell in table[0]]
    positions = {}
    for key, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in header:
                positions[key] = header.index(alias)
                break
    missing = [COLUMNS[key][0] for key in ("lot", "permit", *KINDS) if key not in positions]
    if not ({"team_id", "name", "short_name"} & positions.keys()):
        missing.insert(0, "団体名（または団体ID・略称）")
    if missing:
        raise RuleViolation(
            f"1行目（見出し）に必須の列がありません: {'、'.join(missing)}。"
            "「申請一覧CSV」を出力して、その列のまま記入してください。"
        )
    rows = []
    for line, cells in enumerate(table[1:], start=2 + blank_top):
        values = {key: _text(cells[i]) if i < len(cells) else "" for key, i in positions.items()}
        if any(values.values()):
            rows.append({"line": line, **values})
    if len(rows) > MAX_ROWS:
        raise RuleViolation(
            f"一度に取り込めるのは{MAX_ROWS}行までです（このファイルには{len(rows)}行あります）。"
        )
    if not rows:
        raise RuleViolation("取り込むデータがありません（2行目以降が空です）。")
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).replace("\x00", "").strip()


# --- the allocation import: staging ----------------------------------------------------------


def stage(by: User, meet: Meet, rows: list[dict], filename: str) -> ParkingImport:
    return import_staging.stage(ParkingImport, by, meet, rows, filename)


def staged_import(by: User, meet: Meet, token: str) -> ParkingImport:
    return import_staging.staged(ParkingImport, by, meet, token, lock=True)


# --- the allocation import: preview ----------------------------------------------------------


@dataclass
class AllocationRow:
    line: int
    values: dict
    match: Match
    team_id: int | None = None  # the team the row goes to (matched, or chosen)
    chosen: str = ""  # the planner's choice as posted ("" / team id / "skip")
    lot: ParkingLot | None = None
    permit: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    change: str = ""  # 新規 / 変更 / 変更なし / 取り込まない

    @property
    def label(self) -> str:
        return (
            self.values.get("name")
            or self.values.get("short_name")
            or self.values.get("team_id", "")
        )

    @property
    def skipped(self) -> bool:
        return self.chosen == SKIP


@dataclass
class AllocationPreview:
    rows: list[AllocationRow]
    teams: dict[int, Team]
    lot_warnings: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [f"{row.line}行目: {error}" for row in self.rows for error in row.errors]

    @property
    def warnings(self) -> list[str]:
        rows = [
            f"{row.line}行目: {w}" for row in self.rows if not row.skipped for w in row.warnings
        ]
        return rows + self.lot_warnings

    @property
    def undecided(self) -> list[AllocationRow]:
        return [row for row in self.rows if row.team_id is None and not row.skipped]

    @property
    def decisions(self) -> list[AllocationRow]:
        return [row for row in self.rows if row.match.kind.needs_choice]

    @property
    def changes(self) -> int:
        return sum(1 for row in self.rows if row.change in ("新規", "変更"))

    def team_name(self, team_id: int | None) -> str:
        team = self.teams.get(team_id) if team_id is not None else None
        return team.name if team else ""


def _count(raw: str, label: str) -> int:
    text = raw.replace(",", "").replace("台", "").strip()
    if not text:
        return 0
    if not re.fullmatch(r"-?\d{1,9}", text):
        raise RuleViolation(f"「{label}」は0以上の整数で入力してください（「{raw[:20]}」）。")
    value = int(text)
    if value < 0:
        raise RuleViolation(f"「{label}」に負の数（{value}）は入力できません。")
    if value > MAX_VEHICLES:
        raise RuleViolation(f"「{label}」の{value}台は多すぎます（{MAX_VEHICLES}台まで）。")
    return value


def preview(
    meet: Meet, rows: list[dict], choices: dict[int, str] | None = None
) -> AllocationPreview:
    """Match, validate and compare every row with what is stored; writes nothing."""
    choices = choices or {}
    organizations = db.session.execute(
        select(Organization.id, Organization.name, Organization.short_name).where(
            Organization.is_active
        )
    ).all()
    teams = [Team(*organization) for organization in organizations]
    index = TeamIndex(teams)
    lots = lots_of(meet)
    lots_by_key = {normalise(lot.name): lot for lot in lots}
    existing = {request.organization_id: request for request in requests_of(meet)}
    result = AllocationPreview([], index.teams)
    for values in rows:
        row = AllocationRow(
            line=values["line"],
            values=values,
            match=index.match(
                values.get("team_id", ""), values.get("name", ""), values.get("short_name", "")
            ),
            chosen=choices.get(values["line"], ""),
        )
        result.rows.append(row)
        _decide(row, index)
        if row.skipped:
            row.change = "取り込まない"
            continue
        _read_allocation(row, lots_by_key, lots)
    _check_rows(result, existing, lots)
    return result


def _decide(row: AllocationRow, index: TeamIndex) -> None:
    if not row.match.kind.needs_choice:
        row.team_id = row.match.team_id
        return
    if not (row.values.get("team_id") or row.values.get("name") or row.values.get("short_name")):
        if not row.chosen:
            row.errors.append("団体名が空です。")
        return
    if row.chosen and row.chosen != SKIP:
        if row.chosen.isdigit() and int(row.chosen) in index.teams:
            row.team_id = int(row.chosen)
        else:
            row.errors.append("選ばれた団体が見つかりません。もう一度選んでください。")


def _read_allocation(row: AllocationRow, lots_by_key: dict, lots: list[ParkingLot]) -> None:
    values = row.values
    lot_name = values.get("lot", "")
    if not lot_name:
        row.errors.append("駐車場が空です。")
    else:
        row.lot = lots_by_key.get(normalise(lot_name))
        if row.lot is None:
            known = "、".join(lot.name for lot in lots) or "なし"
            row.errors.append(
                f"駐車場「{lot_name[:40]}」はこの大会に登録されていません（登録済み: {known}）。"
            )
    row.permit = values.get("permit", "")
    if not row.permit:
        row.errors.append("許可証番号が空です。")
    elif _PERMIT.fullmatch(row.permit) is None:
        row.errors.append(
            f"許可証番号「{row.permit[:30]}」は英数字とハイフンで20文字以内にしてください。"
        )
    for kind in KINDS:
        try:
            row.counts[kind] = _count(values.get(kind, ""), VEHICLE_LABELS[kind])
        except RuleViolation as error:
            row.errors.append(error.message)
    if len(row.counts) == len(KINDS) and sum(row.counts.values()) == 0:
        row.errors.append("割当台数がすべて0です。")


def _check_rows(result: AllocationPreview, existing: dict, lots: list[ParkingLot]) -> None:
    """Duplicates (team, permit), permit numbers held by other teams, warnings, changes."""
    live = [row for row in result.rows if not row.skipped]
    first_line_of_team: dict[int, int] = {}
    first_line_of_permit: dict[str, int] = {}
    teams_in_file = {row.team_id for row in live if row.team_id is not None}
    for row in live:
        if row.team_id is not None:
            if row.team_id in first_line_of_team:
                row.errors.append(
                    f"団体「{result.team_name(row.team_id)}」は{first_line_of_team[row.team_id]}行目にもあります。"
                )
            else:
                first_line_of_team[row.team_id] = row.line
        if row.permit:
            key = row.permit.upper()
            if key in first_line_of_permit:
                row.errors.append(
                    f"許可証番号「{row.permit}」は{first_line_of_permit[key]}行目と重複しています。"
                )
            else:
                first_line_of_permit[key] = row.line
    held = {
        (request.permit_number or "").upper(): request
        for request in existing.values()
        if request.permit_number and request.organization_id not in teams_in_file
    }
    for row in live:
        holder = held.get(row.permit.upper()) if row.permit else None
        if holder is not None:
            row.errors.append(
                f"許可証番号「{row.permit}」は既に「{holder.organization.name}」に割り当てられています。"
            )
    # Warnings and the resulting load of each lot (this file + allocations it leaves alone).
    load: dict[tuple[int, str], int] = defaultdict(int)
    for request in existing.values():
        if request.is_assigned and request.organization_id not in teams_in_file:
            for kind in KINDS:
                load[(request.lot_id, kind)] += request.assigned(kind)
    for row in live:
        if row.errors or row.team_id is None:
            continue
        request = existing.get(row.team_id)
        for kind in KINDS:
            asked = request.requested(kind) if request else 0
            if row.counts[kind] > asked:
                row.warnings.append(
                    f"{VEHICLE_LABELS[kind]}の割当（{row.counts[kind]}台）が申請（{asked}台）を超えています。"
                )
            load[(row.lot.id, kind)] += row.counts[kind]
        if request is None:
            row.warnings.insert(0, "この団体からの申請はありません（割当で申請を作成します）。")
        row.change = _change(request, row)
    for lot in lots:
        for kind in KINDS:
            if load[(lot.id, kind)] > lot.capacity(kind):
                result.lot_warnings.append(
                    f"駐車場「{lot.name}」の{VEHICLE_LABELS[kind]}: 割当{load[(lot.id, kind)]}台が"
                    f"収容台数{lot.capacity(kind)}台を超えています。"
                )


def _target(row: AllocationRow) -> dict:
    return {
        "status": ParkingStatus.ASSIGNED,
        "lot_id": row.lot.id,
        "permit_number": row.permit,
        **{f"assigned_{kind}": row.counts[kind] for kind in KINDS},
    }


def _change(request: ParkingRequest | None, row: AllocationRow) -> str:
    if request is None:
        return "新規"
    same = all(getattr(request, name) == value for name, value in _target(row).items())
    return "変更なし" if same else ("変更" if request.is_assigned else "新規")


# --- the allocation import: confirm ----------------------------------------------------------


@dataclass
class ImportOutcome:
    preview: AllocationPreview
    changed: int = 0


def confirm(
    by: User,
    meet: Meet,
    staged: ParkingImport,
    choices: dict[int, str],
    *,
    warnings_confirmed: bool,
) -> ImportOutcome:
    """Apply the staged rows with the planner's choices, all or nothing.

    Raises RuleViolation (nothing written) when a row has an error, a fuzzy/ambiguous/
    unmatched row has no choice, or warnings were not confirmed; `.preview` of the error
    object carries the re-evaluated preview for the page.
    """
    result = preview(meet, staged.rows, choices)
    problem = _blocking_problem(result, warnings_confirmed)
    if problem:
        error = RuleViolation(problem)
        error.preview = result
        raise error
    existing = {request.organization_id: request for request in requests_of(meet)}
    changing = [row for row in result.rows if not row.skipped and row.change in ("新規", "変更")]
    # Park the permit numbers being changed first, so two teams may swap numbers.
    for row in changing:
        request = existing.get(row.team_id)
        if request is not None and request.permit_number:
            request.permit_number = f"~{request.id}"
    db.session.flush()
    now = utcnow()
    for row in changing:
        request = existing.get(row.team_id)
        before = None
        if request is None:
            request = ParkingRequest(
                meet_id=meet.id, organization_id=row.team_id, updated_by_id=by.id
            )
            db.session.add(request)
        else:
            before = audit.snapshot(request, *ALLOCATION_FIELDS)
        for name, value in _target(row).items():
            setattr(request, name, value)
        request.allocation_version = (request.allocation_version or 0) + 1
        request.assigned_at, request.updated_by_id = now, by.id
        audit.record(
            by,
            "parking.allocate",
            request,
            meet_id=meet.id,
            before=before,
            after={**audit.snapshot(request, *ALLOCATION_FIELDS), "line": row.line},
        )
        _notify(request, row.lot, meet)
    audit.record(
        by,
        "parking.import",
        meet,
        meet_id=meet.id,
        after={
            "file": staged.filename,
            "rows": len(result.rows),
            "changed": len(changing),
            "skipped": sum(1 for row in result.rows if row.skipped),
            "chosen": {str(row.line): row.team_id for row in result.decisions if row.team_id},
            "warnings": len(result.warnings),
        },
    )
    db.session.delete(staged)
    return ImportOutcome(result, len(changing))


def _blocking_problem(result: AllocationPreview, warnings_confirmed: bool) -> str:
    if result.errors:
        return "エラーのある行があります。ファイルを直してアップロードし直してください: " + listing(
            result.errors, 5
        )
    if result.undecided:
        lines = [f"{row.line}行目" for row in result.undecided]
        return (
            "団体を確定できない行があります。候補から選ぶか「取り込まない」を選んでください: "
            + listing(lines)
        )
    if result.warnings and not warnings_confirmed:
        return "警告があります。内容を確認し「警告を確認しました」にチェックしてください。"
    return ""


def _notify(request: ParkingRequest, lot: ParkingLot, meet: Meet) -> None:
    organization = db.session.get(Organization, request.organization_id)
    if not organization or not organization.representative_email:
        return
    outbox.enqueue(
        organization.representative_email,
        "parking_allocated",
        subject=f"駐車場の割当のお知らせ（{meet.name}）",
        dedupe_key=f"parking-allocation:{request.meet_id}:{request.organization_id}:v{request.allocation_version}",
        organization=organization,
        meet=meet,
        request=request,
        lot=lot,
        vehicle_types=VEHICLE_TYPES,
    )


def parse_choices(form) -> dict[int, str]:
    """`choice-<line>` fields of the confirm form → {line: value}."""
    choices = {}
    for key, value in form.items():
        if key.startswith("choice-") and key[7:].isdigit() and len(key) < 20:
            choices[int(key[7:])] = str(value)[:20]
    return choices


# --- permits ---------------------------------------------------------------------------------


def permit_of(request_id: int) -> ParkingRequest:
    request = db.session.get(ParkingRequest, request_id)
    if request is None or not request.is_assigned:
        raise NotFound("駐車許可証はまだ発行されていません。")
    return request


def has_requests(meet: Meet) -> bool:
    return (
        db.session.scalar(
            select(ParkingRequest.id).where(ParkingRequest.meet_id == meet.id).limit(1)
        )
        is not None
    )


def export_parking_file(meet_id: int, *, by: User) -> ExportFile:
    """The planning CSV (UTF-8 with BOM) for the post-meet archive; refused when empty."""
    meet = _meet(meet_id)
    if not has_requests(meet):
        raise RuleViolation("駐車場の申請はありません。")
    data, filename = export_requests(meet.id, by=by, encoding=CsvEncoding.UTF8_BOM)
    return ExportFile(data, filename, "text/csv; charset=utf-8")


def export_permits_file(meet_id: int, *, by: User) -> ExportFile:
    """Every permit of the meet in one PDF (staff download, archive; a task may call it)."""
    meet, permits = all_permits(meet_id)
    data = permits_pdf(meet, settings_for(meet), permits)
    audit.record(by, "parking.permits", meet, meet_id=meet.id, after={"permits": len(permits)})
    return ExportFile(data, permit_filename(meet), "application/pdf")


def all_permits(meet_id: int) -> tuple[Meet, list[ParkingRequest]]:
    meet = _meet(meet_id)
    permits = [request for request in requests_of(meet) if request.is_assigned]
    if not permits:
        raise RuleViolation("割当済みの申請がないため、駐車許可証はまだありません。")
    permits.sort(key=lambda r: (r.permit_number or "", r.id))
    return meet, permits


def request_of_id(meet: Meet, request_id: int) -> ParkingRequest:
    found = db.session.get(ParkingRequest, request_id)
    if found is None or found.meet_id != meet.id:
        raise NotFound()
    return found


def current_meet() -> Meet | None:
    """The next meet not yet over, else the latest one (the staff nav's parking link)."""
    upcoming = db.session.scalar(
        select(Meet)
        .where(Meet.last_day >= utcnow().astimezone(TOKYO).date())
        .order_by(Meet.first_day)
        .limit(1)
    )
    return upcoming or db.session.scalar(select(Meet).order_by(Meet.first_day.desc()).limit(1))
