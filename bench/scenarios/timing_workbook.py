"""The timing-CSV profiles pages, the timing CSV of the men's 5000 m with the demo's NISHI
profile, and the all-data workbook of the demo meet.

The batch readies the programme as the exports batch does (see
:func:`bench.scenarios.exports.ready_demo_meet`) and rolls everything back at the end. The
workbook does not need the programme, but with it every sheet is full (heats and slots).
"""

from __future__ import annotations

from bench.harness import Page
from bench.scenarios.exports import REPEAT, median_ms, ready_demo_meet

WORKBOOK_REPEAT = 3  # a few seconds each

PAGES = [
    Page("timing-CSV profiles", "staff", "/admin/meets/{meet_id}/exports/timing-profiles"),
    Page("timing-CSV card", "staff", "/admin/meets/{meet_id}/exports/timing-card", htmx=True),
]


def batches(app) -> list[tuple[str, float]]:
    from nitsys.services import exports, timing_profiles, workbook

    with ready_demo_meet() as (meet, staff, race):
        profile = timing_profiles.profile_named(meet.id, "NISHI")
        runners = len(exports.start_list_rows(meet.id, race.id))
        timing_csv = median_ms(
            lambda: timing_profiles.export_timing_csv(
                meet.id, by=staff, profile_id=profile.id, race_id=race.id
            )
        )
        rows = workbook.build_workbook(meet)[1]
        workbook_ms = median_ms(
            lambda: workbook.export_workbook(meet.id, by=staff), repeat=WORKBOOK_REPEAT
        )
        return [
            (
                f"timing CSV {race.name}, NISHI profile, CP932 ({runners} runners), "
                f"median of {REPEAT}",
                timing_csv,
            ),
            (
                f"all-data workbook, whole meet ({rows} rows), median of {WORKBOOK_REPEAT}",
                workbook_ms,
            ),
        ]
