"""`python -m bench.archive_job`: the post-meet archive of the demo meet as the worker builds it.

Seeds the demo data into a scratch database (SQLite, or PostgreSQL when DATABASE_URL says so),
times the staff request that starts the archive (the task only goes into a queue: Huey on a
scratch SQLite file, as on one box without Redis), then runs the queued task in-process as
`flask worker` would and prints when each progress update was committed, the longest gap
between two updates and the total build time.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    past = "--past" in sys.argv  # the 324th meet: heats, results, 420 paid runners
    with tempfile.TemporaryDirectory(prefix="nitsys-archive-bench-") as folder:
        workdir = Path(folder)
        os.environ["TASK_QUEUE"] = "sqlite"  # before nitsys.tasks is imported
        os.environ["TASK_QUEUE_PATH"] = str(workdir / "tasks.sqlite3")
        from bench.harness import bench_database, flask_command, server_environment

        with bench_database(workdir) as database_url:
            env = server_environment(database_url, workdir)
            flask_command(env, "db", "upgrade")
            print(flask_command(env, "seed-demo").splitlines()[0])
            return run(database_url, workdir, past)


def run(database_url: str, workdir: Path, past: bool) -> int:
    from sqlalchemy import select

    from bench.run import bench_app
    from nitsys import tasks
    from nitsys.demo.context import DEMO_PASSWORD
    from nitsys.extensions import db
    from nitsys.models import ExportJob, Meet, Role, User
    from nitsys.services import archive

    app = bench_app(database_url)
    app.config.update(WTF_CSRF_ENABLED=False, BACKUP_DIR=str(workdir / "files"))
    with app.app_context():
        query = (
            select(Meet).order_by(Meet.last_day)  # the oldest: the 324th, held already
            if past
            else select(Meet).where(Meet.entry_open).order_by(Meet.id)
        )
        meet = db.session.scalars(query).first()
        staff = db.session.scalars(select(User).where(User.role == Role.STAFF)).first()
        meet_id, meet_name, email = meet.id, meet.name, staff.email
    client = app.test_client()
    client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
    client.get(f"/admin/meets/{meet_id}/exports")  # a warm process, as a running server is
    started = time.perf_counter()
    response = client.post(
        f"/admin/meets/{meet_id}/exports/archive", headers={"HX-Request": "true"}
    )
    request_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 202, response.status_code
    print(
        f"{meet_name}: 作成開始の要求 {request_ms:.0f} ms（HTTP {response.status_code}、キューに入れるだけ）"
    )

    stamps: list[tuple[float, str]] = []
    build = archive.archive_meet

    def timed_build(meet_id, *, by, on_progress=None):
        def report(done, total, part):
            on_progress(done, total, part)  # commits the progress, as the page polls it
            stamps.append((time.perf_counter(), f"{done}/{total} {part}"))

        return build(meet_id, by=by, on_progress=report)

    archive.archive_meet = timed_build
    with app.app_context():
        job_id = db.session.scalars(select(ExportJob.id).order_by(ExportJob.id.desc())).first()
        pending = tasks.huey.pending_count()
        began = time.perf_counter()
        tasks.build_archive.call_local(job_id)  # what the worker runs for the queued task
        finished = time.perf_counter()
        job = db.session.get(ExportJob, job_id)
        status, size = job.status.label, job.step
    previous = began
    gaps = []
    for at, label in [*stamps, (finished, "完了")]:
        gaps.append(at - previous)
        print(f"  +{at - began:6.2f} s  {label}（前回から {at - previous:.2f} s）")
        previous = at
    print(f"キューのタスク {pending} 件・結果 {status}（{size}）・作成 {finished - began:.1f} s・"
          f"進捗の最大間隔 {max(gaps):.2f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
