"""Results (SPEC §7): FinishLynx `.lif` files imported per heat, result lists, personal bests.

A `.lif` file names its heat by (event, round, heat) as we wrote them into `lynx.evt`: event =
the race's number in the meet (:func:`exports.race_numbers`), round 1, heat = its number. Each
line is matched to a slot of *that* heat — by our slot id (User 1) when it is one of the heat's
slots, else by bib within the heat; a line that fits no slot of the heat refuses the whole
upload. A file is the whole result of its heat: slots it leaves out end with no result.

Import is all-or-nothing and idempotent: the preview and the import run the same checks, and
only results that differ are written, so importing the same file again changes no row (a new
:class:`ResultImport` still records who imported what, with ``changed_count`` 0).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.lynx import LifFile, LifFormatError, LifResult, ResultStatus, read_lif
from nitsys.domain.result_files import ResultFile, unpack_upload
from nitsys.domain.times import format_time
from nitsys.extensions import db
from nitsys.formatting import to_tokyo
from nitsys.models import (
    Application,
    Athlete,
    Entry,
    Heat,
    HeatResult,
    HeatSlot,
    Meet,
    Organization,
    PersonalBest,
    Race,
    ResultImport,
    User,
)
from nitsys.models.accounts import team_label
from nitsys.reports.csv_files import CsvEncoding, listing, write_csv
from nitsys.services import audit, exports

ROUND = 1  # every race is run as one round of timed heats
Outcome = tuple[ResultStatus, int | None, int | None]  # status, place, time


class ResultImportRefused(RuleViolation):
    """The upload has problems; nothing was imported."""


class ResultImportConflict(RuleViolation):
    """Someone else imported the same heat at the same moment; trying again is safe."""


# --- preview --------------------------------------------------------------------------------


@dataclass
class HeatPreview:
    """What importing one file would do to its heat."""

    file: ResultFile
    lif: LifFile | None = None
    heat: Heat | None = None
    race: Race | None = None
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # slots the file leaves without a result
    outcomes: dict[int, tuple[LifResult, Outcome]] = field(default_factory=dict)  # by slot id
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    existing: dict[int, HeatResult] = field(default_factory=dict)  # by slot id
    removed: list[HeatResult] = field(default_factory=list)
    unplaced: list[LifResult] = field(default_factory=list)  # lines fitting no slot of the heat

    @property
    def label(self) -> str:
        return f"{self.race.name} 第{self.heat.number}組" if self.heat else self.file.filename

    @property
    def changed_count(self) -> int:
        return self.new + self.changed + len(self.removed)


@dataclass
class ResultPreview:
    heats: list[HeatPreview]

    @property
    def problems(self) -> list[str]:
        return [
            f"{heat.file.filename}: {problem}" for heat in self.heats for problem in heat.problems
        ]

    @property
    def blocking(self) -> bool:
        return any(heat.problems for heat in self.heats)

    @property
    def changed_count(self) -> int:
        return sum(heat.changed_count for heat in self.heats)


@dataclass
class _Slot:
    id: int
    heat_id: int
    bib: int | None
    athlete_id: int
    name: str

    def describe(self) -> str:
        return f"ゼッケン{self.bib} {self.name}" if self.bib else self.name


def preview_result_files(meet_id: int, files: list[tuple[str, bytes]]) -> ResultPreview:
    """What importing these files would change, heat by heat, with every problem; writes nothing."""
    return _preview(meet_id, files, lock=False)


def _preview(meet_id: int, files: list[tuple[str, bytes]], *, lock: bool) -> ResultPreview:
    unpacked = unpack_upload(files)
    meet = db.session.get(Meet, meet_id)
    if meet is None:
        raise NotFound("大会が見つかりません。")
    previews = [_read(file) for file in unpacked]
    _find_heats(meet.id, previews)
    heat_ids = [p.heat.id for p in previews if p.heat and not p.problems]
    if lock and heat_ids:
        # Two desks importing the same heat: the second waits here, then sees the first's rows.
        db.session.execute(
            select(Heat.id).where(Heat.id.in_(heat_ids)).order_by(Heat.id).with_for_update()
        ).all()
    slots = _slots(heat_ids)
    results = _results(heat_ids)
    for preview in previews:
        if preview.heat and not preview.problems:
            _match(preview, slots[preview.heat.id], results)
    _explain_unplaced(meet.id, previews)
    return ResultPreview(previews)


def _read(file: ResultFile) -> HeatPreview:
    preview = HeatPreview(file)
    try:
        preview.lif = read_lif(file.data)
    except LifFormatError as error:
        preview.problems.append(error.message)
        return preview
    if not preview.lif.results:
        preview.problems.append("結果の行がありません。")
    return preview


def _find_heats(meet_id: int, previews: list[HeatPreview]) -> None:
    numbers = exports.race_numbers(meet_id)
    heats = {
        (row.number, row.Heat.number): row
        for row in db.session.execute(
            select(Heat, Race, numbers.c.number)
            .join(Race, Race.id == Heat.race_id)
            .join(numbers, numbers.c.race_id == Race.id)
        )
    }
    files_of_heat: dict[int, list[str]] = defaultdict(list)
    for preview in previews:
        if preview.lif is None:
            continue
        header = preview.lif.header
        found = heats.get((header.event_number, header.heat_number))
        if found is None or header.round_number != ROUND:
            preview.problems.append(
                f"種目番号{header.event_number}・ラウンド{header.round_number}・"
                f"第{header.heat_number}組はこの大会にありません"
                "（この大会の FinishLynx ファイルから計時した結果か確認してください）。"
            )
            continue
        preview.heat, preview.race = found.Heat, found.Race
        if not preview.heat.locked:
            preview.problems.append(f"{preview.label}はまだ確定していない組です。")
        files_of_heat[preview.heat.id].append(preview.file.filename)
    for preview in previews:
        names = files_of_heat.get(preview.heat.id, []) if preview.heat else []
        if len(names) > 1:
            preview.problems.append(
                f"{preview.label}のファイルが複数あります（{'、'.join(names)}）。1組1ファイルにしてください。"
            )


def _slots(heat_ids: list[int]) -> dict[int, list[_Slot]]:
    rows = db.session.execute(
        select(
            HeatSlot.id,
            HeatSlot.heat_id,
            HeatSlot.bib,
            Entry.athlete_id,
            Athlete.last_name,
            Athlete.first_name,
        )
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .where(HeatSlot.heat_id.in_(heat_ids))
        .order_by(HeatSlot.position)
    )
    slots = defaultdict(list)
    for row in rows:
        slots[row.heat_id].append(
            _Slot(row.id, row.heat_id, row.bib, row.athlete_id, f"{row.last_name} {row.first_name}")
        )
    return slots


def _results(heat_ids: list[int]) -> dict[int, HeatResult]:
    return {
        result.slot_id: result
        for result in db.session.scalars(select(HeatResult).where(HeatResult.heat_id.in_(heat_ids)))
    }


def _match(preview: HeatPreview, slots: list[_Slot], results: dict[int, HeatResult]) -> None:
    by_id = {slot.id: slot for slot in slots}
    by_bib = {slot.bib: slot for slot in slots if slot.bib is not None}
    preview.existing = {slot.id: results[slot.id] for slot in slots if slot.id in results}
    for line in preview.lif.results:
        slot = by_id.get(line.slot_id) or by_bib.get(line.bib)
        if slot is None:
            preview.unplaced.append(line)
        elif line.status is ResultStatus.FINISHED and not (line.place and line.time):
            preview.problems.append(f"{line.line}行目: 順位・記録に0は使えません。")
        elif slot.id in preview.outcomes:
            first = preview.outcomes[slot.id][0]
            preview.problems.append(
                f"{line.line}行目: {slot.describe()}の結果が{first.line}行目と2回書かれています。"
            )
        else:
            preview.outcomes[slot.id] = (line, (line.status, line.place, line.time))
            _count(preview, preview.existing.get(slot.id), preview.outcomes[slot.id][1])
    for slot in slots:
        if slot.id not in preview.outcomes:
            previous = preview.existing.get(slot.id)
            preview.missing.append(
                slot.describe() + ("（前回の結果を取り消します）" if previous else "")
            )
            if previous:
                preview.removed.append(previous)


def _count(preview: HeatPreview, existing: HeatResult | None, outcome: Outcome) -> None:
    if existing is None:
        preview.new += 1
    elif _outcome(existing) != outcome:
        preview.changed += 1
    else:
        preview.unchanged += 1


def _outcome(result: HeatResult) -> Outcome:
    return result.status, result.place, result.time


def _explain_unplaced(meet_id: int, previews: list[HeatPreview]) -> None:
    """A line for a runner of another heat says which heat, so the wrong file is found fast."""
    bibs = {line.bib for p in previews for line in p.unplaced if line.bib is not None}
    elsewhere = {
        row.bib: f"{row.name} 第{row.number}組"
        for row in db.session.execute(
            select(HeatSlot.bib, Race.name, Heat.number)
            .join(Heat, Heat.id == HeatSlot.heat_id)
            .join(Race, Race.id == Heat.race_id)
            .where(HeatSlot.meet_id == meet_id, HeatSlot.bib.in_(bibs))
        )
    }
    for preview in previews:
        for line in preview.unplaced:
            who = f"ゼッケン{line.bib}" if line.bib is not None else "ゼッケンのない選手"
            name = f"（{line.last_name} {line.first_name}）".replace("（ ）", "")
            where = f"{elsewhere[line.bib]}の選手です。" if line.bib in elsewhere else ""
            preview.problems.append(f"{line.line}行目: {who}{name}はこの組にいません。{where}")


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    heats: list[HeatPreview]
    imports: list[ResultImport]

    @property
    def result_count(self) -> int:
        return sum(len(heat.outcomes) for heat in self.heats)

    @property
    def changed_count(self) -> int:
        return sum(heat.changed_count for heat in self.heats)

    @property
    def message(self) -> str:
        if not self.changed_count:
            return f"{len(self.heats)}組の結果を確認しました（変更なし）。"
        return (
            f"{len(self.heats)}組・{self.result_count}名の結果を取り込みました"
            f"（変更{self.changed_count}件）。"
        )


def import_result_files(meet_id: int, files: list[tuple[str, bytes]], *, by: User) -> ImportSummary:
    """Write the results of every file, or nothing when any file has a problem."""
    preview = _preview(meet_id, files, lock=True)
    if preview.blocking:
        raise ResultImportRefused(
            f"取り込めません（何も取り込んでいません）: {listing(preview.problems)}"
        )
    try:
        imports = [_import_heat(heat, by) for heat in preview.heats]
        _refresh_personal_bests(_touched_athletes(preview.heats))
        db.session.flush()
    except IntegrityError as error:
        # Rows another desk wrote meanwhile: the heat lock prevents it where rows can be locked.
        raise ResultImportConflict(
            "同じ組の結果が同時に取り込まれました。画面を読み込み直して、もう一度取り込んでください。"
        ) from error
    return ImportSummary(preview.heats, imports)


def _import_heat(preview: HeatPreview, by: User) -> ResultImport:
    record = ResultImport(
        user_id=by.id,
        meet_id=preview.race.meet_id,
        heat_id=preview.heat.id,
        filename=preview.file.filename,
        sha256=preview.file.sha256,
        wind=preview.lif.header.wind[:20],
        result_count=len(preview.outcomes),
        changed_count=preview.changed_count,
    )
    db.session.add(record)
    db.session.flush()
    for slot_id, (_line, outcome) in preview.outcomes.items():
        result = preview.existing.get(slot_id)
        if result is None:
            result = HeatResult(slot_id=slot_id, heat_id=preview.heat.id)
            db.session.add(result)
        elif _outcome(result) == outcome:
            continue
        result.status, result.place, result.time = outcome
        result.import_id = record.id
    for result in preview.removed:
        db.session.delete(result)
    audit.record(
        by,
        "results.import",
        record,
        meet_id=record.meet_id,
        after={
            "heat": preview.label,
            "filename": record.filename,
            "sha256": record.sha256,
            "results": record.result_count,
            "new": preview.new,
            "changed": preview.changed,
            "removed": len(preview.removed),
            "unchanged": preview.unchanged,
        },
    )
    return record


def _touched_athletes(previews: list[HeatPreview]) -> set[int]:
    slot_ids = [
        slot_id
        for preview in previews
        if preview.changed_count
        for slot_id in [*preview.outcomes, *(result.slot_id for result in preview.removed)]
    ]
    return set(
        db.session.scalars(
            select(Entry.athlete_id)
            .join(HeatSlot, HeatSlot.entry_id == Entry.id)
            .where(HeatSlot.id.in_(slot_ids))
        )
    )


# --- personal bests -------------------------------------------------------------------------


def _refresh_personal_bests(athlete_ids: set[int]) -> None:
    """Each athlete's best finished time per distance among all results held; rows that would
    not change are left untouched, and a distance with no finish left loses its row."""
    if not athlete_ids:
        return
    best: dict[tuple[int, int], tuple] = {}
    for row in db.session.execute(_finishes(athlete_ids)):
        key = (row.athlete_id, row.distance)
        candidate = (row.time, _race_day(row.first_start_at, row.first_day), row.id)
        best[key] = min(best.get(key, candidate), candidate)
    held = db.session.scalars(
        select(PersonalBest).where(PersonalBest.athlete_id.in_(athlete_ids))
    ).all()
    for record in held:
        found = best.pop((record.athlete_id, record.distance), None)
        if found is None:
            db.session.delete(record)
        elif (record.time, record.achieved_on, record.result_id) != found:
            record.time, record.achieved_on, record.result_id = found
    db.session.add_all(
        PersonalBest(athlete_id=athlete_id, distance=distance, time=time, achieved_on=day,
                     result_id=result_id)
        for (athlete_id, distance), (time, day, result_id) in best.items()
    )  # fmt: skip


def _finishes(athlete_ids: set[int]):
    return (
        select(
            HeatResult.id,
            HeatResult.time,
            Entry.athlete_id,
            Race.distance,
            Race.first_start_at,
            Meet.first_day,
        )
        .join(HeatSlot, HeatSlot.id == HeatResult.slot_id)
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Heat, Heat.id == HeatResult.heat_id)
        .join(Race, Race.id == Heat.race_id)
        .join(Meet, Meet.id == Race.meet_id)
        .where(Entry.athlete_id.in_(athlete_ids), HeatResult.status == ResultStatus.FINISHED)
    )


def _race_day(first_start_at, first_day):
    return to_tokyo(first_start_at).date() if first_start_at else first_day


# --- result lists ---------------------------------------------------------------------------

_STATUS_ORDER = {
    ResultStatus.FINISHED: 0,
    ResultStatus.DNF: 1,
    ResultStatus.DQ: 2,
    ResultStatus.DNS: 3,
    None: 4,
}


@dataclass(frozen=True)
class ResultLine:
    """One runner of a heat and their result; no birth date or JAAF ID goes in here."""

    heat_id: int
    heat_number: int
    position: int
    bib: int | None
    name: str
    kana: str
    organization: str
    status: ResultStatus | None
    place: int | None
    time: int | None
    rank: int | None = None  # overall, across the race's heats
    name_en: str = ""  # romaji, shown on the English pages where present

    @property
    def code(self) -> str:
        return self.status.code if self.status else ""


@dataclass
class HeatResults:
    heat_id: int
    number: int
    lines: list[ResultLine]

    @property
    def has_results(self) -> bool:
        return any(line.status for line in self.lines)


@dataclass
class RaceResults:
    race: Race
    heats: list[HeatResults]

    @property
    def ranking(self) -> list[ResultLine]:
        """Finishers of all heats by time; equal times share a rank (the meet ranks heats
        of a race together)."""
        finishers = sorted(
            (line for heat in self.heats for line in heat.lines if line.time is not None
             and line.status is ResultStatus.FINISHED),
            key=lambda line: (line.time, line.heat_number, line.place),
        )  # fmt: skip
        ranked, previous = [], None
        for index, line in enumerate(finishers, start=1):
            rank = previous.rank if previous and previous.time == line.time else index
            previous = replace(line, rank=rank)
            ranked.append(previous)
        return ranked


def heat_results(heat_id: int) -> list[ResultLine]:
    """The heat's runners: finishers by place, then DNF, DQ, DNS, then those without a result."""
    return _ordered(db.session.execute(_lines_query().where(Heat.id == heat_id)))


def race_results(race: Race, *, imported_only: bool = False) -> RaceResults:
    """Every heat of the race with its result lines (`imported_only`: heats with results)."""
    lines = _ordered(db.session.execute(_lines_query().where(Heat.race_id == race.id)))
    heats: dict[int, HeatResults] = {}
    for line in sorted(lines, key=lambda line: line.heat_number):
        heats.setdefault(
            line.heat_id, HeatResults(line.heat_id, line.heat_number, [])
        ).lines.append(line)
    shown = [heat for heat in heats.values() if heat.has_results or not imported_only]
    return RaceResults(race, shown)


def _lines_query():
    return (
        select(
            Heat.id.label("heat_id"),
            Heat.number.label("heat_number"),
            HeatSlot.position,
            HeatSlot.bib,
            Athlete.last_name,
            Athlete.first_name,
            Athlete.last_name_kana,
            Athlete.first_name_kana,
            Athlete.last_name_en,
            Athlete.first_name_en,
            team_label().label("organization"),
            HeatResult.status,
            HeatResult.place,
            HeatResult.time,
        )
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .outerjoin(Organization, Organization.id == Athlete.organization_id)
        .outerjoin(HeatResult, HeatResult.slot_id == HeatSlot.id)
    )


def _ordered(rows) -> list[ResultLine]:
    lines = [
        ResultLine(
            heat_id=row.heat_id,
            heat_number=row.heat_number,
            position=row.position,
            bib=row.bib,
            name=f"{row.last_name} {row.first_name}",
            kana=f"{row.last_name_kana} {row.first_name_kana}",
            organization=row.organization,
            status=row.status,
            place=row.place,
            time=row.time,
            name_en=f"{row.last_name_en} {row.first_name_en}".strip(),
        )
        for row in rows
    ]
    return sorted(lines, key=_result_order)


def _result_order(line: ResultLine):
    return _STATUS_ORDER[line.status], line.place or 0, line.position


@dataclass(frozen=True)
class RaceSummary:
    race_id: int
    name: str
    heats: int
    imported_heats: int
    results: int


def race_summaries(meet_id: int, *, imported_only: bool = False) -> list[RaceSummary]:
    """Per active race: heats, heats with results, results held — one grouped query."""
    rows = db.session.execute(
        select(
            Race.id,
            Race.name,
            func.count(func.distinct(Heat.id)),
            func.count(func.distinct(HeatResult.heat_id)),
            func.count(HeatResult.id),
        )
        .join(Heat, Heat.race_id == Race.id)
        .outerjoin(HeatResult, HeatResult.heat_id == Heat.id)
        .where(Race.meet_id == meet_id, Race.is_active)
        .group_by(Race.id, Race.name, Race.display_order)
        .order_by(Race.display_order, Race.id)
    )
    summaries = [RaceSummary(*row) for row in rows]
    return [s for s in summaries if s.imported_heats or not imported_only]


def recent_imports(meet_id: int, limit: int = 30) -> list[ResultImport]:
    return list(
        db.session.scalars(
            select(ResultImport)
            .options(
                selectinload(ResultImport.user),
                selectinload(ResultImport.heat).selectinload(Heat.race),
            )
            .where(ResultImport.meet_id == meet_id)
            .order_by(ResultImport.at.desc(), ResultImport.id.desc())
            .limit(limit)
        )
    )


# --- results CSV ----------------------------------------------------------------------------

CSV_HEADER = ("種目", "組", "順位", "ゼッケン", "氏名", "フリガナ", "所属", "記録", "状態")


def results_rows(meet_id: int, race_id: int | None = None) -> list[tuple]:
    """The results CSV: a header, then every result held, by race, heat and place."""
    meet, race = exports.meet_and_race(meet_id, race_id)
    races = (
        [race]
        if race
        else db.session.scalars(
            select(Race).where(Race.meet_id == meet.id).order_by(Race.display_order, Race.id)
        )
    )
    rows = [CSV_HEADER]
    for each in races:
        for heat in race_results(each, imported_only=True).heats:
            rows.extend(
                (each.name, heat.number, line.place, line.bib, line.name, line.kana,
                 line.organization, format_time(line.time, hours=meet.hours_in_times), line.code)
                for line in heat.lines
                if line.status
            )  # fmt: skip
    return rows


def export_results_csv(
    meet_id: int,
    *,
    by: User,
    race_id: int | None = None,
    encoding: CsvEncoding = CsvEncoding.UTF8_BOM,
) -> exports.ExportFile:
    """The results CSV of one race or the whole meet; logged. Refused while no result is held."""
    encoding = CsvEncoding(encoding)
    meet, race = exports.meet_and_race(meet_id, race_id)
    rows = results_rows(meet.id, race_id)
    if len(rows) == 1:
        raise exports.ExportNotReady(
            f"{race.name if race else 'この大会'}の結果はまだ取り込まれていません。"
        )
    data = write_csv(rows, encoding)
    filename = exports.export_filename("results", meet, race, "csv")
    parameters = {"encoding": encoding.value}
    exports.log_export(by, "results_csv", meet, race, parameters, filename, len(rows) - 1, data)
    return exports.ExportFile(data, filename, f"text/csv; charset={encoding.charset}")


def results_of_entries(entry_ids) -> dict[int, HeatResult]:
    """Each entry's imported result (place, time, status), by entry id — one query (a team's
    history and team sheet of a meet that is over)."""
    ids = list(entry_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(HeatSlot.entry_id, HeatResult)
        .join(HeatResult, HeatResult.slot_id == HeatSlot.id)
        .where(HeatSlot.entry_id.in_(ids))
    ).all()
    return dict(rows)


def results_by_slot_place(meet_id: int, owner) -> dict[tuple[int, int, int], HeatResult]:
    """The owner's imported results in a meet, by (race id, heat number, position) — how a
    team sheet row names its runner. One query."""
    rows = db.session.execute(
        select(Heat.race_id, Heat.number, HeatSlot.position, HeatResult)
        .join(HeatSlot, HeatSlot.id == HeatResult.slot_id)
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Application, Application.id == Entry.application_id)
        .where(HeatSlot.meet_id == meet_id, Application.owned_by(owner))
    ).all()
    return {(race_id, number, position): result for race_id, number, position, result in rows}
