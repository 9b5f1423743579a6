"""A coach builds the roster in a real browser: two athletes inline, one edit, one import."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import PHONE, assert_fits_width, label

pytestmark = pytest.mark.browser

IMPORT_CSV = (
    "姓,名,姓カナ,名カナ,性別,生年月日,学年,登録陸協,JAAF ID\r\n"
    "北野,大地,きたの,だいち,男,2004/7/7,3,北海道,12345678903\r\n"
).encode("cp932")


def add_athlete(page, last, first, last_kana, first_kana, gender, birth, pref, jaaf_id):
    form = page.locator("#athlete-form-new form")
    form.get_by_label(label("姓"), exact=True).fill(last)
    form.get_by_label(label("名"), exact=True).fill(first)
    form.get_by_label(label("姓カナ")).fill(last_kana)
    form.get_by_label(label("名カナ")).fill(first_kana)
    form.get_by_label(label("性別")).select_option(gender)
    form.get_by_label(label("生年月日")).fill(birth)
    form.get_by_label(label("登録陸協")).select_option(pref)
    form.get_by_label(label("JAAF ID")).fill(jaaf_id)
    form.get_by_role("button", name="登録").click()


def roster_row(page, name):
    return page.locator("#roster-body tr", has_text=name)


@pytest.mark.parametrize("viewport", [PHONE])
def test_coach_adds_edits_imports_and_finds_athletes(page, live_server, browser_login):
    coach = factories.make_user()
    browser_login(page, coach)
    page.locator("label.nav-toggle-label").click()  # the phone menu
    page.get_by_role("link", name="選手管理").click()
    expect(page.get_by_role("heading", name="選手管理")).to_be_visible()
    page.wait_for_load_state()  # stylesheets applied before measuring the width
    assert_fits_width(page)

    page.get_by_role("button", name="＋ 選手を追加").click()
    add_athlete(
        page, "青山", "学", "あおやま", "ﾏﾅﾌﾞ", "男子", "2005-04-01", "東京都", "12345678901"
    )
    first = roster_row(page, "青山 学")
    expect(first).to_contain_text("アオヤマ マナブ")
    expect(first).to_contain_text("AOYAMA Manabu")

    # A mistake is explained in place; the form stays open with what was typed.
    add_athlete(
        page, "佐藤", "花", "さとう", "はな", "女子", "2030-01-01", "神奈川県", "12345678902"
    )
    expect(page.locator("#athlete-form-new")).to_contain_text("生年月日を確認してください")
    page.locator("#athlete-form-new").get_by_label(label("生年月日")).fill("2006-01-15")
    page.locator("#athlete-form-new").get_by_role("button", name="登録").click()
    expect(roster_row(page, "佐藤 花")).to_contain_text("神奈川")

    first.get_by_role("link", name="編集").click()
    edit = page.locator("tr.form-row", has=page.get_by_role("button", name="保存"))
    edit.get_by_label(label("名"), exact=True).fill("学人")
    edit.get_by_role("button", name="保存").click()
    expect(roster_row(page, "青山 学人")).to_be_visible()
    assert_fits_width(page)

    page.get_by_role("button", name="一括登録（Excel・CSV）").click()
    page.get_by_label(label("ファイル（.xlsx または .csv、5MB まで）")).set_input_files(
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV}
    )
    page.get_by_role("button", name="アップロードして確認").click()
    expect(page.locator(".import-counts")).to_contain_text("新規登録 1名")
    page.get_by_role("button", name="取り込む").click()

    expect(page.locator("#flash-messages")).to_contain_text("1名を登録しました。")
    for name in ("青山 学人", "佐藤 花", "北野 大地"):
        expect(roster_row(page, name)).to_be_visible()

    page.wait_for_load_state()  # htmx (deferred) listens before the first keystroke
    page.get_by_role("searchbox", name="選手を検索").fill("ｷﾀﾉ")
    expect(page.locator("#roster-body tr")).to_have_count(1)
    expect(roster_row(page, "北野 大地")).to_be_visible()
    expect(page).to_have_url(
        live_server("/my/athletes?q=%EF%BD%B7%EF%BE%80%EF%BE%89&gender=&grade=all&sort=kana&view=")
    )
