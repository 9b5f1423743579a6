"""Load test before a meet (運用ガイド「大会前」) on Locust: `make loadtest`.

    .venv/bin/python bench/loadtest.py                      # deadline evening, 100 users, 3 min
    .venv/bin/python bench/loadtest.py --profile stress     # no think time: the ceiling
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
The stress profile raises the number of users without think time in steps (10, 20, … 80, each
held 25 s) and reports the ceiling: the highest req/s of a step whose p95 stays under 1 s with
no errors (the first 10 s of each step, while users arrive and log in, are not counted).
Both print where the CPU went: gunicorn, PostgreSQL and Locust itself (they share the box).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import cpu  # noqa: E402  (run as a script, not a module)
from bench.harness import (  # noqa: E402
    bench_database,
    flask_command,
    gunicorn,
    percentile,
    server_environment,
    worker_model,
)

OUT = ROOT / "bench" / "out"
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"
PROFILES = {
    # name: users (one count, or steps for the ceiling), seconds per step, wait between pages
    "evening": ((100,), 180, "2,5"),
    "stress": ((10, 20, 30, 40, 50, 60, 80), 25, "0,0"),
}
SETTLE_SECONDS = 10
TARGET_P95_MS = 500
CEILING_P95_MS = 1000
CPU_GROUPS = {"gunicorn": cpu.by_command("gunicorn"), "PostgreSQL": cpu.by_name("postgres")}


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
    parser.add_argument("--users", help="同時利用者数。stress は段階をカンマ区切りで（10,20,40）")
    parser.add_argument("--duration", type=int, help="実行時間（秒）。stress は1段階あたり")
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


WRITES = {
    # step: how many times each application appears in the database since the run began
    "申込提出": "SELECT id FROM applications WHERE submitted_at >= :since",
    "振込明細アップロード": "SELECT application_id FROM payment_slips WHERE created_at >= :since",
}
APPLICATION_IN_URL = re.compile(r"/applications/(\d+)/")


def read_samples(path: Path) -> list[list[str]]:
    """The rows LOADTEST_SAMPLES wrote: at, ms, failed, step, server ms, queries, URL."""
    with path.open(encoding="utf-8") as stream:
        return list(csv.reader(stream))


def read_stats(prefix: Path) -> list[dict]:
    with (prefix.parent / f"{prefix.name}_stats.csv").open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def report(rows: list[dict], seconds: float, users: str, model: str, wait: str) -> bool:
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
    return passed


def report_steps(rows: list[list[str]], steps: tuple[int, ...], step_seconds: int) -> float:
    """Per step: req/s, p50, p95 and errors after it settled; returns the ceiling in req/s."""
    samples = [(float(row[0]), float(row[1]), row[2] == "True") for row in rows]
    measured = step_seconds - SETTLE_SECONDS
    print(f"\n段階ごと（各 {step_seconds} 秒のうち後半 {measured} 秒）")
    print(f"{'利用者':>6}{'req/s':>8}{'中央値':>8}{'p95':>8}{'失敗':>6}")
    ceiling = 0.0
    for number, users in enumerate(steps):
        begin = number * step_seconds + SETTLE_SECONDS
        window = [(ms, failed) for at, ms, failed in samples if begin <= at < begin + measured]
        if not window:
            continue
        times = [ms for ms, _failed in window]
        failures = sum(failed for _ms, failed in window)
        rate, p95 = len(window) / measured, percentile(times, 0.95)
        if p95 < CEILING_P95_MS and failures == 0:
            ceiling = max(ceiling, rate)
        print(f"{users:>6}{rate:>8.1f}{percentile(times, 0.5):>8.0f}{p95:>8.0f}{failures:>6}")
    print(f"上限（p95 < {CEILING_P95_MS} ms・エラー 0 の段階の最大）: {ceiling:.1f} req/s")
    return ceiling


def report_server_time(samples: list[list[str]], top: int = 5) -> None:
    """Which steps the server spent its time on (its own X-Server-Time, summed)."""
    spent: Counter = Counter()
    counts: Counter = Counter()
    for row in samples:
        if row[4]:
            spent[row[3]] += float(row[4])
            counts[row[3]] += 1
    total = spent.total() or 1
    print(f"サーバー時間の多いステップ（上位 {top}）:")
    for step, milliseconds in spent.most_common(top):
        print(f"  {milliseconds / total:6.1%}  {step}（{counts[step]} 回・平均 "
              f"{milliseconds / counts[step]:.1f} ms）")  # fmt: skip


def _children_cpu_seconds() -> float:
    """CPU of this script's finished children: Locust, once it has exited."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report_cpu(spent: dict[str, float], seconds: float) -> None:
    available = seconds * (os.cpu_count() or 1)
    parts = "、".join(
        f"{label} {used:.0f} 秒（{used / available:.0%}）" for label, used in spent.items()
    )
    print(f"CPU（{os.cpu_count()} コア × {seconds:.0f} 秒 = {available:.0f} 秒のうち）: {parts}")


def check_writes(samples: list[list[str]], database_url: str, since: datetime) -> bool:
    """Every submit and slip upload Locust saw succeed is in the database exactly once."""
    passed = True
    for step, sql in WRITES.items():
        seen = Counter(
            int(APPLICATION_IN_URL.search(row[6]).group(1))
            for row in samples
            if row[3] == step and row[2] == "False"
        )
        stored = Counter(application for (application,) in _query(database_url, sql, since=since))
        ok = seen == stored
        passed &= ok
        verdict = "✓" if ok else (
            f"✗ Locust だけ: {sorted((seen - stored).elements())}・"
            f"データベースだけ: {sorted((stored - seen).elements())}"
        )  # fmt: skip
        print(
            f"{step}: Locust で成功 {seen.total()} 件 / データベース {stored.total()} 件 {verdict}"
        )
    return passed


def locust_command(prefix: Path, users: int, seconds: int, host: str, spawn_rate: float) -> list:
    return [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
        "--headless", "--users", str(users), "--spawn-rate", str(spawn_rate),
        "--run-time", f"{seconds}s", "--host", host, "--stop-timeout", "10",
        "--csv", str(prefix), "--html", str(prefix) + ".html", "--only-summary",
        "--loglevel", "WARNING",
    ]  # fmt: skip


def start_servers(args, stack: ExitStack, workdir: Path) -> tuple[str, list[str], str]:
    """The seeded scratch database and the gunicorn instances: (database URL, hosts, model)."""
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
    per_instance = max(1, args.workers // args.instances)
    hosts = [
        stack.enter_context(
            gunicorn(env, workdir, per_instance, args.threads, name=f"gunicorn-{n}")
        )
        for n in range(args.instances)
    ]
    model = f"{args.instances} インスタンス × " + worker_model(per_instance, args.threads)
    print(f"サーバー: {model}（{', '.join(hosts)}）")
    return database_url, hosts, model


def main(argv=None) -> int:
    args = parse_args(argv)
    steps, seconds, wait = PROFILES[args.profile]
    if args.users:
        steps = tuple(int(users) for users in args.users.split(","))
    seconds = args.duration or seconds
    name = args.name or f"{args.profile}-{args.instances}x-{steps[-1]}u"
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql")):
        raise SystemExit("負荷テストは PostgreSQL で行います（DATABASE_URL を設定してください）。")
    OUT.mkdir(parents=True, exist_ok=True)
    prefix = OUT / name
    with tempfile.TemporaryDirectory(prefix="nitsys-loadtest-") as folder, ExitStack() as stack:
        database_url, hosts, model = start_servers(args, stack, Path(folder))
        entry_meet, heats_meet = demo_meets(database_url)
        locust_env = {
            **os.environ,
            "LOADTEST_MEET": str(entry_meet),
            "LOADTEST_HEATS_MEET": str(heats_meet),
            "LOADTEST_WAIT": wait,
            "LOADTEST_HOSTS": ",".join(hosts),
            "LOADTEST_SAMPLES": f"{prefix}_samples.csv",
        }
        if len(steps) > 1:
            locust_env |= {"LOADTEST_STEPS": ",".join(map(str, steps)),
                           "LOADTEST_STEP_SECONDS": str(seconds)}  # fmt: skip
        since, cpu_before = datetime.now(UTC), cpu.group_seconds(CPU_GROUPS)
        cpu_before["Locust"] = _children_cpu_seconds()
        started = time.monotonic()
        command = locust_command(prefix, steps[-1], seconds * len(steps), hosts[0], args.spawn_rate)
        subprocess.run(command, cwd=ROOT, env=locust_env, check=False)
        elapsed = time.monotonic() - started
        cpu_after = cpu.group_seconds(CPU_GROUPS)
        cpu_after["Locust"] = _children_cpu_seconds()
        rows, samples = read_stats(prefix), read_samples(Path(f"{prefix}_samples.csv"))
        meets_target = report(rows, elapsed, ",".join(map(str, steps)), model, wait)
        if len(steps) > 1:  # a stress run is meant to cross the target: it reports the ceiling
            report_steps(samples, steps, seconds)
            passed = True
        else:
            print(f"目標（夕方の締切前）: 全ステップ エラー 0・p95 < {TARGET_P95_MS} ms → "
                  + ("達成" if meets_target else "未達"))  # fmt: skip
            passed = meets_target
        report_cpu({label: cpu_after[label] - cpu_before[label] for label in cpu_after}, elapsed)
        report_server_time(samples)
        passed &= check_writes(samples, database_url, since)
        print(f"レポート: {prefix.relative_to(ROOT)}.html と _stats.csv")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
