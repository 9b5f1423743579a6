"""The coach's entry pages on the demo meet (~2,600 entries), its HTMX partials, and batches:
a 40-row Excel import (preview, confirm) and the submission of that application."""

from __future__ import annotations

import time
from urllib.parse import quote

from bench.harness import Page

IMPORT_ROWS = 40

PAGES = [
    Page("meet page", "coach", "/my/meets/{meet_id}"),
    Page("coach dashboard (applications)", "coach", "/my/"),
    Page("entry form", "coach", "/my/meets/{meet_id}/entry"),
    Page("entry editor partial", "coach", "/my/meets/{meet_id}/entry", htmx=True),
    Page(
        "athlete search partial",
        "coach",
        "/my/meets/{meet_id}/athlete-options?race_id={race_ids[M5000]}&q=" + quote("ヤ"),
        htmx=True,
    ),
    Page("entry history", "coach", "/my/entries"),
]


def _timed(action):
    started = time.perf_counter()
    result = action()
    return result, (time.perf_counter() - started) * 1000


def _new_team(db, meet):
    from datetime import date

    from nitsys.models import Athlete, Gender, Organization, OrganizationType, User

    team = Organization(name="ベンチ申込大学", name_kana="ベンチモウシコミダイガク",
                        org_type=OrganizationType.UNIVERSITY, representative_name="申込 太郎",
                        representative_email="bench-entry@example.jp",
                        representative_phone="03-0000-0000")  # fmt: skip
    coach = User(email="bench-entry@example.jp", full_name="申込 太郎", organization=team,
                 password_hash="!")  # fmt: skip
    athletes = [
        Athlete(organization=team, last_name="申込", first_name=f"選手{n}",
                last_name_kana="モウシコミ", first_name_kana="センシュ", gender=Gender.MALE,
                birth_date=date(2004, 4, 2), jaaf_id=f"{90000000000 + n}")
        for n in range(IMPORT_ROWS)
    ]  # fmt: skip
    db.session.add_all([team, coach, *athletes])
    db.session.commit()
    return coach, athletes


def batches(app) -> list[tuple[str, float]]:
    from sqlalchemy import select

    from nitsys.extensions import db
    from nitsys.models import Meet, Race
    from nitsys.services import entries, entry_import

    meet = db.session.scalar(select(Meet).where(Meet.entry_open).order_by(Meet.id))
    race = db.session.scalar(
        select(Race).where(
            Race.meet_id == meet.id, Race.distance == 10000, Race.gender == "M", ~Race.is_ncg
        )
    )
    race.max_entries += IMPORT_ROWS  # room for the bench team in the full demo race
    coach, athletes = _new_team(db, meet)
    rows = [
        {"number": n + 2, "jaaf_id": athlete.jaaf_id, "race_code": race.code,
         "declared_time": f"30:{n % 60:02d}.00", "last_name": "", "first_name": ""}
        for n, athlete in enumerate(athletes)
    ]  # fmt: skip

    def preview():
        result = entry_import.apply_rows(coach, meet, rows)
        db.session.rollback()
        return result

    result, preview_ms = _timed(preview)
    assert not result.errors, result.errors[:3]

    def confirm():
        result = entry_import.apply_rows(coach, meet, rows)
        db.session.commit()
        return result

    _, confirm_ms = _timed(confirm)
    draft = entries.find_draft(coach, meet.id)

    def submit():
        application = entries.submit_application(draft.id, by=coach)
        db.session.commit()
        return application

    application, submit_ms = _timed(submit)
    assert application.entry_count == IMPORT_ROWS
    return [
        (f"import preview, {IMPORT_ROWS} rows", preview_ms),
        (f"import confirm, {IMPORT_ROWS} rows", confirm_ms),
        (f"submit application, {IMPORT_ROWS} entries", submit_ms),
    ]
