"""`flask results import MEET FILE...`: the results desk at the terminal.

Same service as the page: the preview is printed first; with `--dry-run` nothing more happens,
otherwise the files are imported (all or nothing) as the staff account given with `--by`.
"""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from nitsys.cli.staff import BY_OPTION, acting_staff, run_committed
from nitsys.domain.errors import RuleViolation
from nitsys.services import results


def _echo_preview(preview: results.ResultPreview) -> None:
    for heat in preview.heats:
        click.echo(
            f"{heat.label}（{heat.file.filename}）: 新規{heat.new}・変更{heat.changed}・"
            f"変更なし{heat.unchanged}・取消{len(heat.removed)}"
        )
        for problem in heat.problems:
            click.echo(f"  ✗ {problem}")
        if heat.missing:
            click.echo(f"  結果なし: {'、'.join(heat.missing)}")


def register(app: Flask) -> None:
    group = AppGroup("results", help="FinishLynx 結果（.lif）の取込")

    @group.command("import")
    @click.argument("meet_id", type=int)
    @click.argument(
        "paths",
        nargs=-1,
        required=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
    )
    @click.option("--dry-run", is_flag=True, help="確認だけ行い、取り込みません")
    @BY_OPTION
    def import_command(meet_id: int, paths: tuple[Path, ...], dry_run: bool, email: str) -> None:
        """.lif ファイル（複数・zip 可）の結果を取り込みます。"""
        files = [(path.name, path.read_bytes()) for path in paths]
        try:
            preview = results.preview_result_files(meet_id, files)
        except RuleViolation as error:
            raise click.ClickException(error.message) from error
        _echo_preview(preview)
        if preview.blocking:
            raise click.ClickException("問題があるため取り込みません（何も変更していません）。")
        if dry_run:
            click.echo("確認のみ（--dry-run）: 何も取り込んでいません。")
            return
        summary = run_committed(results.import_result_files, meet_id, files, by=acting_staff(email))
        click.echo(summary.message)

    app.cli.add_command(group)
