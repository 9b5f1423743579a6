"""Public site and news (issue #14): top page, meet page, notices, feeds, visibility."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from nitsys.extensions import db
from nitsys.models import MeetGuideline, Notice, NoticeCategory
from nitsys.services import news
from tests import factories

NOW = datetime.now(UTC)


def make_notice(**fields) -> Notice:
    values = {
        "title": "お知らせのタイトル",
        "body": "本文です。",
        "category": NoticeCategory.NORMAL,
        "publish_at": NOW - timedelta(hours=1),
    }
    values.update(fields)
    return factories.save(Notice(**values))


def count_queries(client, url: str) -> tuple[int, object]:
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements), response


def test_top_page_links_each_meet_and_lists_past_meets_newest_first(client):
    upcoming = factories.make_meet(name="来月の競技会")
    older = factories.make_meet(
        name="昨年の競技会", first_day=date(2025, 5, 1), last_day=date(2025, 5, 1),
        entry_opens_at=NOW - timedelta(days=400), entry_closes_at=NOW - timedelta(days=390),
    )  # fmt: skip
    newer = factories.make_meet(
        name="先月の競技会", first_day=date(2026, 6, 1), last_day=date(2026, 6, 1),
        entry_opens_at=NOW - timedelta(days=200), entry_closes_at=NOW - timedelta(days=190),
    )  # fmt: skip
    factories.make_meet(name="非公開の競技会", is_published=False)
    page = client.get("/").get_data(as_text=True)
    assert f'href="/meets/{upcoming.id}"' in page
    assert "過去の大会" in page
    assert page.index("先月の競技会") < page.index("昨年の競技会")
    assert f'href="/meets/{older.id}"' in page and f'href="/meets/{newer.id}"' in page
    assert "非公開の競技会" not in page


def test_past_meets_are_paginated(client):
    for n in range(12):
        day = date(2024, 1, 1) + timedelta(days=n)
        factories.make_meet(
            name=f"過去大会{n:02d}", first_day=day, last_day=day,
            entry_opens_at=NOW - timedelta(days=900), entry_closes_at=NOW - timedelta(days=800),
        )  # fmt: skip
    first = client.get("/").get_data(as_text=True)
    assert "過去大会11" in first and "過去大会01" not in first
    assert "さらに過去の大会" in first
    second = client.get("/?page=2").get_data(as_text=True)
    assert "過去大会01" in second and "過去大会00" in second and "過去大会11" not in second
    assert client.get("/?page=abc").status_code == 200


def test_scheduled_draft_and_expired_notices_show_nowhere(client):
    meet = factories.make_meet()
    make_notice(title="公開中のお知らせ", meet_id=meet.id, category=NoticeCategory.URGENT)
    future = make_notice(title="予約済みのお知らせ", meet_id=meet.id,
                         category=NoticeCategory.URGENT, publish_at=NOW + timedelta(hours=2))  # fmt: skip
    draft = make_notice(title="下書きのお知らせ", publish_at=None, meet_id=meet.id)
    expired = make_notice(
        title="掲載終了のお知らせ", meet_id=meet.id, category=NoticeCategory.IMPORTANT,
        publish_at=NOW - timedelta(days=3), expires_at=NOW - timedelta(days=1),
    )  # fmt: skip
    for url in ("/", f"/meets/{meet.id}", "/news", "/news.atom", "/news?category=urgent"):
        body = client.get(url).get_data(as_text=True)
        assert "予約済みのお知らせ" not in body, url
        assert "下書きのお知らせ" not in body, url
        assert "掲載終了のお知らせ" not in body, url
    assert "公開中のお知らせ" in client.get("/").get_data(as_text=True)
    assert "公開中のお知らせ" in client.get(f"/meets/{meet.id}").get_data(as_text=True)
    for hidden in (future, draft, expired):
        assert client.get(f"/news/{hidden.id}").status_code == 404


def test_banner_shows_important_and_urgent_only_with_a_dismiss_button(client):
    make_notice(title="緊急：雷雨のため中断", category=NoticeCategory.URGENT)
    make_notice(title="通常のお知らせ", category=NoticeCategory.NORMAL)
    page = client.get("/").get_data(as_text=True)
    banner = page[page.index("notice-banners") : page.index('class="hero"')]
    assert "緊急：雷雨のため中断" in banner
    assert "通常のお知らせ" not in banner
    assert "data-dismiss-notice" in banner
    assert "js/news.js" in page


def test_meet_page_shows_races_fees_places_notices_and_guideline(client, app):
    meet = factories.make_meet(name="第330回競技会", fee_per_entry=2500)
    race = factories.make_race(meet, standard_time=15 * 60 * 100, max_entries=40)
    factories.make_race(meet, distance=10000, name="男子10000m")
    make_notice(title="この大会の注意事項", meet_id=meet.id)
    make_notice(title="別の大会の話", meet_id=factories.make_meet().id)
    factories.save(MeetGuideline(meet_id=meet.id, content=b"%PDF-1.4 x", size=10, sha256="0" * 64,
                                 original_filename="要項.pdf"))  # fmt: skip
    page = client.get(f"/meets/{meet.id}").get_data(as_text=True)
    assert "第330回競技会" in page
    assert race.name in page and "15:00.00" in page and "40名" in page
    assert "¥2,500" in page
    assert "この大会の注意事項" in page and "別の大会の話" not in page
    assert f"/meets/{meet.id}/guideline.pdf" in page
    assert 'property="og:title" content="第330回競技会"' in page
    assert 'property="og:description"' in page
    pdf = client.get(f"/meets/{meet.id}/guideline.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")


def test_unpublished_or_missing_meet_is_404(client):
    hidden = factories.make_meet(is_published=False)
    assert client.get(f"/meets/{hidden.id}").status_code == 404
    assert client.get("/meets/999999").status_code == 404
    assert client.get(f"/meets/{hidden.id}/guideline.pdf").status_code == 404
    shown = factories.make_meet()
    assert client.get(f"/meets/{shown.id}/guideline.pdf").status_code == 404


def test_public_pages_stay_within_four_queries(client):
    meet = factories.make_meet()
    for distance in (1500, 3000, 5000, 10000):
        factories.make_race(meet, distance=distance, max_entries=30)
    for n in range(6):
        make_notice(title=f"お知らせ{n}", meet_id=meet.id if n % 2 else None,
                    category=list(NoticeCategory)[n % 4])  # fmt: skip
    for url in ("/", f"/meets/{meet.id}", "/news"):
        count, response = count_queries(client, url)
        assert response.status_code == 200
        assert count <= 4, (url, count)


def test_atom_feed_is_well_formed_and_escapes_bodies(client):
    import xml.etree.ElementTree as ET

    make_notice(title="<タイトル> & 記号", body="**太字** <script>alert(1)</script>")
    response = client.get("/news.atom")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = root.find("a:entry", ns)
    assert entry.find("a:title", ns).text == "【通常】<タイトル> & 記号"
    content = entry.find("a:content", ns).text
    assert "<strong>太字</strong>" in content and "<script>" not in content


def test_calendar_feed_lists_published_meets_as_all_day_events(client):
    meet = factories.make_meet(name="第340回競技会, 夏; 特別", first_day=date(2026, 7, 4),
                               last_day=date(2026, 7, 5))  # fmt: skip
    factories.make_meet(name="非公開大会", is_published=False)
    response = client.get("/meets.ics")
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:第340回競技会\\, 夏\\; 特別" in unfolded
    assert "DTSTART;VALUE=DATE:20260704" in unfolded
    assert "DTEND;VALUE=DATE:20260706" in unfolded
    assert f"UID:meet-{meet.id}@nitsys" in unfolded
    assert "非公開大会" not in unfolded
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_robots_sitemap_and_favicon(client):
    meet = factories.make_meet()
    shown = make_notice(title="公開中")
    later = make_notice(title="予約", publish_at=NOW + timedelta(days=1))
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /admin/" in robots and "Sitemap:" in robots
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"/meets/{meet.id}</loc>" in sitemap and "/news</loc>" in sitemap
    assert f"/news/{shown.id}</loc>" in sitemap and f"/news/{later.id}</loc>" not in sitemap
    assert client.get("/favicon.ico").mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)


def test_correction_links_the_notice_it_corrects(client):
    original = make_notice(title="スタートリスト（初版）")
    fix = make_notice(title="スタートリストの訂正", category=NoticeCategory.CORRECTION,
                      corrects_id=original.id)  # fmt: skip
    page = client.get(f"/news/{fix.id}").get_data(as_text=True)
    assert f'href="/news/{original.id}"' in page and "訂正するもの" in page


def test_visible_notices_is_the_one_rule(app):
    make_notice(title="now")
    make_notice(title="later", publish_at=NOW + timedelta(minutes=5))
    titles = [n.title for n in news.visible_notices(NOW)]
    assert titles == ["now"]
    assert {n.title for n in news.visible_notices(NOW + timedelta(minutes=6))} == {"now", "later"}


def test_top_page_banners_include_older_ones_beyond_the_newest_list(client):
    make_notice(title="古い緊急のお知らせ", category=NoticeCategory.URGENT,
                publish_at=NOW - timedelta(days=30))  # fmt: skip
    for n in range(10):
        make_notice(title=f"新しい通常{n}", publish_at=NOW - timedelta(hours=n + 1))
    page = client.get("/").get_data(as_text=True)
    banner = page[page.index("notice-banners") : page.index('class="hero"')]
    assert "古い緊急のお知らせ" in banner
    listing = page[page.index("home-news") :]
    assert "新しい通常0" in listing and "新しい通常7" in listing and "新しい通常8" not in listing


def test_meet_page_timetable_and_links_follow_publication(client):
    from tests.public_site_data import build_public_site

    site = build_public_site()
    upcoming = client.get(f"/meets/{site.upcoming.id}").get_data(as_text=True)
    timetable = upcoming[upcoming.index("タイムテーブル") :]
    assert "第1組" in timetable and "10:00" in timetable and "09:40" in timetable
    assert f"/meets/{site.upcoming.id}/startlist" in upcoming
    assert f"/meets/{site.upcoming.id}/results" not in upcoming  # no results yet
    past = client.get(f"/meets/{site.past.id}").get_data(as_text=True)
    assert f"/meets/{site.past.id}/results" in past
    assert f"/meets/{site.past.id}/results/{site.past_race.id}" in past


def test_meet_without_published_heats_offers_no_start_list(client):
    meet = factories.make_meet()
    factories.make_race(meet)
    page = client.get(f"/meets/{meet.id}").get_data(as_text=True)
    assert f"/meets/{meet.id}/startlist" not in page and "タイムテーブル" not in page


def test_logged_in_dashboard_shows_the_banner(client, login_as):
    make_notice(title="緊急：競技場の変更", category=NoticeCategory.URGENT)
    login_as("participant")
    page = client.get("/my/").get_data(as_text=True)
    assert "緊急：競技場の変更" in page and "data-dismiss-notice" in page


@pytest.mark.parametrize("role", ["official", "staff"])
def test_the_officials_and_staff_home_shows_the_banner(client, login_as, role):
    make_notice(title="重要：招集時刻の変更", category=NoticeCategory.IMPORTANT)
    login_as(role)
    page = client.get("/admin/").get_data(as_text=True)
    assert "重要：招集時刻の変更" in page and "data-dismiss-notice" in page
