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


# Runs after app.js's listener: notes whether the submission went ahead, then keeps the page
# here so the test can look at the form "while it is sending".
RECORD_SUBMISSIONS = """() => {
    window.submissions = [];
    window.addEventListener("submit", event => {
        window.submissions.push(event.defaultPrevented ? "ignored" : "sent");
        event.preventDefault();
    });
}"""


def test_second_tap_while_a_form_is_sending_is_ignored(page, live_server):
    page.goto("/auth/login")
    page.evaluate(RECORD_SUBMISSIONS)
    password = page.get_by_label(label("パスワード"))
    page.get_by_label(label("メールアドレス")).fill("coach@example.jp")
    password.fill("correct-horse-42")
    button = page.locator("main form").get_by_role("button", name="ログイン")
    button.click()
    expect(button).to_be_disabled()
    button.click(force=True)
    password.press("Enter")
    assert page.evaluate("window.submissions") == ["sent"]
