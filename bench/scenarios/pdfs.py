"""The meet office's PDFs on the demo meet, timed in-process through the services.

The emergency all-data PDF of the whole meet (target < 600 ms), the men's 5000 m programme
(target < 150 ms) and the roll call of one heat; each is the service call (query, PDF, log
row), median of REPEAT. The programme is readied as for the exports batch (see
:func:`bench.scenarios.exports._ready_programme`) and everything is rolled back at the end.
The first call of each export is left out of the median: it loads and registers the font.
"""

from __future__ import annotations

from bench.scenarios.exports import REPEAT, median_ms, ready_demo_meet


def batches(app) -> list[tuple[str, float]]:
    from nitsys.reports.fonts import japanese_font
    from nitsys.services import export_pdfs, exports, heats

    with ready_demo_meet() as (meet, staff, race):
        runners = len(exports.start_list_rows(meet.id, race.id))
        everyone = len(exports.start_list_rows(meet.id))
        heat = heats.race_heats(race.id)[0]
        font = japanese_font()
        results = []
        for label, action in (
            (
                f"emergency PDF, whole meet ({everyone} runners; target < 600 ms)",
                lambda: export_pdfs.export_emergency(meet.id, by=staff),
            ),
            (
                f"programme PDF {race.name} ({runners} runners; target < 150 ms)",
                lambda: export_pdfs.export_programme(meet.id, by=staff, race_id=race.id),
            ),
            (
                f"roll-call PDF {race.name} heat {heat.number} ({len(heat.slots)} runners)",
                lambda: export_pdfs.export_roll_call(meet.id, by=staff, heat_id=heat.id),
            ),
        ):
            action()
            results.append((f"{label}, {font}, median of {REPEAT}", median_ms(action)))
        return results
