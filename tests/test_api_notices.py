"""Public API: notices (お知らせ) through the news service's one visibility rule — scheduled,
expired and withdrawn notices nowhere, a meet filter, 304 revalidation, nothing personal."""

from __future__ import annotations

from datetime import timedelta

from nitsys.extensions import db
from nitsys.models import NoticeCategory
from nitsys.services import news
from tests import factories
from tests.test_api_public import PERSONAL, _property_names
from tests.test_news_public import NOW, make_notice


def test_only_visible_notices_are_listed_and_shown(client):
    meet = factories.make_meet()
    shown = make_notice(title="公開中", meet_id=meet.id, body="**太字** <script>x()</script>")
    scheduled = make_notice(title="予約済み", publish_at=NOW + timedelta(days=1))
    expired = make_notice(
        title="期限切れ", publish_at=NOW - timedelta(days=2), expires_at=NOW - timedelta(days=1)
    )
    withdrawn = make_notice(title="取り下げ")
    news.withdraw(withdrawn, by=factories.make_user("staff"))
    db.session.commit()

    listed = client.get("/api/v1/notices").get_json()
    assert [n["title"] for n in listed] == ["公開中"]
    detail = client.get(f"/api/v1/notices/{shown.id}").get_json()
    assert detail["meet_id"] == meet.id and detail["category"] == "normal"
    assert detail["body_markdown"].startswith("**太字**")
    assert "<strong>太字</strong>" in detail["body_html"]
    assert "<script" not in detail["body_html"]
    for hidden in (scheduled, expired, withdrawn):
        response = client.get(f"/api/v1/notices/{hidden.id}")
        assert response.status_code == 404, hidden.title
        assert response.mimetype == "application/problem+json"
    assert client.get("/api/v1/notices/2147483647").status_code == 404


def test_meet_and_category_filters_and_bounded_paging(client):
    meet = factories.make_meet()
    other = factories.make_meet()
    original = make_notice(title="この大会", meet_id=meet.id, publish_at=NOW - timedelta(hours=3))
    fix = make_notice(
        title="訂正", meet_id=meet.id, category=NoticeCategory.CORRECTION, corrects_id=original.id
    )
    make_notice(title="別の大会", meet_id=other.id)
    make_notice(title="全体", pinned=True)

    by_meet = client.get(f"/api/v1/notices?meet_id={meet.id}").get_json()
    assert [n["title"] for n in by_meet] == ["訂正", "この大会"]
    corrections = client.get("/api/v1/notices?category=correction").get_json()
    assert [(n["id"], n["corrects"]) for n in corrections] == [(fix.id, original.id)]
    first = client.get("/api/v1/notices?per_page=1").get_json()
    assert [n["title"] for n in first] == ["全体"] and first[0]["pinned"] is True
    second = client.get("/api/v1/notices?per_page=1&page=2").get_json()
    assert [n["title"] for n in second] == ["別の大会"]
    for bad in ("per_page=101", "page=0", "category=secret", "meet_id=abc"):
        assert client.get(f"/api/v1/notices?{bad}").status_code == 422, bad


def test_notices_revalidate_with_304_until_they_change(client):
    notice = make_notice(title="初版")
    for url in ("/api/v1/notices", f"/api/v1/notices/{notice.id}"):
        first = client.get(url, headers={"Origin": "https://example.ac.jp"})
        assert first.headers["Access-Control-Allow-Origin"] == "*"
        etag = first.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    notice.title = "改訂版"
    db.session.commit()
    changed = client.get(f"/api/v1/notices/{notice.id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["title"] == "改訂版"


def test_notice_schemas_and_answers_hold_no_personal_field(client):
    document = client.get("/api/v1/openapi.json").get_json()
    components = document["components"]["schemas"]
    for path in ("/api/v1/notices", "/api/v1/notices/{notice_id}"):
        operation = document["paths"][path]["get"]
        assert not operation["security"], path
        names = _property_names(operation["responses"], components)
        assert {"title", "body_html"} <= names
        assert not {n for n in names if any(word in n.lower() for word in PERSONAL)}, path
    author = factories.make_user("staff")
    make_notice(created_by_id=author.id, updated_by_id=author.id)
    text = client.get("/api/v1/notices").get_data(as_text=True)
    assert author.email not in text and "created_by" not in text
