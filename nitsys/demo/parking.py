"""Demo parking on the 325th meet: two lots, ~60 team requests, and a planner's sheet to import.

The sheet (`nitsys/demo/files/parking_allocation_325.csv`, CP932 as Excel saves it) is what a
planner sends back: every requesting team with a lot, a permit number and vehicle counts, and
the names typed as people type them — 大学 shortened to 大, full-width letters, half-width
katakana, spaces, a missing short name, only the short name, one typo (a fuzzy match the
planner must confirm) and one name that fits two teams (ambiguous). `allocation_sheet()`
rebuilds it from the seeded data; a test checks the committed file is still what it builds.

This step draws from its own `random.Random` (from the seed), not the shared one, so steps
added before it at merge time cannot change the teams the committed sheet names.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import insert, select

from nitsys.demo.context import DemoContext
from nitsys.domain.team_match import MatchKind, Team, TeamIndex
from nitsys.extensions import db
from nitsys.models import Meet, Organization, OrganizationType
from nitsys.models.parking import ParkingLot, ParkingRequest, ParkingSettings, ParkingStatus
from nitsys.reports.csv_files import CsvEncoding, write_csv

SHEET_PATH = Path(__file__).parent / "files" / "parking_allocation_325.csv"
REQUEST_COUNT = 60
VENUE_MAP = "https://www.google.com/maps/search/?api=1&query=" + quote(
    "日本体育大学 健志台キャンパス"
)
LOTS = (
    # name, address, capacity (large bus, medium bus, car)
    ("A駐車場（正門横）", "横浜市青葉区鴨志田町1221-1 正門横", (30, 20, 80)),
    ("第2グラウンド横", "横浜市青葉区鴨志田町1221-1 第2グラウンド北側", (15, 15, 60)),
)
RULES = (
    "構内は徐行（時速10km以下）してください。\n"
    "大型バスは正門から入場し、誘導員の指示に従ってください。\n"
    "エンジンをかけたままの待機（アイドリング）はご遠慮ください。\n"
    "駐車場内での事故・盗難について主催者は責任を負いません。"
)
SHEET_HEADER = [
    "団体ID",
    "団体名",
    "略称",
    "駐車場",
    "許可証番号",
    "大型バス",
    "マイクロ・中型バス",
    "乗用車",
]


def create_parking(_rng: random.Random, context: DemoContext) -> None:
    rng = random.Random(f"parking-{context.seed}")
    meet = context.meet
    db.session.add(
        ParkingSettings(
            meet_id=meet.id,
            enabled=True,
            entry_time=time(6, 30),
            exit_time=time(19, 0),
            rules=RULES,
        )
    )
    lots = [
        ParkingLot(
            meet_id=meet.id,
            name=name,
            address=address,
            map_url=VENUE_MAP,
            capacity_large_bus=large,
            capacity_medium_bus=medium,
            capacity_car=car,
        )
        for name, address, (large, medium, car) in LOTS
    ]
    db.session.add_all(lots)
    teams = [
        organization
        for organization in context.organizations
        if organization.org_type is not OrganizationType.CLUB
    ]
    first_team = context.coaches[0].organization_id
    chosen = [team for team in teams if team.id == first_team]
    chosen += rng.sample([team for team in teams if team.id != first_team], REQUEST_COUNT - 1)
    rows = []
    for organization in chosen:
        large, medium = rng.choice((0, 0, 1, 1, 2)), rng.choice((0, 0, 0, 1))
        car = rng.choice((0, 1, 2, 3)) or (0 if large or medium else 1)
        rows.append(
            {
                "meet_id": meet.id,
                "organization_id": organization.id,
                "status": ParkingStatus.REQUESTED,
                "large_bus": large,
                "medium_bus": medium,
                "car": car,
                "arrival_time": time(6 + rng.randint(1, 2), rng.choice((0, 15, 30, 45))),
                "departure_time": time(16 + rng.randint(0, 2), rng.choice((0, 30))),
                "driver_phone": f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                "note": rng.choice(("", "", "", "マイクロバスは28人乗りです。", "選手の送迎のみ")),
                "updated_by_id": None,
            }
        )
    db.session.execute(insert(ParkingRequest), rows)
    db.session.flush()
    # coach001's team is already allocated (its row in the sheet then imports as 変更なし).
    first = _sheet_lines(meet)[0]
    request = db.session.scalar(
        select(ParkingRequest).where(
            ParkingRequest.meet_id == meet.id, ParkingRequest.organization_id == first_team
        )
    )
    request.status, request.lot_id, request.permit_number = (
        ParkingStatus.ASSIGNED,
        lots[0].id,
        first[4],
    )
    request.assigned_large_bus, request.assigned_medium_bus, request.assigned_car = first[5:8]
    request.allocation_version, request.assigned_at = 1, context.now


def _sheet_lines(meet: Meet) -> list[list]:
    """The planner's allocation, one line per request, permit numbers in request order."""
    requests = db.session.scalars(
        select(ParkingRequest).where(ParkingRequest.meet_id == meet.id).order_by(ParkingRequest.id)
    ).all()
    lots = db.session.scalars(
        select(ParkingLot).where(ParkingLot.meet_id == meet.id).order_by(ParkingLot.id)
    ).all()
    room = {
        lot.id: [lot.capacity_large_bus, lot.capacity_medium_bus, lot.capacity_car] for lot in lots
    }
    lines = []
    for number, request in enumerate(requests, start=1):
        wanted = [request.large_bus, request.medium_bus, request.car]
        lot = next(
            (lot for lot in lots if all(w <= r for w, r in zip(wanted, room[lot.id], strict=True))),
            lots[-1],
        )
        room[lot.id] = [r - w for r, w in zip(room[lot.id], wanted, strict=True)]
        organization = db.session.get(Organization, request.organization_id)
        lines.append(
            [
                organization.id,
                organization.name,
                organization.short_name,
                lot.name,
                f"P{number:03d}",
                *wanted,
            ]
        )
    return lines


def _half_width_table() -> dict[str, str]:
    table = {}
    for code in range(0xFF66, 0xFF9E):
        half = chr(code)
        table[unicodedata.normalize("NFKC", half)] = half
        for mark in "\uff9e\uff9f":  # ﾞ ﾟ
            full = unicodedata.normalize("NFKC", half + mark)
            if len(full) == 1:
                table[full] = half + mark
    return table


_HALF_WIDTH = _half_width_table()


def _half_width_kana(text: str) -> str:
    """Full-width katakana as half-width (ｶﾀｶﾅ), as old systems export it."""
    return "".join(_HALF_WIDTH.get(char, char) for char in text)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def allocation_sheet(meet: Meet) -> bytes:
    """The demo sheet (CP932) with the real-world mess described in the module docstring."""
    lines = _sheet_lines(meet)
    organizations = db.session.execute(
        select(Organization.id, Organization.name, Organization.short_name).where(
            Organization.is_active
        )
    ).all()
    index = TeamIndex([Team(*row) for row in organizations])
    rows = [SHEET_HEADER]
    ambiguous_done = fuzzy_done = False
    for number, (team_id, name, short, lot, permit, large, medium, car) in enumerate(lines):
        id_cell, name_cell, short_cell = "", name, short
        if number % 3 == 0:
            # planners who kept the exported id column, some typed with a full-width IME
            id_cell = _full_width(str(team_id)) if number % 6 == 0 else team_id
        elif number % 7 == 1:
            name_cell = name.replace("大学", "大")  # 大学 vs 大
        elif number % 7 == 2:
            short_cell = ""  # a missing short name
        elif number % 7 == 3:
            name_cell = ""  # only the short name
        elif number % 7 == 4:
            name_cell = _half_width_kana(name.replace("高等学校", "高校"))
        elif number % 7 == 5:
            name_cell = name[:2] + "\u3000" + name[2:]  # a full-width space
            short_cell = _full_width(short)
        elif not fuzzy_done and len(name) > 4:
            typo = name[:2] + name[3:]  # one character dropped
            if index.match("", typo, "").kind is MatchKind.FUZZY:
                name_cell, short_cell, fuzzy_done = typo, "", True
        if not ambiguous_done and number > 20 and not id_cell:
            city = name[:2]
            if index.match("", city, "").kind is MatchKind.AMBIGUOUS:
                name_cell, short_cell, ambiguous_done = city, "", True
        rows.append([id_cell, name_cell, short_cell, lot, permit, large, medium, car])
    return write_csv(rows, CsvEncoding.CP932)


def write_sheet(meet: Meet, path: Path = SHEET_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(allocation_sheet(meet))
    return path


def planned_team_ids(meet: Meet) -> list[int]:
    """The team each line of the sheet means, in line order (what the planner should pick)."""
    return [line[0] for line in _sheet_lines(meet)]
