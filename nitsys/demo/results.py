"""Step: the past 324th meet as a meet that happened (SPEC §7).

About 420 runners in four of its general races, drawn like the upcoming meet's entries, in one
paid application per owner. The programme is built with the real services (heats, bibs, every
heat locked and published); then each heat gets the `.lif` file FinishLynx would have written
from our start list, and the files are imported race by race through the results service,
which also keeps the runners' personal bests. The call room checked everyone in at their heat's
call time, except the runners who did not start (DNS at the desk as in the results).

A finisher's time lies around their declared time (on average 1 % slower, some faster, some
much slower), timed to the thousandth as Lynx advises; about 3 % do not start, 1.5 % do not
finish, and one finisher of the meet is disqualified.
"""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import groupby
from operator import attrgetter

from nitsys.demo import entries, payments
from nitsys.demo.context import DemoContext
from nitsys.domain import lynx
from nitsys.domain.lynx import ResultStatus
from nitsys.domain.startlist import StartListRow
from nitsys.domain.timetable import call_time
from nitsys.extensions import db
from nitsys.formatting import to_tokyo
from nitsys.models import HeatSlot, Meet, User
from nitsys.services import checkin, exports, heats, results

PAST_FIELD = {"F3000": 60, "F5000": 40, "M10000": 80, "M5000": 240}  # runners per race
DNS_SHARE = 0.03
DNF_SHARE = 0.015
PACE_MEAN, PACE_SPREAD = 1.01, 0.025  # time ÷ declared time
PACE_LIMITS = (0.95, 1.2)
IMPORTED_AFTER = timedelta(minutes=5)  # after the heat's last finisher


def create_past_results(rng: random.Random, context: DemoContext) -> None:
    meet, official = context.past_meet, context.official
    races = {race.code: race for race in meet.races if race.code in PAST_FIELD}
    pairs = entries.pick_entrants(
        rng, races, entries.active_athletes(), lambda race: PAST_FIELD[race.code]
    )
    applications = entries.submit_applications(rng, context, meet, pairs, paid_share=1.0)
    with db.session.no_autoflush:  # the records hang on their application until added
        paid = [
            record
            for application in applications
            # Slips of a meet long paid for are not reviewed again: no time spent shrinking them.
            for record in payments.paid_records(application, rng, context, optimize=False)
        ]
    db.session.add_all(paid)
    db.session.flush()
    _build_programme(meet, official)
    _import_results(rng, meet, official)


def _build_programme(meet: Meet, official: User) -> None:
    heats.generate_meet_heats(meet.id, by=official)
    heats.assign_bibs(meet.id, by=official)
    for race in meet.races:
        race_heats = heats.race_heats(race.id)
        for heat in race_heats:
            heats.lock_heat(heat.id, by=official)
        if race_heats:
            heats.publish_race(race.id, by=official)


def _import_results(rng: random.Random, meet: Meet, official: User) -> None:
    """One `.lif` per heat, imported race by race as the results desk would after each race."""
    field = [
        list(rows) for _, rows in groupby(exports.start_list_rows(meet.id), attrgetter("heat_key"))
    ]
    runners = [row for rows in field for row in rows]
    outcomes = _outcomes(rng, runners)
    _call_room(runners, outcomes, meet, official)
    for _, race_heats in groupby(field, lambda rows: rows[0].race_number):
        race_heats = list(race_heats)
        files = [_lif_file(rows, outcomes) for rows in race_heats]
        summary = results.import_result_files(meet.id, files, by=official)
        for record, rows in zip(summary.imports, race_heats, strict=True):
            if rows[0].start_at:
                record.at = _imported_at(rows, outcomes)


def _call_room(
    runners: list[StartListRow], outcomes: dict[int, tuple], meet: Meet, official: User
) -> None:
    """The call room as it went, through the check-in service: who did not start is marked
    DNS, everyone else checked in at their heat's call time."""
    for row in runners:
        if outcomes[row.slot_id][0] is ResultStatus.DNS:
            checkin.set_dns(row.slot_id, True, by=official)
            continue
        checkin.set_checked_in(row.slot_id, True, by=official)
        if row.start_at:
            slot = db.session.get(HeatSlot, row.slot_id)  # in the session since the check-in
            slot.checked_in_at = call_time(row.start_at, meet.call_offset_minutes)


def _outcomes(rng: random.Random, rows: list[StartListRow]) -> dict[int, tuple]:
    """(status, time in thousandths) by slot id; one finisher of the meet is disqualified."""
    outcomes = {}
    for row in rows:
        draw = rng.random()
        if draw < DNS_SHARE:
            outcomes[row.slot_id] = (ResultStatus.DNS, None)
        elif draw < DNS_SHARE + DNF_SHARE:
            outcomes[row.slot_id] = (ResultStatus.DNF, None)
        else:
            pace = min(max(rng.gauss(PACE_MEAN, PACE_SPREAD), PACE_LIMITS[0]), PACE_LIMITS[1])
            outcomes[row.slot_id] = (ResultStatus.FINISHED, int(row.declared_time * 10 * pace))
    finishers = [row.slot_id for row in rows if outcomes[row.slot_id][0] is ResultStatus.FINISHED]
    disqualified = rng.choice(finishers)
    outcomes[disqualified] = (ResultStatus.DQ, outcomes[disqualified][1])
    return outcomes


def _lif_file(rows: list[StartListRow], outcomes: dict[int, tuple]) -> tuple[str, bytes]:
    """The heat's `.lif`, named event-round-heat: finishers by time, then DNF, DQ and DNS."""
    first = rows[0]
    start = to_tokyo(first.start_at).time() if first.start_at else None
    header = lynx.lif_header(*first.heat_key, first.race_name, first.distance, start=start)
    order = {ResultStatus.FINISHED: 0, ResultStatus.DNF: 1, ResultStatus.DQ: 2, ResultStatus.DNS: 3}
    ranked = sorted(
        rows, key=lambda row: (order[outcomes[row.slot_id][0]], outcomes[row.slot_id][1] or 0)
    )
    lines = []
    for place, row in enumerate(ranked, start=1):
        status, thousandths = outcomes[row.slot_id]
        shown = place if status is ResultStatus.FINISHED else status.code
        time_text = _lynx_time(thousandths) if thousandths else ""  # a DQ keeps its time
        lines.append(
            lynx.lif_line(
                shown, row.bib, row.position, row.last_name, row.first_name, row.organization,
                time_text, license=row.jaaf_id, slot_id=row.slot_id,
            )
        )  # fmt: skip
    return f"{'-'.join(map(str, first.heat_key))}.lif", lynx.lif_bytes(header, lines)


def _lynx_time(thousandths: int) -> str:
    """A time as Lynx writes it at thousandths: "14:20.421", "1:02:03.456"."""
    seconds, fraction = divmod(thousandths, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}.{fraction:03d}"
    return f"{minutes}:{seconds:02d}.{fraction:03d}"


def _imported_at(rows: list[StartListRow], outcomes: dict[int, tuple]):
    """A few minutes after the heat's last runner crossed the line."""
    slowest = max((outcomes[row.slot_id][1] or 0 for row in rows), default=0)
    return rows[0].start_at + timedelta(milliseconds=slowest) + IMPORTED_AFTER
