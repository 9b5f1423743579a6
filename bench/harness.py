"""The benchmark harness: a scratch database with the demo meet, gunicorn, real logins, timings.

Scenario contract (kept stable; every feature adds `bench/scenarios/<area>.py`):

- `PAGES: list[Page]` — each page is requested by a client logged in as `Page.role`
  ("coach", "official", "staff", or "anonymous" for a client that never logged in).
  `Page.path` may hold `{placeholders}` filled from `build_context()`: `{meet_id}`,
  `{past_meet_id}`, `{race_ids[M5000]}` / `{race_ids[NCG_F3000]}`, `{coach_org_id}`,
  `{coach_user_id}`, `{coach_athlete_id}`, `{official_user_id}`, `{staff_user_id}`.
  `htmx=True` sends `HX-Request: true` (the fragment, as htmx would ask for it).
- optional `def batches(app) -> list[tuple[str, float]]` — in-process timings of batch
  operations (name, milliseconds), called inside `app.app_context()` on the bench database
  after every page was measured. Commit what the batch commits; it runs once per bench run.
"""

from __future__ import annotations

import http.cookiejar
import importlib
import math
import os
import pkgutil
import secrets
import socket
import statistics
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ROLES = ("anonymous", "coach", "official", "staff")


class BenchError(RuntimeError):
    pass


@dataclass(frozen=True)
class Page:
    name: str
    role: str
    path: str
    htmx: bool = False

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"{self.name}: role must be one of {ROLES}, not {self.role!r}")


@dataclass(frozen=True)
class Scenario:
    name: str
    pages: list[Page]
    batches: Callable | None


@dataclass(frozen=True)
class PageResult:
    page: Page
    statuses: list[int]
    server_ms: list[float]
    client_ms: list[float]
    sizes: list[int]
    queries: list[int]


def discover_scenarios() -> list[Scenario]:
    """Every module in bench/scenarios/, in name order."""
    from bench import scenarios

    found = []
    for info in sorted(pkgutil.iter_modules(scenarios.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"bench.scenarios.{info.name}")
        found.append(
            Scenario(
                info.name, list(getattr(module, "PAGES", [])), getattr(module, "batches", None)
            )
        )
    return found


# --- database and server -------------------------------------------------------------------


@contextmanager
def bench_database(workdir: Path) -> Iterator[str]:
    """A SQLite file in `workdir`, or a scratch database next to a PostgreSQL DATABASE_URL."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith(("postgres://", "postgresql")):
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from config import normalise_database_url

    base = make_url(normalise_database_url(configured))
    name = f"nitsys_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def server_environment(database_url: str, workdir: Path) -> dict[str, str]:
    """Production settings (the same checks as a real deploy) plus the bench-only headers."""
    return {
        **os.environ,
        "NITSYS_ENV": "production",
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": "",
        "SESSION_COOKIE_SECURE": "False",
        "BENCH_QUERY_COUNT": "True",
        "DATABASE_URL": database_url,
        "MAIL_TRANSPORT": "file",
        "MAIL_FILE_DIR": str(workdir / "mail"),
        "OUTBOX_DELIVER_AFTER_REQUEST": "False",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SENTRY_DSN": "",
    }


def flask_command(env: dict[str, str], *args: str) -> str:
    """`flask --app wsgi …`; its output, or BenchError with it when the command fails."""
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BenchError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_model(workers: int, threads: int) -> str:
    """What `gunicorn()` runs, for printing next to the figures it produced."""
    return f"gunicorn gthread (gunicorn.conf.py), {workers} workers × {threads} threads"


@contextmanager
def gunicorn(
    env: dict[str, str], workdir: Path, workers: int, threads: int = 4, name: str = "gunicorn"
) -> Iterator[str]:
    """Serve wsgi:app on a free local port; yield its base URL; always stop it.

    The production config file is loaded explicitly (gunicorn would read ./gunicorn.conf.py
    anyway: gthread workers), and the worker count and threads are set on the command line,
    so the model measured is exactly the one :func:`worker_model` prints.
    """
    port = _free_port()
    log_path = workdir / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app",
             "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(base_url, process, log_path)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            Client(base_url).get("/")
            return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within 30 s:\n{log_path.read_text()[-3000:]}")


# --- HTTP client ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    client_ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is measured as what it is, not as the page it points to


class Client:
    """One browser: its own cookie jar; redirects are returned, not followed."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects
        )

    def request(self, path: str, data: dict | None = None, headers=None) -> Response:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers or {})
        started = time.perf_counter()
        try:
            reply = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:  # 3xx/4xx/5xx still carry our headers
            reply = error
        with reply:
            content = reply.read()
        elapsed = (time.perf_counter() - started) * 1000
        return Response(reply.status, dict(reply.headers.items()), content, elapsed)

    def get(self, path: str, headers=None) -> Response:
        return self.request(path, headers=headers)


class _CsrfFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.token = ""

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "input" and values.get("name") == "csrf_token":
            self.token = values.get("value") or ""


def log_in(base_url: str, email: str, password: str) -> Client:
    """Through the real form: GET the page, read its csrf_token, POST the credentials."""
    client = Client(base_url)
    finder = _CsrfFinder()
    finder.feed(client.get("/auth/login").text)
    if not finder.token:
        raise BenchError("no csrf_token on /auth/login")
    answer = client.request(
        "/auth/login", {"csrf_token": finder.token, "email": email, "password": password}
    )
    if answer.status != 302:
        raise BenchError(f"login as {email} failed: HTTP {answer.status}")
    return client


# --- context from the seeded database ------------------------------------------------------


def build_context() -> dict:
    """Ids the scenario paths refer to (call inside an app context on the bench database).

    The coach is the first member of the organization with the most athletes, so team pages
    are measured at their largest.
    """
    from sqlalchemy import func, select

    from nitsys.extensions import db
    from nitsys.models import Athlete, Meet, Role, User

    meets = db.session.scalars(select(Meet).order_by(Meet.first_day.desc())).all()
    if not meets:
        raise BenchError("the bench database has no meet; did seed-demo run?")
    meet = next((m for m in meets if m.entry_open), meets[0])
    past = next((m for m in meets if m.first_day < meet.first_day), None)
    athletes = func.count(Athlete.id)
    org_id = db.session.execute(
        select(Athlete.organization_id)
        .where(Athlete.organization_id.is_not(None))
        .group_by(Athlete.organization_id)
        .order_by(athletes.desc(), Athlete.organization_id)
        .limit(1)
    ).scalar_one()

    def first_user(*conditions) -> User:
        return db.session.scalars(select(User).where(*conditions).order_by(User.id)).first()

    coach = first_user(User.organization_id == org_id)
    official = first_user(User.role == Role.OFFICIAL)
    staff = first_user(User.role == Role.STAFF)
    return {
        "meet_id": meet.id,
        "past_meet_id": past.id if past else meet.id,
        "race_ids": {race.code: race.id for race in meet.races},
        "coach_org_id": org_id,
        "coach_user_id": coach.id,
        "coach_athlete_id": db.session.scalar(
            select(func.min(Athlete.id)).where(Athlete.organization_id == org_id)
        ),
        "official_user_id": official.id,
        "staff_user_id": staff.id,
        "emails": {"coach": coach.email, "official": official.email, "staff": staff.email},
    }


def fill_path(page: Page, context: dict) -> str:
    """The page's path with placeholders filled and non-ASCII (e.g. a kana query) encoded."""
    try:
        return urllib.parse.quote(page.path.format(**context), safe="/?&=%:+,")
    except (KeyError, IndexError) as error:
        raise BenchError(f"{page.name}: unknown placeholder {error} in {page.path}") from error


# --- measuring and printing ----------------------------------------------------------------


def measure(client: Client, page: Page, path: str, warmup: int, repeat: int) -> PageResult:
    headers = {"HX-Request": "true"} if page.htmx else {}
    for _ in range(warmup):
        client.get(path, headers)
    answers = [client.get(path, headers) for _ in range(repeat)]
    missing = [a for a in answers if "X-Server-Time" not in a.headers]
    if missing:
        raise BenchError(f"{page.name}: no X-Server-Time header (is BENCH_QUERY_COUNT on?)")
    return PageResult(
        page=page,
        statuses=sorted({a.status for a in answers}),
        server_ms=[float(a.headers["X-Server-Time"]) for a in answers],
        client_ms=[a.client_ms for a in answers],
        sizes=[len(a.body) for a in answers],
        queries=[int(a.headers.get("X-Query-Count", "0")) for a in answers],
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    """Left-aligned first columns, right-aligned numbers; CJK counted as double width."""
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n== {title} ==")
    for row in [header, *rows]:
        cells = [
            _pad(str(cell), width, right=index >= 3)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


PAGE_HEADER = ["page", "role", "status", "srv med ms", "srv p95 ms", "rtt med ms", "bytes",
               "queries"]  # fmt: skip


def page_row(result: PageResult) -> list[str]:
    htmx = " (htmx)" if result.page.htmx else ""
    return [
        result.page.name + htmx,
        result.page.role,
        ",".join(str(s) for s in result.statuses),
        f"{statistics.median(result.server_ms):.1f}",
        f"{percentile(result.server_ms, 0.95):.1f}",
        f"{statistics.median(result.client_ms):.1f}",
        f"{statistics.median(result.sizes):,.0f}",
        str(max(result.queries)),
    ]
