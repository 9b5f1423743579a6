"""`flask export timing-csv MEET --profile NAME` and `flask export workbook MEET`.

The same services as the exports page: the timing CSV is written with a profile saved on the
profiles page, and both files are logged as made by the `--by` staff account.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from nitsys.cli.exports import OUTPUT_OPTION, RACE_OPTION, _save
from nitsys.cli.staff import BY_OPTION, acting_staff, run_committed
from nitsys.services import timing_profiles, workbook


def _export_timing_csv(meet_id: int, profile_name: str, *, by, race_id):
    """The service call by profile name (the page passes the id it listed)."""
    profile = timing_profiles.profile_named(meet_id, profile_name)
    return timing_profiles.export_timing_csv(meet_id, by=by, profile_id=profile.id, race_id=race_id)


def add_commands(group: AppGroup) -> None:
    @group.command("timing-csv")
    @click.argument("meet_id", type=int)
    @click.option("--profile", "profile_name", required=True, help="保存済みの出力設定の名前")
    @RACE_OPTION
    @OUTPUT_OPTION
    @BY_OPTION
    def timing_csv(meet_id: int, profile_name: str, race_id, output, email: str) -> None:
        """保存済みの出力設定でタイミングCSVを出力します（種目ごと、または大会全体）。"""
        by = acting_staff(email)
        file = run_committed(_export_timing_csv, meet_id, profile_name, by=by, race_id=race_id)
        _save(file, output)

    @group.command("workbook")
    @click.argument("meet_id", type=int)
    @OUTPUT_OPTION
    @BY_OPTION
    def workbook_command(meet_id: int, output, email: str) -> None:
        """大会の全データ（団体・選手・申込・エントリー・入金・組・結果）を Excel で出力します。"""
        by = acting_staff(email)
        _save(run_committed(workbook.export_workbook, meet_id, by=by), output)
