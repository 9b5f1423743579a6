"""Load test before a meet (運用ガイド「大会前」) on Locust: `make loadtest`.

    .venv/bin/python bench/loadtest.py                      # deadline evening, 100 users, 3 min
    .venv/bin/python bench/loadtest.py --profile stress     # no think time: where is the ceiling
    .venv/bin/python bench/loadtest.py --profile stress --instances 2
    .venv/bin/python bench/loadtest.py --users 30 --duration 60

Seeds the demo data (`flask seed-demo`) into a scratch PostgreSQL database next to
DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test), serves it with gunicorn in
production settings (one or more instances, each with its share of the workers; Redis for the
shared throttle when it answers on 127.0.0.1:6379), and runs the journeys of
`bench/locustfile.py` headless, bounded in users and time, loopback only. Locust's CSV and HTML
reports go to bench/out/. Afterwards the database is counted: every submit and slip upload
Locust saw succeed must be there exactly once.

Targets of a deadline evening: 0 errors and p95 < 500 ms for every step, login included.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.harness import (  # noqa: E402  (run as a script, not a module)
    bench_database,
    flask_command,
    gunicorn,
    server_environment,
    worker_model,
)

OUT = ROOT / "bench" / "out"
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"
PROFILES = {
    # name: users, seconds, wait between pages
    "evening": (100, 180, "2,5"),
    "stress": (60, 60, "0,0"),
}
TARGET_P95_MS = 500


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="evening")
    parser.add_argument("--users", type=int, help="同時利用者数（既定はプロファイルごと）")
    parser.add_argument("--duration", type=int, help="実行時間（秒）")
    parser.add_argument("--spawn-rate", type=float, default=10.0, help="1秒あたりに増やす人数")
    parser.add_argument("--instances", type=int, default=1, help="gunicorn インスタンス数")
    parser.add_argument("--workers", type=int, default=2, help="全インスタンス合計の worker 数")
    parser.add_argument("--threads", type=int, default=4, help="worker あたりのスレッド数")
    parser.add_argument("--name", help="bench/out/ に書くレポートの名前")
    return parser.parse_args(argv)


def _query(database_url: str, sql: str, **params):
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        engine.dispose()


def demo_meets(database_url: str) -> tuple[int, int]:
    """(the meet taking entries, the meet with published heats) of the demo data."""
    sql = "SELECT id FROM meets WHERE entry_open ORDER BY id LIMIT 1"
    [(entry_meet,)] = _query(database_url, sql)
    heats = _query(
        database_url,
        "SELECT r.meet_id FROM heats h JOIN races r ON r.id = h.race_id "
        "WHERE h.published_at IS NOT NULL GROUP BY r.meet_id ORDER BY r.meet_id DESC LIMIT 1",
    )
    return entry_meet, heats[0][0] if heats else entry_meet


def counted_writes(database_url: str, since: datetime) -> dict[str, int]:
    [(submitted,)] = _query(
        database_url, "SELECT COUNT(*) FROM applications WHERE submitted_at >= :since", since=since
    )
    [(slips,)] = _query(
        database_url, "SELECT COUNT(*) FROM payment_slips WHERE created_at >= :since", since=since
    )
    return {"申込提出": submitted, "振込明細アップロード": slips}


def read_stats(prefix: Path) -> list[dict]:
    with (prefix.parent / f"{prefix.name}_stats.csv").open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def report(rows: list[dict], seconds: float, users: int, model: str, wait: str) -> bool:
    print(f"\n利用者 {users} 人・{seconds:.0f} 秒・待ち時間 {wait} 秒・{model}")
    print(f"{'ステップ':<22}{'件数':>7}{'失敗':>6}{'中央値':>8}{'p95':>8}{'p99':>8}{'req/s':>8}")
    passed = True
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "合計"
        count, failures = int(row["Request Count"]), int(row["Failure Count"])
        p95 = float(row["95%"] or 0)
        if name != "合計":
            passed &= failures == 0 and p95 < TARGET_P95_MS
        print(
            f"{name:<22}{count:>7}{failures:>6}{float(row['50%'] or 0):>8.0f}{p95:>8.0f}"
            f"{float(row['99%'] or 0):>8.0f}{float(row['Requests/s']):>8.1f}"
        )
    print(f"目標（夕方の締切前）: 全ステップ エラー 0・p95 < {TARGET_P95_MS} ms → "
          + ("達成" if passed else "未達"))  # fmt: skip
    return passed


def main(argv=None) -> int:
    args = parse_args(argv)
    users, seconds, wait = PROFILES[args.profile]
    users, seconds = args.users or users, args.duration or seconds
    name = args.name or f"{args.profile}-{args.instances}x-{users}u"
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql")):
        raise SystemExit("負荷テストは PostgreSQL で行います（DATABASE_URL を設定してください）。")
    OUT.mkdir(parents=True, exist_ok=True)
    per_instance = max(1, args.workers // args.instances)
    model = f"{args.instances} インスタンス × " + worker_model(per_instance, args.threads)
    with tempfile.TemporaryDirectory(prefix="nitsys-loadtest-") as folder, ExitStack() as stack:
        workdir = Path(folder)
        database_url = stack.enter_context(bench_database(workdir))
        env = server_environment(database_url, workdir)
        env["SECRET_KEY"] = "loadtest-" + "k" * 50  # every instance signs sessions alike
        if _redis_up():
            env["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"
            env["RATELIMIT_KEY_PREFIX"] = f"loadtest-{os.getpid()}"
        env["TASK_QUEUE"] = "sqlite"  # mail and archives wait in a queue nobody consumes here
        env["TASK_QUEUE_PATH"] = str(workdir / "tasks.sqlite3")
        print("デモデータを投入します（PostgreSQL、1分ほど）")
        flask_command(env, "db", "upgrade")
        print(flask_command(env, "seed-demo").splitlines()[0])
        entry_meet, heats_meet = demo_meets(database_url)
        hosts = [
            stack.enter_context(
                gunicorn(env, workdir, per_instance, args.threads, name=f"gunicorn-{n}")
            )
            for n in range(args.instances)
        ]
        print(f"サーバー: {model}（{', '.join(hosts)}）")
        since = datetime.now(UTC)
        locust_env = {
            **os.environ,
            "LOADTEST_MEET": str(entry_meet),
            "LOADTEST_HEATS_MEET": str(heats_meet),
            "LOADTEST_WAIT": wait,
            "LOADTEST_HOSTS": ",".join(hosts),
        }
        prefix = OUT / name
        command = [
            sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
            "--headless", "--users", str(users), "--spawn-rate", str(args.spawn_rate),
            "--run-time", f"{seconds}s", "--host", hosts[0], "--stop-timeout", "10",
            "--csv", str(prefix), "--html", str(prefix) + ".html", "--only-summary",
            "--loglevel", "WARNING",
        ]  # fmt: skip
        started = time.monotonic()
        subprocess.run(command, cwd=ROOT, env=locust_env, check=False)
        elapsed = time.monotonic() - started
        rows = read_stats(prefix)
        passed = report(rows, elapsed, users, model, wait)
        seen = {row["Name"]: int(row["Request Count"]) - int(row["Failure Count"]) for row in rows}
        counted = counted_writes(database_url, since)
        for step, count in counted.items():
            ok = count == seen.get(step, 0)
            passed &= ok
            print(f"{step}: Locust で成功 {seen.get(step, 0)} 件 / データベース {count} 件 "
                  + ("✓" if ok else "✗（二重登録または欠落）"))  # fmt: skip
        print(f"レポート: {prefix.relative_to(ROOT)}.html と _stats.csv")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
