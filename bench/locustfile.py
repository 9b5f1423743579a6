"""Locust journeys of a deadline evening and a meet day (run by `bench/loadtest.py`).

Coaches log in, read the roster and the entry form, add an entry, submit and upload a slip;
officials work the payment review desk (approve or send back) and the check-in desk (search,
tap); the public reads start lists and finds their heat. Every user logs in through the real
form (CSRF token included) with a demo account of `flask seed-demo`.

Settings come from the environment (the runner sets them): LOADTEST_MEET (the meet taking
entries), LOADTEST_HEATS_MEET (a meet with published heats), LOADTEST_WAIT ("2,5" seconds
between pages, "0,0" for a stress run), LOADTEST_PASSWORD. A stress run also sets
LOADTEST_STEPS ("10,20,40": user counts held LOADTEST_STEP_SECONDS each, to find the ceiling)
and LOADTEST_SAMPLES (a CSV of every request: seconds since the start, milliseconds, failed,
step name, the server's own time and query count from its bench-only headers, and the URL).
"""

from __future__ import annotations

import csv
import itertools
import os
import random
import re
import struct
import time
import zlib

from locust import HttpUser, LoadTestShape, between, constant, events, task
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

MEET = os.environ.get("LOADTEST_MEET", "")
HEATS_MEET = os.environ.get("LOADTEST_HEATS_MEET", MEET)
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "nitsys-demo-325")
COACHES = int(os.environ.get("LOADTEST_COACH_ACCOUNTS", "100"))
_low, _high = (float(x) for x in os.environ.get("LOADTEST_WAIT", "2,5").split(","))
WAIT = constant(0) if _high == 0 else between(_low, _high)

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
RACE_OPTION = re.compile(r'<option value="(\d+)"[^>]*>((?:男子|女子)\d+m)</option>')
# The race table marks full races 満員; a coach does not try them.
FULL_RACE = re.compile(r'data-race-remaining="(\d+)"><strong class="full">')
# Athletes already in the race are listed but disabled: a coach cannot pick them.
ATHLETE_OPTION = re.compile(r'<option value="(\d+)"(?! disabled)')
SUBMIT_LINK = re.compile(r'href="/my/applications/(\d+)/submit"')
APPROVE = re.compile(r"/admin/payments/(\d+)/approve")
SLOT = re.compile(r"/admin/checkin/slots/(\d+)")
RACE_LINK = re.compile(r"/meets/\d+/startlist/(\d+)")
NAME_CELL = re.compile(r'<td[^>]*class="[^"]*name[^"]*"[^>]*>([^<]{2,})')
# Within the demo meet's entry standards (nitsys/demo/meets.py), as the form asks.
DECLARED_TIMES = {"男子10000m": "30:40.00", "男子5000m": "15:20.00", "女子3000m": "10:40.00",
                  "女子5000m": "18:10.00"}  # fmt: skip
SEARCHES = ("たなか", "さとう", "すずき", "やまだ", "1", "12", "23")
_coach_numbers = itertools.count(1)
STEPS = [int(users) for users in os.environ.get("LOADTEST_STEPS", "").split(",") if users]
STEP_SECONDS = float(os.environ.get("LOADTEST_STEP_SECONDS", "30"))
SAMPLES = os.environ.get("LOADTEST_SAMPLES", "")


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


def token(page: str) -> str:
    found = CSRF_FIELD.search(page) or CSRF_HEADER.search(page)
    return found.group(1) if found else ""


HOSTS = [h for h in os.environ.get("LOADTEST_HOSTS", "").split(",") if h]
_user_numbers = itertools.count()


class Spread(HttpUser):
    """With LOADTEST_HOSTS (several instances), users are spread over them round-robin, as a
    load balancer would; each user stays on its instance."""

    abstract = True
    wait_time = WAIT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if HOSTS:
            self.client.base_url = HOSTS[next(_user_numbers) % len(HOSTS)]
        # Like a browser, a GET on a kept-alive connection the server has just closed (its
        # 5 s keep-alive, a recycled worker) is sent once more on a new connection. POSTs are
        # never repeated, so a write is counted once.
        retry = Retry(total=1, connect=1, read=1, status=0, other=0, allowed_methods={"GET"})
        self.client.mount("http://", HTTPAdapter(max_retries=retry))


class Member(Spread):
    abstract = True
    email = ""

    def on_start(self) -> None:
        page = self.client.get("/auth/login", name="ログイン画面").text
        form = {"email": self.account(), "password": PASSWORD, "csrf_token": token(page)}
        with self.client.post(
            "/auth/login", data=form, name="ログイン", catch_response=True
        ) as answer:
            if "ログアウト" not in answer.text:
                answer.failure(f"login failed for {form['email']}")

    def account(self) -> str:
        return self.email

    def write(self, path: str, data: dict, name: str, files=None, **kwargs):
        """A POST a rule may refuse (422): counted under its own name, not as an error."""
        with self.client.post(
            path, data=data, files=files, name=name, catch_response=True, **kwargs
        ) as answer:
            if answer.status_code == 422:
                answer.success()
                answer.request_meta["name"] = f"{name}（規則で拒否）"
            return answer


class Coach(Member):
    weight = 20

    def account(self) -> str:
        return f"coach{(next(_coach_numbers) - 1) % COACHES + 1:03d}@demo.nitsys.jp"

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/my/", name="ダッシュボード")

    @task(3)
    def roster(self) -> None:
        self.client.get("/my/athletes", name="選手名簿")

    @task(2)
    def entries(self) -> None:
        self.client.get("/my/entries", name="申込履歴")

    @task(3)
    def entry_journey(self) -> None:
        form_path = f"/my/meets/{MEET}/entry"
        page = self.client.get(form_path, name="エントリーフォーム").text
        full = set(FULL_RACE.findall(page))
        races = [race for race in RACE_OPTION.findall(page) if race[0] not in full]
        if not races:
            return
        race_id, label = random.choice(races)
        options = self.client.get(
            f"/my/meets/{MEET}/athlete-options?race_id={race_id}", name="選手候補"
        ).text
        athletes = ATHLETE_OPTION.findall(options)
        for athlete_id in random.sample(athletes, min(3, len(athletes))):
            form = {"race_id": race_id, "athlete_id": athlete_id, "csrf_token": token(page),
                    "declared_time": DECLARED_TIMES.get(label, "15:00.00")}  # fmt: skip
            answer = self.write(form_path, form, "エントリー追加")
            if answer.status_code != 422:
                self.submit_and_pay(answer.text)
                return

    def submit_and_pay(self, page: str) -> None:
        draft = SUBMIT_LINK.search(page)
        if draft is None:
            return
        application = f"/my/applications/{draft.group(1)}"
        submit_page = self.client.get(f"{application}/submit", name="申込確認").text
        self.write(f"{application}/submit", {"csrf_token": token(submit_page)}, "申込提出")
        payment_page = self.client.get(f"{application}/payment", name="振込明細画面").text
        fields = {"csrf_token": token(payment_page), "transfer_date": time.strftime("%Y-%m-%d"),
                  "payer_name": "ﾛｰﾄﾞﾃｽﾄ"}  # fmt: skip
        self.write(
            f"{application}/payment",
            fields,
            "振込明細アップロード",
            files={"file": ("slip.png", SLIP_PNG, "image/png")},
        )


class Official(Member):
    weight = 2
    email = "official@demo.nitsys.jp"

    @task(2)
    def review_desk(self) -> None:
        page = self.client.get(f"/admin/payments?meet={MEET}", name="入金確認一覧").text
        found = APPROVE.findall(page)
        if not found:
            return
        application = random.choice(found)
        headers = {"HX-Request": "true", "X-CSRFToken": token(page)}
        if random.random() < 0.8:
            path, data, name = f"/admin/payments/{application}/approve", {}, "入金承認"
        else:
            path = f"/admin/payments/{application}/reject"
            data, name = {"reason": "金額が一致しません（負荷試験）"}, "入金差し戻し"
        self.write(path, data, name, headers=headers)

    @task(3)
    def checkin_desk(self) -> None:
        query = random.choice(SEARCHES)
        page = self.client.get(
            f"/admin/meets/{HEATS_MEET}/checkin?q={query}",
            headers={"HX-Request": "true"},
            name="受付検索",
        ).text
        slots = SLOT.findall(page)
        if slots:
            desk = self.client.get(f"/admin/meets/{HEATS_MEET}/checkin", name="受付画面").text
            headers = {"HX-Request": "true", "X-CSRFToken": token(desk)}
            action = random.choice(("check_in", "undo"))
            self.write(
                f"/admin/checkin/slots/{random.choice(slots)}",
                {"action": action},
                "受付タップ",
                headers=headers,
            )


class Public(Spread):
    weight = 6

    @task(2)
    def start_lists(self) -> None:
        page = self.client.get(f"/meets/{HEATS_MEET}/startlist", name="スタートリスト").text
        races = RACE_LINK.findall(page)
        if races:
            self.client.get(
                f"/meets/{HEATS_MEET}/startlist/{random.choice(races)}", name="種目別スタートリスト"
            )

    @task(1)
    def find_my_heat(self) -> None:
        query = random.choice(SEARCHES)
        self.client.get(f"/meets/{HEATS_MEET}/startlist?q={query}", name="自分の組を探す")


if STEPS:

    class Steps(LoadTestShape):
        """Hold each user count of LOADTEST_STEPS for LOADTEST_STEP_SECONDS, then stop."""

        def tick(self):
            step = int(self.get_run_time() // STEP_SECONDS)
            return (STEPS[step], 10) if step < len(STEPS) else None


if SAMPLES:
    _samples: list[tuple] = []
    _started = time.monotonic()

    @events.test_start.add_listener
    def _start(**_kwargs) -> None:
        global _started
        _started = time.monotonic()

    @events.request.add_listener
    def _sample(name, response_time, response, exception, url="", **_kwargs) -> None:
        headers = response.headers if response is not None else {}
        _samples.append((round(time.monotonic() - _started, 3), round(response_time, 1),
                         exception is not None, name, headers.get("X-Server-Time", ""),
                         headers.get("X-Query-Count", ""), url))  # fmt: skip

    @events.quitting.add_listener
    def _write_samples(**_kwargs) -> None:
        with open(SAMPLES, "w", newline="", encoding="utf-8") as stream:
            csv.writer(stream).writerows(_samples)
