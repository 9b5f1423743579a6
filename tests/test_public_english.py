"""English public pages (issue #14): chosen by a visible switch (a cookie), defaulting from
Accept-Language; no Japanese UI text left (names, teams and other data excepted)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from tests.public_site_data import build_public_site

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]+")
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


CATALOG = Path(__file__).resolve().parents[1] / "translations/en/LC_MESSAGES/messages.mo"


@pytest.fixture
def site(app):
    assert CATALOG.exists(), "the English catalog is not compiled: run `make setup` (or catalogs)"
    return build_public_site()


def public_urls(site) -> list[str]:
    up, past = site.upcoming, site.past
    return [
        "/",
        f"/meets/{up.id}",
        f"/meets/{past.id}",
        f"/meets/{up.id}/startlist",
        f"/meets/{up.id}/startlist?q={site.runner_kanji.split()[0]}",
        f"/meets/{up.id}/startlist/{site.upcoming_race.id}",
        f"/meets/{past.id}/results",
        f"/meets/{past.id}/results/{site.past_race.id}",
        "/news",
    ]


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<ul class="lang-switch">.*?</ul>', " ", html, flags=re.S)  # "日本語" link
    html = re.sub(r"<[^>]+>", " ", html)
    return html


def japanese_ui_text(html: str, data: list[str]) -> list[str]:
    text = visible_text(html)
    for value in data:  # names, teams, meets, venue, notices: data, not UI
        text = text.replace(value, " ")
    return JAPANESE.findall(text)


def test_english_public_pages_contain_no_japanese_ui_text(client, site):
    for url in public_urls(site):
        response = client.get(url, headers=ENGLISH)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert '<html lang="en"' in html, url
        assert japanese_ui_text(html, site.data_strings) == [], url


def test_the_check_catches_an_untranslated_label(client, site):
    html = client.get("/", headers=ENGLISH).get_data(as_text=True)
    assert japanese_ui_text(html.replace("Upcoming meets", "開催予定の大会"), site.data_strings)


def test_notice_page_in_english(client, site):
    html = client.get("/news", headers=ENGLISH).get_data(as_text=True)
    notice_id = re.search(r'href="/news/(\d+)"', html)[1]
    page = client.get(f"/news/{notice_id}", headers=ENGLISH).get_data(as_text=True)
    assert japanese_ui_text(page, site.data_strings) == []


def test_romaji_names_on_english_pages_and_kanji_on_japanese_ones(client, site):
    url = f"/meets/{site.upcoming.id}/startlist/{site.upcoming_race.id}"
    english = unescape(client.get(url, headers=ENGLISH).get_data(as_text=True))
    assert site.runner_romaji in english and site.runner_kanji not in english
    assert "Men's 5000m" in english and "Heat 1" in english
    japanese = client.get(url, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert site.runner_kanji in japanese and "第1組" in japanese


def test_default_follows_accept_language_and_japanese_without_one(client, site):
    assert "開催予定の大会" in client.get("/").get_data(as_text=True)
    assert "Upcoming meets" in client.get("/", headers=ENGLISH).get_data(as_text=True)
    assert "開催予定の大会" in client.get("/", headers={"Accept-Language": "ja,en;q=0.5"}).text


def test_the_switch_is_visible_and_remembered(client, site):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/lang/en?next=/"' in home and ">English<" in home
    meet_url = f"/meets/{site.upcoming.id}"
    switched = client.get(f"/lang/en?next={meet_url}")
    assert switched.status_code == 302 and switched.headers["Location"].endswith(meet_url)
    assert "lang=en" in switched.headers["Set-Cookie"]
    # Remembered: even a Japanese browser now gets English, until switched back.
    page = client.get(meet_url, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "Entry fee" in page and ">日本語<" in page
    client.get("/lang/ja?next=/")
    assert "開催予定の大会" in client.get("/", headers=ENGLISH).get_data(as_text=True)


def test_switch_never_redirects_to_another_site(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get("/lang/en", query_string={"next": target})
        assert response.headers["Location"] in ("/", "http://localhost/")


def test_back_office_pages_stay_japanese(client, login_as):
    login_as("staff")
    client.set_cookie("lang", "en")
    page = client.get("/admin/news").get_data(as_text=True)
    assert "お知らせ管理" in page and '<html lang="ja"' in page
    assert "lang-switch" not in page
