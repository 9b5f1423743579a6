"""Two instances, proven: two gunicorn servers on loopback ports and two task workers sharing
one PostgreSQL database, one Redis and one S3-compatible bucket (moto's server on loopback).

Runs with `TEST_DATABASE_URL` on PostgreSQL and Redis on 127.0.0.1:6379 (`.ci/run` starts it);
skips with the reason otherwise. The whole module takes well under two minutes.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from config import BASE_DIR

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PASSWORD = "two-instances-pass-1"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.xdist_group("two_instances"),  # one stack per run, not one per xdist worker
    pytest.mark.skipif(
        not PG_URL.startswith(("postgres://", "postgresql")),
        reason="two-instance test needs PostgreSQL: set TEST_DATABASE_URL (make test-pg)",
    ),
    pytest.mark.skipif(not _redis_up(), reason="two-instance test needs Redis on 127.0.0.1:6379"),
]


@dataclass
class Stack:
    a: str
    b: str
    env: dict
    mail_dir: Path
    logs: list[Path]
    app: object  # an app bound to the same database, for looking at it from the test

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result


def _wait_until(condition, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    assert found, "no CSRF token on the page"
    return found.group(1)


def _login(session, base: str, email: str, password: str):
    token = _csrf(session.get(f"{base}/auth/login").text)
    return session.post(
        f"{base}/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from nitsys import create_app
    from nitsys.extensions import db
    from tests import conftest, factories
    from tests.s3_server import CREDENTIALS, free_port, make_bucket, s3_server
    from tests.test_exports_views import ready_race

    folder = tmp_path_factory.mktemp("two-instances")
    url, drop = conftest._scratch_postgres(PG_URL)
    site = f"nitsys-2i-{uuid.uuid4().hex[:8]}"
    processes: list[subprocess.Popen] = []
    with s3_server() as endpoint:
        make_bucket(endpoint, site)
        ports = free_port(), free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TASK_", "SCHEDULE_"))},
            **CREDENTIALS,
            "NITSYS_ENV": "production",
            "DEBUG": "False",
            "SECRET_KEY": "two-instances-" + "k" * 50,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": ",".join(f"http://127.0.0.1:{p}" for p in ports),
            "SESSION_COOKIE_SECURE": "False",
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "TASK_QUEUE": "redis",
            "TASK_QUEUE_NAME": site,
            "RATELIMIT_KEY_PREFIX": site,
            "STORAGE_URL": f"s3://{site}/backups-and-files",
            "S3_ENDPOINT_URL": endpoint,
            "S3_REGION": "us-east-1",
            "MAIL_TRANSPORT": "file",
            "MAIL_FILE_DIR": str(folder / "mail"),
            "OUTBOX_DELIVER_AFTER_REQUEST": "False",
            "SENTRY_DSN": "",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
            "LOG_LEVEL": "warning",
            "BACKUP_DIR": str(folder / "no-local-backups"),
            # Only the routines this test starts by hand (and the minute-by-minute catch-up).
            "SCHEDULE_BACKUP": "off",
            "SCHEDULE_PAYMENT_REMINDERS": "off",
            "SCHEDULE_WEEKLY_CHECKLIST": "off",
            "SCHEDULE_CLEANUP_REPORT": "off",
        }
        stack = Stack(*(f"http://127.0.0.1:{p}" for p in ports), env, folder / "mail", [], app=None)
        try:
            stack.flask("db", "upgrade")
            stack.app = create_app(conftest.test_settings(url))
            with stack.app.app_context():
                staff = factories.make_user("staff", email="staff@example.jp", password=PASSWORD)
                stack.meet_id = ready_race(staff).meet_id
                db.session.remove()

            def start(name: str, command: list[str]) -> None:
                log = folder / f"{name}.log"
                stack.logs.append(log)
                processes.append(
                    subprocess.Popen(
                        command,
                        cwd=BASE_DIR,
                        env=env,
                        stdout=log.open("w"),
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )

            gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
            for name, port in zip("ab", ports, strict=True):
                start(f"web-{name}", [*gunicorn, "-b", f"127.0.0.1:{port}", "wsgi:app"])
            flask = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "2"]
            start("worker-1", flask)
            start("worker-2", [*flask, "--no-periodic"])

            import requests

            def healthy(base):
                try:
                    return requests.get(f"{base}/healthz", timeout=2).status_code == 200
                except requests.RequestException:
                    return False

            for base in (stack.a, stack.b):
                _wait_until(lambda base=base: healthy(base), 60, f"{base}/healthz")
            yield stack
        finally:
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            for log in stack.logs:
                print(f"---- {log.name}\n{log.read_text()[-3000:]}")
            try:
                from huey import RedisHuey

                RedisHuey(site, url=REDIS_URL).storage.flush_all()
            except Exception as error:  # pragma: no cover - cleanup only
                print("could not flush the test queue:", error)
            if stack.app is not None:
                with stack.app.app_context():
                    db.engine.dispose()
            drop()


@pytest.fixture(scope="module")
def staff_session(stack):
    import requests

    session = requests.Session()
    assert _login(session, stack.a, "staff@example.jp", PASSWORD).status_code == 302
    return session


def test_a_session_created_on_a_works_on_b(stack, staff_session):
    page = staff_session.get(f"{stack.b}/admin/system", allow_redirects=False)
    assert page.status_code == 200 and "バックグラウンドジョブ" in page.text
    assert "キュー: redis" in page.text and "S3 s3://" in page.text


def test_maintenance_switched_on_at_a_answers_503_on_b_within_a_second(stack, staff_session):
    import requests

    token = _csrf(staff_session.get(f"{stack.a}/admin/system").text)
    form = {"enabled": "1", "message": "切替テスト", "retry_minutes": "5", "csrf_token": token}
    assert requests.get(f"{stack.b}/", timeout=5).status_code == 200  # B has just read "open"
    switched = staff_session.post(f"{stack.a}/admin/system/maintenance", data=form)
    switched_at = time.monotonic()
    assert switched.status_code == 200
    try:
        # The switch is read from the database at most once a second per process: a request
        # B receives more than a second after the switch must see it, however slow B answers.
        def sent_at_when_closed():
            sent = time.monotonic()
            return sent if requests.get(f"{stack.b}/", timeout=5).status_code == 503 else None

        first_closed = _wait_until(sent_at_when_closed, 5, "503 on B", interval=0.05)
        delay = first_closed - switched_at
        print(f"maintenance reached B {delay * 1000:.0f} ms after the switch")
        assert delay <= 1.05
    finally:
        off = {"enabled": "0", "csrf_token": token}
        staff_session.post(f"{stack.a}/admin/system/maintenance", data=off)
    _wait_until(lambda: requests.get(f"{stack.b}/", timeout=5).status_code == 200, 10, "B back")


def test_an_archive_started_on_a_is_built_by_a_worker_and_downloaded_from_b(stack, staff_session):
    token = _csrf(staff_session.get(f"{stack.a}/admin/meets/{stack.meet_id}/exports").text)
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    began = time.monotonic()
    started = staff_session.post(
        f"{stack.a}/admin/meets/{stack.meet_id}/exports/archive", headers=headers
    )
    answered = time.monotonic() - began
    print(f"archive start answered in {answered * 1000:.0f} ms")
    assert started.status_code == 202, started.text
    assert "待機中" in started.text or "作成中" in started.text  # not built in the request
    job_id = re.search(r"/exports/jobs/(\d+)", started.text).group(1)

    status_url = f"{stack.b}/admin/meets/{stack.meet_id}/exports/jobs/{job_id}"
    _wait_until(lambda: "をダウンロード" in staff_session.get(status_url).text, 90, "archive")
    download = staff_session.get(f"{status_url}/download")
    assert download.status_code == 200
    assert "README.txt" in zipfile.ZipFile(io.BytesIO(download.content)).namelist()


def test_mail_queued_on_a_is_delivered_exactly_once_with_two_workers(stack):
    import requests
    from sqlalchemy import select

    from nitsys.extensions import db
    from nitsys.models import OutboxMessage, OutboxStatus

    with stack.app.app_context():
        for n in range(40):
            db.session.add(
                OutboxMessage(to_address=f"bulk{n}@example.jp", subject="一斉", body_text="本文")
            )
        db.session.commit()
    # A real action on A queues one more and wakes a worker; two more wake-ups make the four
    # worker threads compete for the same messages.
    anonymous = requests.Session()
    token = _csrf(anonymous.get(f"{stack.a}/auth/password-reset").text)
    reset = anonymous.post(
        f"{stack.a}/auth/password-reset",
        data={"email": "staff@example.jp", "csrf_token": token},
        allow_redirects=False,
    )
    assert reset.status_code == 302
    stack.flask("tasks", "run", "deliver_outbox")
    stack.flask("tasks", "run", "deliver_outbox")

    def all_sent():
        with stack.app.app_context():
            statuses = db.session.scalars(select(OutboxMessage.status)).all()
            db.session.remove()
            return len(statuses) == 41 and set(statuses) == {OutboxStatus.SENT}

    _wait_until(all_sent, 60, "every message sent")
    files = Counter(
        re.sub(r"^\d+-", "", path.name) for path in stack.mail_dir.glob("*.eml")
    )  # one file per delivery, named by message id and address
    assert len(files) == 41 and set(files.values()) == {1}
    with stack.app.app_context():
        assert set(db.session.scalars(select(OutboxMessage.attempts)).all()) == {1}
        db.session.remove()


def test_a_scheduled_backup_is_listed_verified_and_restored_from_b(stack, staff_session):
    stack.flask("tasks", "run", "backup")  # the daily routine, queued for the workers

    def listed_and_verified():
        # The file is listed as soon as it is written; the routine verifies it right after.
        output = stack.flask("backup", "list").stdout
        return output if "-daily.dump" in output and "検証済" in output else None

    output = _wait_until(listed_and_verified, 90, "the scheduled backup, verified", interval=1)
    name = re.search(r"(nitsys-\S+-daily\.dump)", output).group(1)
    assert name in staff_session.get(f"{stack.b}/admin/system").text
    assert "マニフェストと一致しました" in stack.flask("backup", "verify", name).stdout
    restored = stack.flask("backup", "restore", name, "--yes")
    assert "復元が完了しました" in restored.stdout
    # B still serves after the restore (the staff account came back with the data).
    assert staff_session.get(f"{stack.b}/admin/system").status_code == 200


def test_the_login_throttle_counts_across_both_instances(stack):
    import requests

    session = requests.Session()
    statuses = [
        _login(session, base, "nobody@example.jp", "wrong").status_code
        for base in (stack.a, stack.b, stack.a, stack.b, stack.a, stack.b)
    ]
    assert 429 not in statuses[:5] and statuses[5] == 429, statuses
