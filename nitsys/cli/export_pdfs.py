"""`flask export pdf KIND MEET`: the meet office's PDFs at the terminal.

KIND is rollcall, programme, results-sheet or emergency; the same services (readiness check,
export log) as the exports page.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from nitsys.cli.exports import OUTPUT_OPTION, RACE_OPTION, _save
from nitsys.cli.staff import BY_OPTION, acting_staff, run_committed
from nitsys.services import export_pdfs

BY_HEAT = {
    "rollcall": export_pdfs.export_roll_call,
    "results-sheet": export_pdfs.export_result_sheets,
}
KINDS = ("rollcall", "programme", "results-sheet", "emergency")


def _export(kind: str, meet_id: int, *, by, race_id, heat_id):
    if kind in BY_HEAT:
        return BY_HEAT[kind](meet_id, by=by, race_id=race_id, heat_id=heat_id)
    if heat_id is not None:
        raise click.UsageError("--heat は rollcall と results-sheet だけで使えます。")
    if kind == "programme":
        return export_pdfs.export_programme(meet_id, by=by, race_id=race_id)
    if race_id is not None:
        raise click.UsageError(
            "緊急用全データは大会全体でのみ出力できます（--race は使えません）。"
        )
    return export_pdfs.export_emergency(meet_id, by=by)


def add_commands(group: AppGroup) -> None:
    @group.command("pdf")
    @click.argument("kind", type=click.Choice(KINDS))
    @click.argument("meet_id", type=int)
    @RACE_OPTION
    @click.option("--heat", "heat_id", type=int, default=None, help="組ID（点呼表・記録用紙のみ）")
    @OUTPUT_OPTION
    @BY_OPTION
    def pdf(kind: str, meet_id: int, race_id, heat_id, output, email: str) -> None:
        """点呼表・プログラム・記録用紙・緊急用全データの PDF を出力します。"""
        by = acting_staff(email)
        file = run_committed(_export, kind, meet_id, by=by, race_id=race_id, heat_id=heat_id)
        _save(file, output)
