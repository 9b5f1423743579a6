"""Results on the demo meet: importing one men's 5000 m heat from a `.lif`, re-importing it
unchanged, and rendering the public men's 5000 m results page with every heat imported.

Like the exports scenario, the programme is readied (bibs, heats locked) inside a transaction
rolled back at the end, so later scenarios find the demo as seeded. The first import is timed
inside a savepoint rolled back after each run, so every run really writes the results.
"""

from __future__ import annotations

import codecs
import random
from itertools import groupby

from bench.scenarios.exports import REPEAT, median_ms, ready_demo_meet


def _lif(heat_rows) -> bytes:
    """The heat as FinishLynx would write it back: places by time, User 1 = our slot id."""
    shuffle = random.Random(heat_rows[0].heat_number)
    times = sorted(shuffle.randint(84000, 96000) for _ in heat_rows)
    runners = shuffle.sample(heat_rows, len(heat_rows))
    first = heat_rows[0]
    lines = [f"{first.race_number},1,{first.heat_number},{first.race_name},,,,,,5000,10:00:00"]
    lines += [
        f"{place},{row.bib},{row.position},{row.last_name},{row.first_name},{row.organization},"
        f"{t // 6000}:{t % 6000 / 100:05.2f},,,,,,{row.slot_id}"
        for place, (row, t) in enumerate(zip(runners, times, strict=True), start=1)
    ]
    return codecs.BOM_UTF16_LE + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")


def batches(app) -> list[tuple[str, float]]:
    from flask import render_template

    from nitsys.extensions import db
    from nitsys.services import exports, results

    with ready_demo_meet() as (meet, staff, race):
        rows = exports.start_list_rows(meet.id, race.id)
        heats = [list(group) for _, group in groupby(rows, key=lambda r: r.heat_number)]
        files = [(f"{heat[0].heat_number}.lif", _lif(heat)) for heat in heats]
        biggest = max(range(len(heats)), key=lambda i: len(heats[i]))
        one = [files[biggest]]

        def first_import():
            savepoint = db.session.begin_nested()
            results.import_result_files(meet.id, one, by=staff)
            savepoint.rollback()

        measured = [
            (
                f"import 1 heat of {len(heats[biggest])} ({race.name}, UTF-16 .lif)",
                median_ms(first_import),
            )
        ]
        results.import_result_files(meet.id, files, by=staff)
        measured.append(
            (
                f"re-import the same heat (no change, {len(heats[biggest])} runners)",
                median_ms(lambda: results.import_result_files(meet.id, one, by=staff)),
            )
        )

        def page():
            with app.test_request_context():
                race_results = results.race_results(race, imported_only=True)
                render_template("public/results_race.html", meet=meet, race_results=race_results)

        measured.append(
            (
                f"public results page {race.name} ({len(heats)} heats, {len(rows)} runners)",
                median_ms(page),
            )
        )
        return [(f"{label}, median of {REPEAT}", ms) for label, ms in measured]
