"""Load test before a meet (運用ガイド「大会前」): many coaches log in and walk their pages.

    .venv/bin/python bench/loadtest.py                 # starts a local gunicorn on the demo data
    .venv/bin/python bench/loadtest.py --users 100 --duration 60
    .venv/bin/python bench/loadtest.py --base-url http://127.0.0.1:8000   # a server you started

Every virtual user logs in through the real login form (CSRF token included) as a demo
account from `flask seed-demo` (coach001@demo.nitsys.jp …, the printed password), then loops
over its role's steps. Steps whose page does not exist in this build (404 on a probe) are
skipped and listed, so the script grows with the system: add a `Step` to `STEPS`.
Coaches also write, once per round, as a coach does before the deadline (:func:`entry_journey`):
add an entry through the entry form, submit the application, upload a transfer slip.
Without --database-url or --base-url the script seeds a scratch SQLite database of its own, so
those writes never reach the development data; --read-only leaves them out.
Only loopback addresses are accepted. Targets (earlier load-test guide): median < 500 ms,
p95 < 2000 ms, 0 errors per step; the exit code is 1 when one is missed.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.harness import server_environment  # noqa: E402  (run as a script, not a module)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DEMO_PASSWORD = "nitsys-demo-325"
TARGET_MEDIAN_MS = 500
TARGET_P95_MS = 2000


@dataclass(frozen=True)
class Step:
    name: str
    path: str  # may contain {meet}
    role: str = "coach"


STEPS = (
    Step("ダッシュボード", "/my/"),
    Step("大会一覧", "/my/meets"),
    Step("大会ページ", "/my/meets/{meet}"),
    Step("エントリーフォーム", "/my/meets/{meet}/entry"),
    Step("選手名簿", "/my/athletes"),
    Step("申込履歴", "/my/entries"),
    Step("プロフィール", "/auth/profile"),
    # Officials: the payment review list and the check-in search once those pages exist.
    Step("大会管理", "/admin/meets", role="official"),
    Step("入金確認一覧", "/admin/payments?meet={meet}", role="official"),
    Step("受付検索", "/admin/meets/{meet}/checkin", role="official"),
)
ACCOUNTS = {"coach": "coach{n:03d}@demo.nitsys.jp", "official": "official@demo.nitsys.jp"}
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
MEET_LINK = re.compile(r'href="/my/meets/(\d+)"')
RACE_OPTION = re.compile(r'<option value="(\d+)"[^>]*>((?:男子|女子)(\d+)m)</option>')
ATHLETE_OPTION = re.compile(r'<option value="(\d+)"')
SUBMIT_LINK = re.compile(r'href="/my/applications/(\d+)/submit"')
# Middle-of-the-field declared times, inside every plausibility range of the distance.
DECLARED_TIMES = {"1500": "4:40.00", "3000": "10:10.00", "5000": "17:00.00", "10000": "35:00.00"}
ATTEMPTS = 5  # athletes tried per round; one already entered is refused (422)


@dataclass
class Results:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, step: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.requests += 1
            self.timings[step].append(ms)
            if error:
                self.errors[step].append(error)


class Browser:
    """One user: its own cookie jar, like a separate browser."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        return self._open(urllib.request.Request(self.base_url + path, data=body))

    def upload(self, path: str, fields: dict, file: tuple[str, str, bytes]) -> tuple[int, str]:
        """A multipart/form-data POST with one file (name, filename, bytes)."""
        boundary = f"----nitsys-loadtest-{time.monotonic_ns()}"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        name, filename, data = file
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            self.base_url + path,
            data=b"".join(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def log_in(self, email: str, password: str) -> tuple[int, str]:
        _status, page = self.request("/auth/login")
        token = CSRF_FIELD.search(page)
        form = {"email": email, "password": password, "csrf_token": token.group(1) if token else ""}
        return self.request("/auth/login", form)


def timed(results: Results, name: str, call) -> tuple[int, str]:
    started = time.perf_counter()
    try:
        status, page = call()
        error = f"HTTP {status}" if status >= 400 else None
    except OSError as exc:
        status, page, error = 0, "", type(exc).__name__
    results.add(name, (time.perf_counter() - started) * 1000, error)
    return status, page


def logged_in(base_url: str, email: str, password: str) -> Browser:
    browser = Browser(base_url)
    status, page = browser.log_in(email, password)
    if status != 200 or "ログアウト" not in page:
        raise SystemExit(
            f"{email} でログインできません（HTTP {status}）。`flask seed-demo` を確認してください。"
        )
    return browser


def discover(base_url: str, password: str) -> tuple[str | None, list[Step], list[Step]]:
    """The demo meet's id and which steps exist in this build (probed as coach and official)."""
    browsers = {
        role: logged_in(base_url, ACCOUNTS[role].format(n=1), password) for role in ACCOUNTS
    }
    _status, meets = browsers["coach"].request("/my/meets")
    found = MEET_LINK.search(meets)
    meet = found.group(1) if found else None
    present, skipped = [], []
    for step in STEPS:
        if "{meet}" in step.path and meet is None:
            skipped.append(step)
            continue
        status, _page = browsers[step.role].request(step.path.format(meet=meet))
        (skipped if status in (404, 405) else present).append(step)
    return meet, present, skipped


def user_loop(args, email: str, steps: list[Step], meet, results: Results, stop: threading.Event):
    browser = Browser(args.base_url)
    status, _page = timed(results, "ログイン", lambda: browser.log_in(email, args.password))
    if status != 200:
        return
    writes = not args.read_only and meet is not None and email != ACCOUNTS["official"]
    while not stop.is_set():
        for step in steps:
            if stop.is_set() or results.requests >= args.max_requests:
                stop.set()
                return
            timed(results, step.name, lambda s=step: browser.request(s.path.format(meet=meet)))
            time.sleep(args.think)
        if writes and not stop.is_set():
            writes = entry_journey(browser, meet, results)


def entry_journey(browser: Browser, meet: str, results: Results) -> bool:
    """Add one entry, submit the draft, upload a slip; False once the coach seems to have no
    one left to enter (ATTEMPTS refusals in a row), so the user goes back to reading."""
    form_path = f"/my/meets/{meet}/entry"
    _status, page = browser.request(form_path)
    token = _token(page)
    races = RACE_OPTION.findall(page)
    race_id, _name, distance = random.choice(races)
    _status, options = browser.request(f"/my/meets/{meet}/athlete-options?race_id={race_id}")
    athletes = ATHLETE_OPTION.findall(options)
    # A random few: the first of the roster are already entered after the first rounds.
    for athlete_id in random.sample(athletes, min(ATTEMPTS, len(athletes))):
        form = {"race_id": race_id, "athlete_id": athlete_id, "csrf_token": token,
                "declared_time": DECLARED_TIMES[distance]}  # fmt: skip
        status, page = attempt(
            results, "エントリー追加", lambda f=form: browser.request(form_path, f)
        )
        if status != 422:  # 422: entered already (this race or another); try the next athlete
            return submit_and_pay(browser, page, results)
    return False


def submit_and_pay(browser: Browser, page: str, results: Results) -> bool:
    draft = SUBMIT_LINK.search(page)
    if draft is None:  # a teammate submitted the shared draft a moment ago
        return True
    application = f"/my/applications/{draft.group(1)}"
    _status, submit_page = browser.request(f"{application}/submit")
    attempt(results, "申込提出", lambda: browser.request(f"{application}/submit",
            {"csrf_token": _token(submit_page)}))  # fmt: skip
    _status, payment_page = browser.request(f"{application}/payment")
    fields = {"csrf_token": _token(payment_page), "transfer_date": time.strftime("%Y-%m-%d"),
              "payer_name": "ﾛｰﾄﾞﾃｽﾄ"}  # fmt: skip
    attempt(results, "振込明細アップロード", lambda: browser.upload(
        f"{application}/payment", fields, ("file", "slip.png", SLIP_PNG)))  # fmt: skip
    return True


def attempt(results: Results, name: str, call) -> tuple[int, str]:
    """A write a rule may refuse (422: two coaches of one team acting on the same application).

    Refusals are timed under their own name, so they show up without counting as errors.
    """
    started = time.perf_counter()
    status, page = call()
    ms = (time.perf_counter() - started) * 1000
    refused = status == 422
    results.add(f"{name}（規則で拒否）" if refused else name, ms, None if refused or status < 400
                else f"HTTP {status}")  # fmt: skip
    return status, page


def _token(page: str) -> str:
    found = CSRF_FIELD.search(page)
    return found.group(1) if found else ""


def _png(width: int = 8, height: int = 8) -> bytes:
    """A small valid grey PNG (the upload check opens the image with Pillow)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


SLIP_PNG = _png()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(results: Results, elapsed: float, users: int, skipped: list[Step]) -> bool:
    print(
        f"\n利用者 {users} 人・{elapsed:.1f} 秒・{results.requests} リクエスト"
        f"（{results.requests / elapsed:.1f} req/s）"
    )
    print(f"{'ステップ':<16}{'件数':>6}{'中央値ms':>10}{'p95 ms':>10}{'エラー':>8}  判定")
    passed = True
    for name, values in results.timings.items():
        median, p95 = statistics.median(values), percentile(values, 0.95)
        errors = len(results.errors.get(name, []))
        ok = median < TARGET_MEDIAN_MS and p95 < TARGET_P95_MS and errors == 0
        passed &= ok
        print(
            f"{name:<16}{len(values):>6}{median:>10.0f}{p95:>10.0f}{errors:>8}  {'✓' if ok else '✗'}"
        )
    for name, errors in results.errors.items():
        print(f"  {name} のエラー例: {', '.join(sorted(set(errors))[:3])}")
    if skipped:
        print("未実装のため省略: " + "、".join(step.name for step in skipped))
    print(
        f"目標: 中央値 < {TARGET_MEDIAN_MS} ms・p95 < {TARGET_P95_MS} ms・エラー 0 → "
        + ("達成" if passed else "未達")
    )
    return passed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(database_url: str, workdir: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn with production settings (as bench.run serves) on a free loopback port."""
    port = free_port()
    env = server_environment(database_url, workdir)
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "-c",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "wsgi:app",
    ]
    log = ROOT / "bench" / "out" / "loadtest-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    print(f"gunicorn を 127.0.0.1:{port} で起動します（ログ: {log.relative_to(ROOT)}）")
    with log.open("w") as stream:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=stream, stderr=subprocess.STDOUT
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a busy machine imports slowly
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base_url + "/healthz", timeout=1).close()
            return server, base_url
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn が起動しませんでした。")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", help="起動済みサーバー（省略時は gunicorn をこの場で起動）")
    parser.add_argument(
        "--database-url", help="起動する gunicorn の DATABASE_URL（省略時は使い捨てのデモDB）"
    )
    parser.add_argument("--users", type=int, default=30, help="同時に操作する指導者の人数")
    parser.add_argument(
        "--officials", type=int, default=2, help="同時に操作する役員の人数（同じアカウント）"
    )
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="1秒あたりに増やす人数")
    parser.add_argument(
        "--duration", type=float, default=60.0, help="実行時間（秒、立ち上げを含む）"
    )
    parser.add_argument("--max-requests", type=int, default=20000, help="リクエスト数の上限")
    parser.add_argument("--think", type=float, default=0.2, help="画面ごとの待ち時間（秒）")
    parser.add_argument("--password", default=DEMO_PASSWORD, help="デモアカウントのパスワード")
    parser.add_argument(
        "--read-only", action="store_true", help="エントリー追加・提出・明細アップロードをしない"
    )
    return parser.parse_args(argv)


def scratch_database(folder: str) -> str:
    """A freshly seeded demo database in `folder`, so the writes never touch real data."""
    url = f"sqlite:///{folder}/loadtest.sqlite3"
    env = {**os.environ, "DATABASE_URL": url}
    print("負荷テスト用のデモデータベースを作成します（数秒かかります）")
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "nitsys", *command],
                       cwd=ROOT, env=env, check=True, capture_output=True)  # fmt: skip
    return url


def main(argv=None) -> int:
    args = parse_args(argv)
    server = None
    scratch = tempfile.TemporaryDirectory(prefix="nitsys-loadtest-")
    if args.base_url is None and args.database_url is None:
        args.database_url = scratch_database(scratch.name)
    if args.base_url is None:
        server, args.base_url = start_gunicorn(args.database_url, Path(scratch.name))
    try:
        if urllib.parse.urlsplit(args.base_url).hostname not in LOOPBACK:
            raise SystemExit("負荷テストはローカル（127.0.0.1）のサーバーにだけ実行できます。")
        meet, steps, skipped = discover(args.base_url, args.password)
        results, stop = Results(), threading.Event()
        users = [(ACCOUNTS["coach"].format(n=n), "coach") for n in range(1, args.users + 1)]
        users += [(ACCOUNTS["official"], "official")] * args.officials
        threads = [
            threading.Thread(
                target=user_loop,
                args=(args, email, [s for s in steps if s.role == role], meet, results, stop),
            )
            for email, role in users
        ]
        started = time.perf_counter()
        for thread in threads:  # ramp up like Locust's spawn rate: logins are the costly part
            thread.start()
            time.sleep(1 / args.spawn_rate)
        stop.wait(args.duration)
        stop.set()
        for thread in threads:
            thread.join()
        passed = report(results, time.perf_counter() - started, len(users), skipped)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        scratch.cleanup()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
