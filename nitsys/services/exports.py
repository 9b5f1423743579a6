"""Staff exports (SPEC §8): start-list CSV and FinishLynx files built from the heats, logged.

Every export first checks the data is ready (heats made, locked, bibs given) and refuses with a
Japanese message naming the race, rather than handing out an empty or half-numbered file.
Each file handed out writes an :class:`ExportLog` row and an audit event (personal data).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.lynx import LynxEncoding, lynx_zip
from nitsys.domain.startlist import StartListRow, start_list_csv
from nitsys.domain.timetable import race_timetable
from nitsys.extensions import db
from nitsys.formatting import to_tokyo
from nitsys.models import (
    Athlete,
    Entry,
    EntryStatus,
    ExportLog,
    Heat,
    HeatSlot,
    Meet,
    Organization,
    Race,
    User,
)
from nitsys.reports.csv_files import CsvEncoding
from nitsys.services import audit

WHOLE_MEET = "全種目"


class ExportNotReady(RuleViolation):
    """The heats are not in a state to be exported yet; the message says what is missing."""


class ExportFile(NamedTuple):
    data: bytes
    filename: str
    content_type: str


# --- reading the start list -----------------------------------------------------------------


def start_list_rows(meet_id: int, race_id: int | None = None) -> list[StartListRow]:
    """Every runner of the meet's active races (or of one race), in running order.

    Three narrow queries — the races, their heats, then only the per-runner columns — rather
    than one wide join: a whole meet is thousands of lines, and materialising the race and heat
    columns again on every line (and loading ORM objects) cost more than the query itself.
    """
    numbers = race_numbers(meet_id)
    chosen = Race.id == race_id if race_id else Race.is_active
    races = {race.id: race for race in _select(_races_query(meet_id, numbers, chosen))}
    heats = {heat.id: heat for heat in _select(_heats_query(meet_id, chosen))}
    starts = _heat_starts(races, heats.values())
    codes = {race.id: _race_code(race) for race in races.values()}
    return [
        _row(runner, races[heats[runner.heat_id].race_id], heats[runner.heat_id], codes, starts)
        for runner in _select(_runners_query(meet_id, numbers, chosen))
    ]


def _select(query) -> list:
    """Core execution into plain named tuples (SQLAlchemy Row attribute lookups are slow)."""
    line = namedtuple("Line", [column.key for column in query.selected_columns])
    return [line._make(values) for values in db.session.connection().execute(query).all()]


def _races_query(meet_id: int, numbers, chosen):
    return (
        select(
            Race.id,
            Race.name,
            Race.gender,
            Race.distance,
            Race.is_ncg,
            Race.first_start_at,
            Race.heat_interval_minutes,
            numbers.c.number,
            Meet.name.label("meet_name"),
        )
        .join(numbers, numbers.c.race_id == Race.id)
        .join(Meet, Meet.id == Race.meet_id)
        .where(Race.meet_id == meet_id, chosen)
    )


def _heats_query(meet_id: int, chosen):
    return (
        select(Heat.id, Heat.race_id, Heat.number, Heat.start_at)
        .join(Race, Race.id == Heat.race_id)
        .where(Race.meet_id == meet_id, chosen)
    )


def _runners_query(meet_id: int, numbers, chosen):
    organization = func.coalesce(func.nullif(Organization.short_name, ""), Organization.name, "")
    return (
        select(
            HeatSlot.heat_id,
            HeatSlot.id,
            HeatSlot.position,
            HeatSlot.bib,
            Entry.declared_time,
            Athlete.last_name,
            Athlete.first_name,
            Athlete.last_name_kana,
            Athlete.first_name_kana,
            Athlete.last_name_en,
            Athlete.first_name_en,
            Athlete.jaaf_id,
            organization.label("organization"),
        )
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .join(Race, Race.id == Heat.race_id)
        .join(numbers, numbers.c.race_id == Race.id)
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .outerjoin(Organization, Organization.id == Athlete.organization_id)
        .where(Race.meet_id == meet_id, chosen)
        .order_by(numbers.c.number, Heat.number, HeatSlot.position)
    )


def race_numbers(meet_id: int):
    """Subquery (race_id, number): each race's event number in the timing files, by display
    order within the meet; results imported from FinishLynx are matched back through it."""
    return (
        select(
            Race.id.label("race_id"),
            func.row_number().over(order_by=(Race.display_order, Race.id)).label("number"),
        )
        .where(Race.meet_id == meet_id)
        .subquery()
    )


def _race_code(race) -> str:
    """The race's own rule (`Race.code`), applied to the selected columns."""
    return Race(gender=race.gender, distance=race.distance, is_ncg=race.is_ncg).code


def _heat_starts(races: dict, heats) -> dict[int, datetime | None]:
    """Start time of each heat, by heat id: the race's formula unless the heat overrides it."""
    heats_by_race: dict[int, list] = {}
    for heat in heats:
        heats_by_race.setdefault(heat.race_id, []).append(heat)
    starts = {}
    for race_id, race_heats in heats_by_race.items():
        race = races[race_id]
        overrides = {h.number: h.start_at for h in race_heats if h.start_at is not None}
        count = max(h.number for h in race_heats)
        times = race_timetable(
            count, race.first_start_at, race.heat_interval_minutes, overrides=overrides
        )
        starts.update((h.id, times[h.number - 1].start) for h in race_heats)
    return starts


def _row(runner, race, heat, codes: dict, starts: dict) -> StartListRow:
    return StartListRow(
        meet_name=race.meet_name,
        race_name=race.name,
        race_code=codes[race.id],
        race_number=race.number,
        distance=race.distance,
        heat_number=heat.number,
        position=runner.position,
        bib=runner.bib,
        last_name=runner.last_name,
        first_name=runner.first_name,
        last_name_kana=runner.last_name_kana,
        first_name_kana=runner.first_name_kana,
        last_name_romaji=runner.last_name_en,
        first_name_romaji=runner.first_name_en,
        organization=runner.organization,
        declared_time=runner.declared_time,
        jaaf_id=runner.jaaf_id,
        slot_id=runner.id,
        start_at=starts[heat.id],
    )


# --- readiness ------------------------------------------------------------------------------


def readiness_problems(meet_id: int, race_id: int | None = None) -> list[str]:
    """What stops the export, one Japanese sentence per race and problem; [] when ready."""
    counts = db.session.execute(_readiness_query(meet_id, race_id)).all()
    problems = []
    for race in counts:
        if race.heats == 0:
            if race_id or race.entries:
                problems.append(
                    f"{race.name}: 組がまだ編成されていません（確定エントリー{race.entries}名）。"
                )
            continue
        if race.unlocked:
            problems.append(
                f"{race.name}: 未確定の組が{race.unlocked}組あります（全{race.heats}組）。"
            )
        if race.missing_bibs:
            problems.append(f"{race.name}: ゼッケン未割り当ての選手が{race.missing_bibs}名います。")
    if not race_id and not any(race.heats for race in counts):
        problems.insert(0, "この大会にはまだ組がありません。")
    return problems


def _readiness_query(meet_id: int, race_id: int | None):
    def count(*conditions):
        return select(func.count()).where(*conditions).correlate(Race).scalar_subquery()

    in_race = Heat.race_id == Race.id
    query = (
        select(
            Race.name,
            count(Entry.race_id == Race.id, Entry.status == EntryStatus.CONFIRMED).label("entries"),
            count(in_race).label("heats"),
            count(in_race, Heat.locked.is_(False)).label("unlocked"),
            select(func.count(HeatSlot.id))
            .join(Heat, Heat.id == HeatSlot.heat_id)
            .where(in_race, HeatSlot.bib.is_(None))
            .correlate(Race)
            .scalar_subquery()
            .label("missing_bibs"),
        )
        .where(Race.meet_id == meet_id)
        .order_by(Race.display_order, Race.id)
    )
    return query.where(Race.id == race_id) if race_id else query.where(Race.is_active)


def _require_ready(meet_id: int, race_id: int | None) -> None:
    problems = readiness_problems(meet_id, race_id)
    if problems:
        raise ExportNotReady(
            "まだ出力できません。"
            + " ".join(problems)
            + " 番組編成で組の確定とゼッケンの採番を済ませてください。"
        )


# --- exports --------------------------------------------------------------------------------


def export_start_list(
    meet_id: int,
    *,
    by: User,
    race_id: int | None = None,
    encoding: CsvEncoding = CsvEncoding.UTF8_BOM,
) -> ExportFile:
    """The start-list CSV of one race or the whole meet; logged."""
    encoding = CsvEncoding(encoding)
    return logged_export(
        meet_id,
        race_id,
        by=by,
        kind="startlist_csv",
        parameters={"encoding": encoding.value},
        build=lambda meet, rows: start_list_csv(rows, encoding, hours=meet.hours_in_times),
        name=("startlist", "csv"),
        content_type=f"text/csv; charset={encoding.charset}",
    )


def export_lynx(
    meet_id: int,
    *,
    by: User,
    race_id: int | None = None,
    encoding: LynxEncoding = LynxEncoding.UNICODE,
    day: date | None = None,
) -> ExportFile:
    """`lynx.ppl`, `lynx.evt` and `lynx.sch` in one zip: one race, one meet day or the meet."""
    encoding = LynxEncoding(encoding)
    parameters = {"encoding": encoding.value} | ({"day": day.isoformat()} if day else {})
    return logged_export(
        meet_id,
        race_id,
        by=by,
        kind="lynx_zip",
        parameters=parameters,
        build=lambda _meet, rows: lynx_zip(rows, encoding),
        name=("lynx", "zip"),
        content_type="application/zip",
        day=day,
    )


def logged_export(
    meet_id: int,
    race_id: int | None,
    *,
    by: User,
    kind: str,
    parameters: dict,
    build: Callable[[Meet, list[StartListRow]], bytes],
    name: tuple[str, str],
    content_type: str,
    day: date | None = None,
    keep: Callable[[StartListRow], bool] | None = None,
) -> ExportFile:
    """Check readiness, build the file from the start-list rows, log it (who, what, size).

    `kind` names the export in the log (see ``EXPORT_KIND_LABELS``), `parameters` the options
    chosen, `name` the (prefix, extension) of the file name; `day` keeps only the heats that
    start on that day (Asia/Tokyo) of a meet held over several days, `keep` only the rows it
    accepts (one heat of the race).
    """
    meet, race = meet_and_race(meet_id, race_id)
    _require_ready(meet.id, race_id)
    rows = start_list_rows(meet.id, race_id)
    if day is not None:
        rows = _on_day(rows, meet, day)
    if keep is not None:
        rows = [row for row in rows if keep(row)]
    data = build(meet, rows)
    filename = export_filename(name[0], meet, race, name[1], day=day)
    log_export(by, kind, meet, race, parameters, filename, len(rows), data)
    return ExportFile(data, filename, content_type)


def _on_day(rows: list[StartListRow], meet: Meet, day: date) -> list[StartListRow]:
    if not meet.first_day <= day <= meet.last_day:
        raise ExportNotReady(f"{day:%Y/%m/%d} は大会の開催日ではありません。")
    kept = [row for row in rows if row.start_at and to_tokyo(row.start_at).date() == day]
    if not kept:
        raise ExportNotReady(
            f"{day:%Y/%m/%d} に行う組がありません（各種目の第1組のスタート時刻を確認してください）。"
        )
    return kept


def meet_days(meet: Meet) -> list[date]:
    """Every day of the meet, first to last."""
    count = (meet.last_day - meet.first_day).days + 1
    return [meet.first_day + timedelta(days=offset) for offset in range(count)]


def recent_exports(meet_id: int, limit: int = 50) -> list[ExportLog]:
    """The meet's latest exports, newest first, with who made them."""
    return list(
        db.session.scalars(
            select(ExportLog)
            .where(ExportLog.meet_id == meet_id)
            .order_by(ExportLog.at.desc(), ExportLog.id.desc())
            .limit(limit)
        )
    )


def meet_and_race(meet_id: int, race_id: int | None) -> tuple[Meet, Race | None]:
    meet = db.session.get(Meet, meet_id)
    if meet is None:
        raise NotFound("大会が見つかりません。")
    if race_id is None:
        return meet, None
    race = db.session.get(Race, race_id)
    if race is None or race.meet_id != meet.id:
        raise NotFound("この大会の種目ではありません。")
    return meet, race


def export_filename(
    prefix: str, meet: Meet, race: Race | None, extension: str, *, day: date | None = None
) -> str:
    """ "startlist_2026-05-16_男子5000m.csv": the day (the meet's first) and the race (or 全種目)."""
    day = day or meet.first_day
    return f"{prefix}_{day.isoformat()}_{race.name if race else WHOLE_MEET}.{extension}"


def log_export(by, kind, meet, race, parameters, filename, row_count: int, data) -> ExportLog:
    """One ExportLog row and an audit event (the file carries personal data)."""
    log = ExportLog(
        user_id=by.id,
        kind=kind,
        meet_id=meet.id,
        race_id=race.id if race else None,
        parameters=parameters,
        filename=filename,
        row_count=row_count,
        size_bytes=len(data),
    )
    db.session.add(log)
    audit.record(
        by,
        f"exports.{kind}",
        log,
        meet_id=meet.id,
        after={"filename": filename, "race_id": log.race_id, "rows": row_count, **parameters},
    )
    return log
