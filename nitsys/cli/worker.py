"""`flask worker`: the task-queue consumer (Procfile `worker`, render.yaml worker service).

It runs every background task — mail delivery, archive builds, the scheduled routines of the
operations guide — from the queue `TASK_QUEUE` names (see nitsys/tasks.py). `flask tasks list`
shows the schedules as configured; `flask tasks run backup` queues a routine now.
"""

from __future__ import annotations

import logging
import os
import socket

import click
from flask import Flask

from nitsys import tasks

SMTP_TIMEOUT_SECONDS = 30


def register(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option(
        "--workers",
        type=int,
        default=lambda: int(os.environ.get("TASK_WORKERS", "2")),
        show_default="TASK_WORKERS or 2",
        help="同時に実行するタスク数（スレッド）",
    )
    @click.option(
        "--no-periodic", is_flag=True, help="定期タスクを実行しません（追加の worker 用）"
    )
    def worker(workers: int, no_periodic: bool) -> None:
        """タスクキューの処理を続けます（メール配信・アーカイブ作成・定期作業）。"""
        if tasks.huey.immediate:
            raise click.ClickException(
                "TASK_QUEUE=immediate ではタスクはその場で実行されます（worker は不要です）。"
                " REDIS_URL か TASK_QUEUE=sqlite を設定してください。"
            )
        # Flask-Mail sets no SMTP timeout; a hung server must not stall a worker forever.
        socket.setdefaulttimeout(SMTP_TIMEOUT_SECONDS)
        logging.getLogger("huey").setLevel(logging.INFO)
        tasks.bind_app(app)
        consumer = tasks.huey.create_consumer(
            workers=workers,
            worker_type="thread",
            periodic=not no_periodic,
            check_worker_health=True,
            max_delay=2.0,  # an SQLite queue is polled at least every 2 s
        )
        click.echo(f"worker: {type(tasks.huey).__name__}, {workers} スレッド")
        consumer.run()

    @app.cli.group("tasks")
    def tasks_group() -> None:
        """タスクキュー（定期タスクの予定・手動実行）。"""

    @tasks_group.command("list")
    def list_tasks() -> None:
        """キューの種類と定期タスクの予定（UTC の crontab、環境変数 SCHEDULE_*）を表示します。"""
        click.echo(f"キュー: {tasks.queue_kind()}（{type(tasks.huey).__name__}）")
        for name, (default, label) in tasks.SCHEDULES.items():
            value = os.environ.get(f"SCHEDULE_{name}", default)
            click.echo(f"  SCHEDULE_{name:<18} {value:<12} {label}")

    @tasks_group.command("run")
    @click.argument("name", type=click.Choice(sorted(tasks.runnable())))
    def run_task(name: str) -> None:
        """定期タスクを今すぐキューに入れます（worker が実行。immediate ではその場で実行）。"""
        tasks.runnable()[name]()
        click.echo(f"{name} をキューに入れました（{tasks.queue_kind()}）。")
