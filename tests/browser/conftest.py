"""Browser fixtures: the test app served on a free port, driven by Debian's Chromium.

`live_server` serves the very app of the `app` fixture (same database), so a test can build
data with `tests/factories.py` and then use it through the browser. CSRF protection is on
while a browser test runs, so the real forms are exercised. Never run `playwright install`:
the system's /usr/bin/chromium is used.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from nitsys.models import User
from tests import factories
from tests.browser.helpers import DESKTOP, label

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 15_000  # generous: CI machines are often busy
# Chromium logs every non-2xx response (a 422 form, a missing favicon) and htmx logs failed
# requests; tests of failures cause them on purpose. Other htmx errors (a bad target) count.
IGNORED_CONSOLE_ERRORS = (
    "Failed to load resource",
    "htmx:afterRequest",
    "htmx:sendError",
    "htmx:responseError",
    "Response Status Error Code",
)


class _RequestsInFlight:
    """The app, counting the requests it has not finished answering.

    Closing a browser does not stop a request it had sent: a test's clean-up waits for them,
    or emptying the tables under a running request deadlocks on PostgreSQL.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.count += 1
        try:
            response = self.app(environ, start_response)
            try:
                yield from response
            finally:
                if hasattr(response, "close"):
                    response.close()
        finally:
            with self.changed:
                self.count -= 1
                self.changed.notify_all()

    def wait_until_idle(self, timeout: float = 10) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.count == 0, timeout)


@dataclass(frozen=True)
class LiveServer:
    url: str
    requests: _RequestsInFlight

    def __call__(self, path: str = "/") -> str:
        return self.url + path


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture(scope="session")
def _live_server(_app) -> Iterator[LiveServer]:
    requests = _RequestsInFlight(_app)
    server = make_server("127.0.0.1", 0, requests, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", requests)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_server(app, _live_server) -> Iterator[LiveServer]:
    app.config["WTF_CSRF_ENABLED"] = True
    yield _live_server
    _live_server.requests.wait_until_idle()
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def viewport() -> dict:
    """Desktop by default; override with `@pytest.mark.parametrize("viewport", [PHONE])`."""
    return DESKTOP


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """`new_page(viewport)`: a page in a fresh context (its own cookies), Japanese locale.

    JavaScript errors and console errors (a CSP violation among them) fail the test.
    """
    contexts, problems = [], []

    def open_page(size: dict = DESKTOP):
        context = browser.new_context(
            viewport=size, locale="ja-JP", timezone_id="Asia/Tokyo", base_url=live_server.url
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
        page.on("console", note_console_error)
        return page

    def note_console_error(message) -> None:
        if message.type == "error" and not message.text.startswith(IGNORED_CONSOLE_ERRORS):
            problems.append(f"console error: {message.text}")

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(new_page, viewport):
    return new_page(viewport)


def _log_in(page, who: User | str, password: str = factories.PASSWORD) -> None:
    email = who if isinstance(who, str) else who.email
    page.goto("/auth/login")
    form = page.locator("main form")
    form.get_by_label(label("メールアドレス")).fill(email)
    form.get_by_label(label("パスワード")).fill(password)
    form.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()


@pytest.fixture
def browser_login(live_server) -> Callable:
    """`browser_login(page, user_or_email, password=...)`: the real login form, as a person."""
    return _log_in
