"""`flask export startlist MEET`, `flask export lynx MEET`: the exports page at the terminal.

Same services as the page, so the same readiness checks apply and every file is logged, as
made by the staff account given with `--by` (by default the first active staff user).
"""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from nitsys.cli.staff import BY_OPTION, acting_staff, run_committed
from nitsys.domain.lynx import LynxEncoding
from nitsys.reports.csv_files import CsvEncoding
from nitsys.services import exports

RACE_OPTION = click.option(
    "--race", "race_id", type=int, default=None, help="種目ID（省略時は全種目）"
)
OUTPUT_OPTION = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="出力先ファイル（省略時はカレントディレクトリに既定のファイル名で保存）",
)  # fmt: skip


def _encoding_option(encodings, default):
    return click.option(
        "--encoding",
        type=click.Choice([encoding.value for encoding in encodings]),
        default=default.value,
        show_default=True,
        help="文字コード",
    )


def _save(file: exports.ExportFile, output: Path | None) -> None:
    path = output or Path(file.filename)
    path.write_bytes(file.data)
    click.echo(f"{path} に書き出しました（{len(file.data):,} バイト）。")


def register(app: Flask) -> None:
    group = AppGroup("export", help="スタートリスト・計時用ファイルの出力")

    @group.command("startlist")
    @click.argument("meet_id", type=int)
    @RACE_OPTION
    @_encoding_option(CsvEncoding, CsvEncoding.UTF8_BOM)
    @OUTPUT_OPTION
    @BY_OPTION
    def startlist(meet_id: int, race_id, encoding: str, output, email: str) -> None:
        """スタートリスト CSV を出力します（種目ごと、または大会全体）。"""
        by = acting_staff(email)
        file = run_committed(
            exports.export_start_list,
            meet_id,
            by=by,
            race_id=race_id,
            encoding=CsvEncoding(encoding),
        )
        _save(file, output)

    @group.command("lynx")
    @click.argument("meet_id", type=int)
    @RACE_OPTION
    @_encoding_option(LynxEncoding, LynxEncoding.UNICODE)
    @click.option(
        "--day", type=click.DateTime(["%Y-%m-%d"]), default=None,
        help="開催日 YYYY-MM-DD（複数日の大会でその日の組だけ。省略時は全日程）",
    )  # fmt: skip
    @OUTPUT_OPTION
    @BY_OPTION
    def lynx(meet_id: int, race_id, encoding: str, day, output, email: str) -> None:
        """FinishLynx の lynx.ppl / lynx.evt / lynx.sch を zip で出力します。"""
        by = acting_staff(email)
        file = run_committed(
            exports.export_lynx,
            meet_id,
            by=by,
            race_id=race_id,
            encoding=LynxEncoding(encoding),
            day=day.date() if day else None,
        )
        _save(file, output)

    from nitsys.cli import export_pdfs, timing_exports  # imports this module's options

    timing_exports.add_commands(group)
    export_pdfs.add_commands(group)
    app.cli.add_command(group)
