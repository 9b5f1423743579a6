"""The all-data workbook of a meet (SPEC §8, 記録保存用): one sheet per table, logged.

Everything the office may need to look up after the meet — teams, athletes, applications,
entries, payments, heats, slots and results — as plain values. Left out on purpose: password
hashes, tokens, the slip files and their names. It needs no finished programme: a meet before
its heats exports what it has (a sheet without rows keeps its header; 結果 appears once there
are results).

Each sheet is a list of :class:`Field` — header, width, the SQL column and how it is shown — so
one query per sheet reads exactly the columns written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import aliased, selectinload

from nitsys import progress
from nitsys.extensions import db
from nitsys.models import (
    Application,
    Athlete,
    Entry,
    Heat,
    HeatResult,
    HeatSlot,
    Meet,
    Organization,
    ParkingLot,
    ParkingRequest,
    PaymentSlip,
    Race,
    User,
)
from nitsys.reports.athlete_files import XLSX_TYPE
from nitsys.reports.workbook import Column, RaceTime, Sheet, workbook_xlsx
from nitsys.services import exports, heats

DONE = "済"


def export_workbook(meet_id: int, *, by: User) -> exports.ExportFile:
    """The workbook as a download; logged as a personal-data export."""
    meet, _ = exports.meet_and_race(meet_id, None)
    data, row_count = build_workbook(meet)
    filename = exports.export_filename("alldata", meet, None, "xlsx")
    exports.log_export(by, "workbook_xlsx", meet, None, {}, filename, row_count, data)
    return exports.ExportFile(data, filename, XLSX_TYPE)


def build_workbook(meet: Meet) -> tuple[bytes, int]:
    """The .xlsx bytes and the number of data rows in it (all sheets)."""
    sheets = []
    for build in SHEETS:
        if (sheet := build(meet)) is not None:
            sheets.append(sheet)
            progress.tick(f"{len(sheets)}シート")
    return workbook_xlsx(sheets), sum(len(sheet.rows) for sheet in sheets)


# --- fields ---------------------------------------------------------------------------------


def _as_is(value, _hours: bool):
    return value


def _label(member, _hours: bool) -> str:
    return member.label if member is not None else ""


def _done(flag: bool, _hours: bool) -> str:
    return DONE if flag else ""


def _time(hundredths: int | None, hours: bool) -> RaceTime | None:
    """A typed duration, so sorting puts 9:49.88 before 10:01.30 (text would not)."""
    return None if hundredths is None else RaceTime(hundredths, hours)


def _clock(value, _hours: bool) -> str:
    return value.strftime("%H:%M") if value is not None else ""


@dataclass(frozen=True)
class Field:
    label: str
    width: float
    value: ColumnElement
    # (database value, the meet's hours-in-times setting) → cell
    shown: Callable[[object, bool], object] = _as_is


_Owner = aliased(User)  # an individual's account, owning an application or an athlete
_Reviewer = aliased(User)
TEAM = func.coalesce(Organization.name, _Owner.full_name, "")  # see _owned
FULL_NAME = Athlete.last_name + " " + Athlete.first_name

ORGANIZATION_FIELDS = [
    Field("団体ID", 8, Organization.id),
    Field("団体名", 28, Organization.name),
    Field("フリガナ", 28, Organization.name_kana),
    Field("略称", 14, Organization.short_name),
    Field("種別", 10, Organization.org_type, _label),
    Field("代表者", 16, Organization.representative_name),
    Field("代表者メール", 28, Organization.representative_email),
    Field("代表者電話", 16, Organization.representative_phone),
    Field("陸協コード", 12, Organization.jaaf_code),
]
ATHLETE_FIELDS = [
    Field("選手ID", 8, Athlete.id),
    Field("姓", 10, Athlete.last_name),
    Field("名", 10, Athlete.first_name),
    Field("セイ", 12, Athlete.last_name_kana),
    Field("メイ", 12, Athlete.first_name_kana),
    Field("姓（ローマ字）", 14, Athlete.last_name_en),
    Field("名（ローマ字）", 14, Athlete.first_name_en),
    Field("性別", 6, Athlete.gender, _label),
    Field("生年月日", 12, Athlete.birth_date),
    Field("学年", 6, Athlete.grade),
    Field("JAAF ID", 14, Athlete.jaaf_id),
    Field("国籍", 6, Athlete.nationality),
    Field("所属", 28, TEAM),
]
APPLICATION_FIELDS = [
    Field("申込番号", 11, Application.number),
    Field("申込者", 28, TEAM),
    Field("状態", 10, Application.status, _label),
    Field("件数", 6, Application.entry_count),
    Field("参加費単価", 10, Application.unit_fee),
    Field("申込時合計", 11, Application.total_amount),
    Field("調整額", 9, Application.adjustment_total),
    Field("請求額", 10, Application.total_amount + Application.adjustment_total),
    Field("申込日時", 17, Application.submitted_at),
    Field("差し戻し理由", 30, Application.rejection_reason),
]
ENTRY_FIELDS = [
    Field("エントリーID", 11, Entry.id),
    Field("申込番号", 11, Application.number),
    Field("種目", 14, Race.name),
    Field("選手ID", 8, Athlete.id),
    Field("氏名", 16, FULL_NAME),
    Field("所属", 28, TEAM),
    Field("申告タイム", 11, Entry.declared_time, _time),
    Field("自己ベスト", 11, Entry.personal_best, _time),
    Field("状態", 12, Entry.status, _label),
    Field("備考", 20, Entry.note),
    Field("欠場連絡日時", 17, Entry.withdrawal_requested_at),
    Field("欠場理由", 20, Entry.withdrawal_reason),
]
PAYMENT_FIELDS = [
    Field("申込番号", 11, Application.number),
    Field("申込者", 28, TEAM),
    Field("アップロード日時", 17, PaymentSlip.uploaded_at),
    Field("振込日", 12, PaymentSlip.transfer_date),
    Field("振込金額", 10, PaymentSlip.declared_amount),
    Field("振込名義", 20, PaymentSlip.payer_name),
    Field("確認状態", 10, PaymentSlip.review, _label),
    Field("確認者", 14, _Reviewer.full_name),
    Field("確認日時", 17, PaymentSlip.reviewed_at),
    Field("差し戻し理由", 30, PaymentSlip.review_reason),
]
_RUNNER_FIELDS = [
    Field("種目", 14, Race.name),
    Field("組", 5, Heat.number),
    Field("腰ナンバー", 9, HeatSlot.position),
    Field("ゼッケン", 8, HeatSlot.bib),
    Field("氏名", 16, FULL_NAME),
    Field("所属", 28, TEAM),
]
SLOT_FIELDS = [
    *_RUNNER_FIELDS,
    Field("点呼", 6, HeatSlot.checked_in, _done),
    Field("点呼時刻", 17, HeatSlot.checked_in_at),
    Field("DNS", 6, HeatSlot.dns, _done),
]
RESULT_FIELDS = [
    *_RUNNER_FIELDS,
    Field("着順", 6, HeatResult.place),
    Field("記録", 11, HeatResult.time, _time),
    Field("状態", 10, HeatResult.status, _label),
]
PARKING_FIELDS = [
    Field("団体ID", 8, Organization.id),
    Field("団体名", 28, Organization.name),
    Field("状態", 8, ParkingRequest.status, _label),
    Field("申請_大型バス", 8, ParkingRequest.large_bus),
    Field("申請_マイクロ・中型バス", 8, ParkingRequest.medium_bus),
    Field("申請_乗用車", 8, ParkingRequest.car),
    Field("到着予定", 8, ParkingRequest.arrival_time, _clock),
    Field("出発予定", 8, ParkingRequest.departure_time, _clock),
    Field("運転者連絡先", 16, ParkingRequest.driver_phone),
    Field("備考", 24, ParkingRequest.note),
    Field("駐車場", 16, ParkingLot.name),
    Field("許可証番号", 10, ParkingRequest.permit_number),
    Field("大型バス", 8, ParkingRequest.assigned_large_bus),
    Field("マイクロ・中型バス", 8, ParkingRequest.assigned_medium_bus),
    Field("乗用車", 8, ParkingRequest.assigned_car),
    Field("割当日時", 17, ParkingRequest.assigned_at),
]
HEAT_COLUMNS = [
    Column("種目", 14),
    Column("組", 5),
    Column("スタート時刻", 17),
    Column("招集時刻", 17),
    Column("人数", 6),
    Column("確定", 6),
    Column("公開", 6),
]


def _select(fields: list[Field]) -> Select:
    return select(*(field.value for field in fields))


def _owned(query: Select, model) -> Select:
    """Join the team (or the individual) owning `model`'s rows, for :data:`TEAM`."""
    return query.outerjoin(Organization, Organization.id == model.organization_id).outerjoin(
        _Owner, _Owner.id == model.owner_user_id
    )


def _sheet(title: str, fields: list[Field], query: Select, meet: Meet) -> Sheet:
    hours = meet.hours_in_times
    shown = [field.shown for field in fields]
    rows = [
        [show(value, hours) for show, value in zip(shown, line, strict=True)]
        for line in db.session.execute(query)
    ]
    return Sheet(title, [Column(field.label, field.width) for field in fields], rows)


# --- the sheets -----------------------------------------------------------------------------


def _organizations(meet: Meet) -> Sheet:
    taking_part = select(Application.organization_id).where(Application.meet_id == meet.id)
    query = _select(ORGANIZATION_FIELDS).where(Organization.id.in_(taking_part))
    query = query.order_by(Organization.name_kana, Organization.id)
    return _sheet("団体", ORGANIZATION_FIELDS, query, meet)


def _athletes(meet: Meet) -> Sheet:
    entered = select(Entry.athlete_id).join(Race, Race.id == Entry.race_id)
    query = _owned(_select(ATHLETE_FIELDS), Athlete)
    query = query.where(Athlete.id.in_(entered.where(Race.meet_id == meet.id))).order_by(
        Athlete.last_name_kana, Athlete.first_name_kana, Athlete.id
    )
    return _sheet("選手", ATHLETE_FIELDS, query, meet)


def _applications(meet: Meet) -> Sheet:
    query = _owned(_select(APPLICATION_FIELDS), Application)
    query = query.where(Application.meet_id == meet.id).order_by(Application.seq)
    return _sheet("申込", APPLICATION_FIELDS, query, meet)


def _entries(meet: Meet) -> Sheet:
    query = (
        _owned(_select(ENTRY_FIELDS).select_from(Entry).join(Athlete), Athlete)
        .join(Application, Application.id == Entry.application_id)
        .join(Race, Race.id == Entry.race_id)
        .where(Race.meet_id == meet.id)
        .order_by(Race.display_order, Race.id, Entry.declared_time, Entry.id)
    )
    return _sheet("エントリー", ENTRY_FIELDS, query, meet)


def _payment_slips(meet: Meet) -> Sheet:
    query = (
        _owned(_select(PAYMENT_FIELDS).select_from(PaymentSlip).join(Application), Application)
        .outerjoin(_Reviewer, _Reviewer.id == PaymentSlip.reviewed_by_id)
        .where(Application.meet_id == meet.id)
        .order_by(PaymentSlip.uploaded_at, PaymentSlip.id)
    )
    return _sheet("入金", PAYMENT_FIELDS, query, meet)


def _runners(fields: list[Field], meet: Meet) -> Select:
    """The meet's slots with heat, race and runner, in running order."""
    query = _select(fields).select_from(HeatSlot).join(Heat).join(Race)
    query = query.join(Entry, Entry.id == HeatSlot.entry_id).join(Athlete)
    return _owned(query, Athlete).where(HeatSlot.meet_id == meet.id)


def _slots(meet: Meet) -> Sheet:
    query = _runners(SLOT_FIELDS, meet).order_by(
        Race.display_order, Race.id, Heat.number, HeatSlot.position
    )
    return _sheet("組編成", SLOT_FIELDS, query, meet)


def _results(meet: Meet) -> Sheet | None:
    query = _runners(RESULT_FIELDS, meet).join(HeatResult, HeatResult.slot_id == HeatSlot.id)
    query = query.order_by(
        Race.display_order,
        Race.id,
        Heat.number,
        HeatResult.place.is_(None),  # finishers first, then DNF, DNS, DQ
        HeatResult.place,
        HeatSlot.position,
    )
    sheet = _sheet("結果", RESULT_FIELDS, query, meet)
    return sheet if sheet.rows else None


def _heats(meet: Meet) -> Sheet:
    """Start and call times come from the race's timetable, so this sheet reads Heat objects."""
    found = db.session.scalars(
        select(Heat)
        .join(Race, Race.id == Heat.race_id)
        .where(Race.meet_id == meet.id)
        .options(selectinload(Heat.race))
        .order_by(Race.display_order, Race.id, Heat.number)
    ).all()
    counts = heats.slot_counts([heat.id for heat in found])
    rows = []
    for race, race_heats in groupby(found, key=lambda heat: heat.race):
        race_heats = list(race_heats)
        times = heats.heat_times(race, race_heats, call_offset_minutes=meet.call_offset_minutes)
        rows += [
            [
                race.name,
                heat.number,
                times[heat.id].start,
                times[heat.id].call,
                counts.get(heat.id, 0),
                DONE if heat.locked else "",
                DONE if heat.is_published else "",
            ]
            for heat in race_heats
        ]
    return Sheet("組", HEAT_COLUMNS, rows)


def _parking(meet: Meet) -> Sheet | None:
    """Requests and allocations; the sheet appears once a team has asked for parking."""
    query = (
        _select(PARKING_FIELDS)
        .select_from(ParkingRequest)
        .join(Organization, Organization.id == ParkingRequest.organization_id)
        .outerjoin(ParkingLot, ParkingLot.id == ParkingRequest.lot_id)
        .where(ParkingRequest.meet_id == meet.id)
        .order_by(Organization.name_kana, ParkingRequest.id)
    )
    sheet = _sheet("駐車場", PARKING_FIELDS, query, meet)
    return sheet if sheet.rows else None


SHEETS: list[Callable[[Meet], Sheet | None]] = [
    _organizations,
    _athletes,
    _applications,
    _entries,
    _payment_slips,
    _heats,
    _slots,
    _results,
    _parking,
]
