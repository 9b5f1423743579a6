"""`flask heats generate MEET`, `flask bibs assign MEET`: the programme builder at the terminal.

MEET is the meet's id. The actions are recorded as done by a staff account (`--by EMAIL`, by
default the first active staff user), exactly as if pressed on the programme builder page.
"""

import click
from flask import Flask
from flask.cli import AppGroup

from nitsys.cli.staff import BY_OPTION, acting_staff, run_committed
from nitsys.services import heats


def register(app: Flask) -> None:
    heats_group = AppGroup("heats", help="組編成（番組編成）のコマンド")
    bibs_group = AppGroup("bibs", help="ゼッケンのコマンド")

    @heats_group.command("generate")
    @click.argument("meet_id", type=int)
    @click.option("--ncg/--no-ncg", default=False, help="先にNCG選考を実行する")
    @BY_OPTION
    def generate(meet_id: int, ncg: bool, email: str) -> None:
        """大会の全種目の組を編成します（同じエントリーなら何度実行しても同じ結果）。"""
        by = acting_staff(email)
        if ncg:
            for result in run_committed(heats.run_ncg_selection, meet_id, by=by):
                click.echo(result.message)
        outcome = run_committed(heats.generate_meet_heats, meet_id, by=by)
        for result in outcome.results:
            click.echo(result.message)
        click.echo(outcome.message)

    @bibs_group.command("assign")
    @click.argument("meet_id", type=int)
    @click.option("--renumber-all", is_flag=True, help="採番済みの番号も含めて全件振り直す")
    @BY_OPTION
    def assign(meet_id: int, renumber_all: bool, email: str) -> None:
        """未採番の選手にゼッケンを採番します（採番済みの番号は変えません）。"""
        by = acting_staff(email)
        if renumber_all:
            click.confirm("採番済みのゼッケンも変わります。よろしいですか？", abort=True)
            changed = run_committed(heats.renumber_all_bibs, meet_id, by=by, confirm=True)
        else:
            changed = run_committed(heats.assign_bibs, meet_id, by=by)
        click.echo(f"ゼッケンを{changed}件採番しました。")

    app.cli.add_command(heats_group)
    app.cli.add_command(bibs_group)
