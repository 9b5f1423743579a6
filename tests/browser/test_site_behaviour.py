"""Site-wide behaviour from static/js/app.js: toasts, failed taps, no double submission."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import label

pytestmark = pytest.mark.browser

NETWORK_FAILED = "通信に失敗しました。電波の良い場所でもう一度お試しください。"


def add_htmx_button(page, method: str, url: str) -> None:
    """A button as feature pages will have them: an htmx request that swaps nothing."""
    page.evaluate(
        """([method, url]) => {
            const button = document.createElement("button");
            button.textContent = "保存";
            button.setAttribute("hx-" + method, url);
            button.setAttribute("hx-swap", "none");
            document.querySelector("main").append(button);
            htmx.process(button);
        }""",
        [method, url],
    )


def test_server_toast_event_shows_message(page, live_server):
    page.goto("/")
    page.evaluate(
        """document.body.dispatchEvent(new CustomEvent("toast", {bubbles: true,
            detail: {message: "申込を承認しました。", level: "success"}}))"""
    )
    expect(page.locator("#toasts .toast-success")).to_have_text("申込を承認しました。×")


def test_failed_tap_says_so_and_can_be_retried(page, live_server):
    page.goto("/")
    add_htmx_button(page, "get", "/?check=1")
    page.route("**/?check=1", lambda route: route.abort("internetdisconnected"))
    button = page.get_by_role("button", name="保存")
    button.click()
    expect(page.locator("#toasts .toast-error")).to_have_text(NETWORK_FAILED + "×")

    page.unroute("**/?check=1")
    with page.expect_response("**/?check=1") as answer:
        button.click()
    assert answer.value.ok
    expect(page.locator("#toasts .toast")).to_have_count(1)


def test_refused_htmx_request_shows_the_servers_message_once(page, live_server):
    page.goto("/")
    add_htmx_button(page, "post", "/no-such-page")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#toasts .toast-error")).to_contain_text("ページが見つかりません")
    expect(page.locator("#toasts .toast")).to_have_count(1)


def test_second_tap_while_a_form_is_sending_is_ignored(page, live_server):
    held = []  # the login POST is held "in flight" until the test lets it go
    page.route(
        "**/auth/login",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    page.goto("/auth/login")
    page.get_by_label(label("メールアドレス")).fill("nobody@example.jp")
    page.get_by_label(label("パスワード")).fill("wrong-password")
    # Plain script from here on: Playwright locators would wait for the held navigation.
    tap = "document.querySelector('main form button[type=submit]').click()"
    is_disabled = "document.querySelector('main form button[type=submit]').disabled"
    page.evaluate(tap)
    page.wait_for_timeout(200)
    assert page.evaluate(is_disabled)
    page.evaluate(tap)
    page.wait_for_timeout(300)
    assert len(held) == 1

    held[0].continue_()
    expect(page.locator("main form")).to_contain_text("正しくありません")
    expect(page.locator("main form").get_by_role("button", name="ログイン")).to_be_enabled()
