"""A newcomer's first visit, in a real browser: register a team, log out, log back in."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import PHONE, label

pytestmark = pytest.mark.browser

PASSWORD = "hakone-2026-ekiden"


def fill_team_registration(page) -> None:
    form = page.locator("form.register-form")
    form.get_by_label(label("ログインID（メールアドレス）")).fill("kantoku@hanamizuki-u.ac.jp")
    form.get_by_label(label("パスワード")).fill(PASSWORD)
    form.get_by_label(label("パスワード（確認）")).fill(PASSWORD)
    form.get_by_label(label("氏名")).fill("佐藤 健一")
    form.get_by_label(label("フリガナ")).fill("サトウ ケンイチ")
    form.get_by_label(label("電話番号")).fill("090-1234-5678")
    form.get_by_label(label("団体名")).fill("はなみずき大学")
    form.get_by_label(label("団体名フリガナ")).fill("ハナミズキダイガク")
    form.get_by_label(label("略称（スタートリストに表示）")).fill("はなみずき大")
    form.get_by_label(label("代表者氏名")).fill("佐藤 健一")
    form.get_by_label(label("代表者メールアドレス")).fill("kantoku@hanamizuki-u.ac.jp")
    form.get_by_label(label("代表者電話番号")).fill("03-1234-5678")


def test_newcomer_registers_team_logs_out_and_back_in(page, live_server, browser_login):
    page.goto("/")
    page.locator("main").get_by_role("button", name="新規登録（団体・個人）").click()
    expect(page.get_by_role("heading", name="新規登録")).to_be_visible()

    # Choosing "individual" hides the team section; back to "team" shows it again.
    team_section = page.get_by_role("heading", name="団体情報")
    expect(team_section).to_be_visible()
    page.get_by_label("個人参加").check()
    expect(team_section).to_be_hidden()
    page.get_by_label("団体（大学・高校・実業団・クラブ）").check()
    expect(team_section).to_be_visible()

    fill_team_registration(page)
    page.get_by_role("button", name="登録する").click()

    expect(page).to_have_url(live_server("/my/"))
    expect(page.get_by_role("heading", name="ダッシュボード")).to_be_visible()
    expect(page.locator("#flash-messages")).to_contain_text("団体登録が完了しました")
    expect(page.locator("main")).to_contain_text("はなみずき大学")

    page.get_by_role("button", name="ログアウト").click()
    expect(page).to_have_url(live_server("/auth/login"))
    expect(page.locator("#flash-messages")).to_contain_text("ログアウトしました")
    page.goto("/my/")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))

    browser_login(page, "KANTOKU@hanamizuki-u.ac.jp", PASSWORD)
    expect(page).to_have_url(live_server("/my/"))
    expect(page.locator("main")).to_contain_text("はなみずき大学")


def test_wrong_password_is_refused_in_place(page, live_server, browser_login):
    user = factories.make_user()
    browser_login(page, user, "not-the-password")
    expect(page).to_have_url(live_server("/auth/login"))
    expect(page.locator("main form")).to_contain_text(
        "メールアドレスまたはパスワードが正しくありません"
    )


@pytest.mark.parametrize("viewport", [PHONE])
def test_phone_menu_opens_and_logs_out(page, live_server, browser_login):
    user = factories.make_user()
    browser_login(page, user)
    logout = page.get_by_role("button", name="ログアウト")
    expect(logout).to_be_hidden()
    page.get_by_text("メニュー").click()
    expect(logout).to_be_visible()
    logout.click()
    expect(page).to_have_url(live_server("/auth/login"))
