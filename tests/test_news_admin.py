"""Staff notices (issue #14): writing, preview, scheduling, broadcast once, 要項 PDF, safety."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from nitsys.domain.errors import RuleViolation
from nitsys.domain.markdown import render_markdown
from nitsys.extensions import db
from nitsys.formatting import to_tokyo
from nitsys.models import (
    AuditEvent,
    BroadcastScope,
    MeetGuideline,
    Notice,
    NoticeCategory,
    OutboxMessage,
)
from nitsys.services import news
from tests import factories

NOW = datetime.now(UTC)

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2Zy8+)",
    "<javascript:alert(1)>",
    "[x](vbscript:msgbox(1))",
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
    "<a href=https://ok.example onclick=alert(1)>x</a>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "<!-- <script>alert(1)</script> -->",
    "<form action=https://evil.example><input name=q></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '[x]("onmouseover=alert(1))',
    "<meta http-equiv=refresh content=0;url=https://evil.example>",
    "<object data=javascript:alert(1)>",
    "| a | b |\n|---|---|\n| <script>x</script> | [y](javascript:z) |",
]


def staff_notice_form(**changes) -> dict:
    values = {
        "title": "第325回 タイムテーブル変更",
        "body": "**5000m** の開始を10分遅らせます。",
        "category": "important",
        "meet_id": "",
        "publish": "now",
        "publish_at": "",
        "expires_at": "",
        "corrects_id": "",
        "broadcast_scope": "none",
        "action": "save",
    }
    values.update(changes)
    return values


class TagCollector(HTMLParser):
    """The real elements and attributes a browser would build (escaped text is not a tag)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def real_tags(html: str) -> list[tuple[str, dict]]:
    parser = TagCollector()
    parser.feed(html)
    return parser.tags


SAFE_TAGS = {"p", "br", "strong", "em", "code", "pre", "a", "ul", "ol", "li", "h2", "h3",
             "table", "thead", "tbody", "tr", "th", "td", "blockquote", "hr", "del"}  # fmt: skip


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_markdown_bodies_never_carry_script_handlers_or_dangerous_urls(payload):
    for tag, attributes in real_tags(str(render_markdown(payload))):
        assert tag in SAFE_TAGS, tag
        assert not any(name.startswith("on") for name in attributes), attributes
        assert "style" not in attributes
        for name in ("href", "src"):
            if name in attributes:
                # Absolute URLs only with a safe scheme; relative links (our own pages) are fine.
                scheme = re.match(r"\s*([a-z][a-z0-9+.-]*):", attributes[name].lower())
                assert scheme is None or scheme[1] in ("http", "https", "mailto"), attributes
        if tag == "a":
            assert attributes.get("rel") == "noopener nofollow"


def test_links_get_noopener_nofollow_and_markdown_renders():
    html = str(render_markdown("# 見出し\n\n- **重要** [要項](https://example.jp/a.pdf)"))
    assert '<a href="https://example.jp/a.pdf" rel="noopener nofollow">要項</a>' in html
    assert "<strong>重要</strong>" in html and "<li>" in html


def test_xss_body_is_shown_harmless_on_the_public_page(client):
    body = "\n\n".join(XSS_CORPUS)
    notice = factories.save(
        Notice(title="危険な本文", body=body, publish_at=NOW - timedelta(minutes=1))
    )
    page = client.get(f"/news/{notice.id}").get_data(as_text=True)
    article = page[page.index('class="notice-body"') : page.index("</article>")]
    for tag, attributes in real_tags(article):
        assert tag in SAFE_TAGS | {"div"}, tag
        assert not attributes.get("href", "https:").lower().startswith(("javascript", "data"))


def test_staff_writes_previews_and_publishes_a_notice(client, login_as):
    login_as("staff")
    preview = client.post("/admin/news/new", data=staff_notice_form(action="preview"))
    assert preview.status_code == 200
    assert "<strong>5000m</strong>" in preview.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Notice.id))) == 0  # a preview saves nothing
    saved = client.post("/admin/news/new", data=staff_notice_form())
    assert saved.status_code == 302
    notice = db.session.scalars(select(Notice)).one()
    assert notice.category is NoticeCategory.IMPORTANT and notice.publish_at is not None
    assert "第325回 タイムテーブル変更" in client.get("/").get_data(as_text=True)
    assert client.get("/admin/news").status_code == 200
    assert client.get(f"/admin/news/{notice.id}").status_code == 200


def test_edits_are_kept_in_the_audit_trail(client, login_as):
    login_as("staff")
    client.post("/admin/news/new", data=staff_notice_form())
    notice = db.session.scalars(select(Notice)).one()
    client.post(f"/admin/news/{notice.id}/edit", data=staff_notice_form(title="改訂後のタイトル"))
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "notices").order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["notice.create", "notice.update"]
    assert events[1].before["title"] == "第325回 タイムテーブル変更"
    assert events[1].after["title"] == "改訂後のタイトル"


def test_scheduled_notice_is_hidden_until_its_time(client, login_as):
    login_as("staff")
    later = to_tokyo(NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post("/admin/news/new", data=staff_notice_form(title="明日の予告", publish="schedule",
                                                          publish_at=later),
                follow_redirects=True)  # fmt: skip
    notice = db.session.scalars(select(Notice)).one()
    assert notice.publish_at > NOW
    assert "明日の予告" not in client.get("/").get_data(as_text=True)
    assert "明日の予告" not in client.get("/news.atom").get_data(as_text=True)
    assert "予約" in client.get("/admin/news").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "入力してください"),
        ({"title": "x" * 201}, "200"),
        ({"publish": "schedule", "publish_at": ""}, "公開日時を入力"),
        ({"publish_at": "2026-13-45T99:99", "publish": "schedule"}, "日時を"),
        ({"meet_id": "999999"}, "選択"),
        ({"category": "bogus"}, "選択"),
        ({"broadcast_scope": "meet"}, "大会を選んで"),
        ({"corrects_id": "12345", "category": "correction"}, "選択"),
    ],
)
def test_bad_input_gets_a_japanese_message_and_saves_nothing(client, login_as, changes, message):
    login_as("staff")
    response = client.post("/admin/news/new", data=staff_notice_form(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Notice.id))) == 0


def test_expiry_before_publication_is_refused(app):
    staff = factories.make_user("staff")
    with pytest.raises(RuleViolation, match="掲載終了"):
        news.save_notice(
            news.NoticeData(title="t", publish_at=NOW, expires_at=NOW - timedelta(hours=1)),
            by=staff,
        )


def test_participants_and_officials_cannot_manage_notices(client, login_as):
    login_as("official")
    assert client.get("/admin/news").status_code == 403
    assert client.post("/admin/news/new", data=staff_notice_form()).status_code == 403


def _meet_with_two_teams():
    meet = factories.make_meet()
    race = factories.make_race(meet)
    coaches = [factories.make_user(), factories.make_user()]
    for coach in coaches:
        factories.make_submitted_entries(coach, race)
    factories.make_user()  # a team not entered in this meet
    return meet, coaches


def test_broadcast_to_a_meet_queues_each_contact_once(app):
    meet, coaches = _meet_with_two_teams()
    staff = factories.make_user("staff")
    data = news.NoticeData(title="雷雨のため中断", body="再開は未定です。",
                           category=NoticeCategory.URGENT, meet_id=meet.id,
                           broadcast_scope=BroadcastScope.MEET)  # fmt: skip
    notice = news.save_notice(data, by=staff)
    db.session.commit()
    assert (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.dedupe_key.startswith("notice:")
            )
        )
        == 0
    )  # fmt: skip  (a draft mails no one)
    news.publish_now(notice, by=staff)
    db.session.commit()
    news.publish_now(notice, by=staff)  # a second click
    data.publish_at = notice.publish_at
    news.save_notice(data, by=staff, notice=notice)  # a re-save
    db.session.commit()
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.to_address)).all()
    mail = [m for m in mail if (m.dedupe_key or "").startswith("notice:")]
    assert sorted(m.to_address for m in mail) == sorted(c.email for c in coaches)
    assert "雷雨のため中断" in mail[0].subject and "再開は未定です。" in mail[0].body_text
    assert news.delivery_counts([notice.id])[notice.id] == {"pending": 2, "sent": 0, "failed": 0}


def test_broadcast_to_everyone_reaches_active_contacts_only(app):
    active = factories.make_user()
    inactive = factories.make_user(is_active=False)
    staff = factories.make_user("staff")
    notice = news.save_notice(
        news.NoticeData(title="全体連絡", publish_at=NOW, broadcast_scope=BroadcastScope.ALL),
        by=staff,
    )
    db.session.commit()
    addresses = {m.to_address for m in db.session.scalars(select(OutboxMessage))}
    assert active.email in addresses and active.organization.representative_email in addresses
    assert inactive.email not in addresses
    assert staff.email not in addresses
    assert notice.broadcast_at is not None


def test_staff_page_shows_mail_counts(client, login_as):
    meet, _ = _meet_with_two_teams()
    login_as("staff")
    client.post("/admin/news/new", data=staff_notice_form(meet_id=str(meet.id),
                                                          broadcast_scope="meet"))  # fmt: skip
    page = client.get("/admin/news").get_data(as_text=True)
    assert "送信待ち 2" in page


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_staff_upload_the_meet_guideline_pdf(client, login_as):
    meet = factories.make_meet()
    login_as("staff")
    from io import BytesIO

    response = client.post(
        f"/admin/meets/{meet.id}/guideline",
        data={"file": (BytesIO(PDF), "第325回要項.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    guideline = db.session.scalars(select(MeetGuideline)).one()
    assert guideline.size == len(PDF) and guideline.original_filename == "第325回要項.pdf"
    download = client.get(f"/meets/{meet.id}/guideline.pdf")
    assert download.data == PDF and download.mimetype == "application/pdf"
    assert "要項（PDF" in client.get(f"/meets/{meet.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "ファイルが空"),
        (b"MZ\x90\x00 not a pdf", "PDF ファイルではありません"),
        (b"\x00" * 10, "PDF ファイルではありません"),
    ],
)
def test_guideline_upload_refuses_what_is_not_a_pdf(client, login_as, content, message):
    from io import BytesIO

    meet = factories.make_meet()
    login_as("staff")
    response = client.post(
        f"/admin/meets/{meet.id}/guideline",
        data={"file": (BytesIO(content), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(MeetGuideline.id))) == 0


def test_guideline_size_limit(app):
    meet = factories.make_meet()
    staff = factories.make_user("staff")
    with pytest.raises(RuleViolation, match="大きすぎます"):
        news.upload_guideline(meet, b"%PDF-" + b"0" * (10 * 1024 * 1024), "big.pdf", by=staff)


def test_mail_of_a_scheduled_notice_waits_for_its_publication(app):
    meet, _ = _meet_with_two_teams()
    staff = factories.make_user("staff")
    later = NOW + timedelta(hours=6)
    news.save_notice(
        news.NoticeData(title="予約配信", meet_id=meet.id, publish_at=later,
                        broadcast_scope=BroadcastScope.MEET),
        by=staff,
    )  # fmt: skip
    db.session.commit()
    mail = db.session.scalars(select(OutboxMessage)).all()
    mail = [m for m in mail if (m.dedupe_key or "").startswith("notice:")]
    assert len(mail) == 2 and all(m.next_attempt_at == later for m in mail)


def test_withdrawing_hides_a_notice_everywhere(client, login_as):
    login_as("staff")
    client.post("/admin/news/new", data=staff_notice_form(title="取り下げるお知らせ"))
    notice = db.session.scalars(select(Notice)).one()
    assert client.get(f"/news/{notice.id}").status_code == 200
    client.post(f"/admin/news/{notice.id}/withdraw")
    assert client.get(f"/news/{notice.id}").status_code == 404
    assert "取り下げるお知らせ" not in client.get("/news").get_data(as_text=True)
    client.post(f"/admin/news/{notice.id}/publish", follow_redirects=True)
    assert client.get(f"/news/{notice.id}").status_code == 200


def test_nul_bytes_and_huge_bodies_are_handled_without_a_500(client, login_as):
    login_as("staff")
    refused = client.post(
        "/admin/news/new", data=staff_notice_form(title="中\x00断", body="a\x00b")
    )
    assert refused.status_code == 400 and "NUL" in refused.get_data(as_text=True)
    assert db.session.scalars(select(Notice)).first() is None
    huge = client.post("/admin/news/new", data=staff_notice_form(body="x" * 20_001))
    assert huge.status_code == 422 and "20000" in huge.get_data(as_text=True).replace(",", "")
    assert client.get("/admin/news/999999").status_code == 404
    assert client.post("/admin/news/999999/publish").status_code == 404
