"""Public news (お知らせ): the list, one notice, and the Atom feed (SPEC §9)."""

from flask import abort, render_template, request

from nitsys.domain.errors import NotFound
from nitsys.models import NoticeCategory
from nitsys.models.base import utcnow
from nitsys.public import bp
from nitsys.public.views import _page_number
from nitsys.services import news

PER_PAGE = 20
FEED_SIZE = 30


@bp.get("/news")
def notices():
    page = _page_number()
    try:
        category = NoticeCategory(request.args.get("category", "")) or None
    except ValueError:
        category = None
    rows = news.visible_notices(
        utcnow(), category=category, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE
    )
    return render_template(
        "public/news/list.html",
        notices=rows[:PER_PAGE],
        page=page,
        has_next=len(rows) > PER_PAGE,
        category=category,
        categories=list(NoticeCategory),
    )


@bp.get("/news/<int:notice_id>")
def notice_detail(notice_id: int):
    try:
        notice = news.visible_notice(notice_id, utcnow())
    except NotFound:
        abort(404)
    return render_template("public/news/detail.html", notice=notice, now=utcnow())


@bp.get("/news.atom")
def news_feed():
    now = utcnow()
    rows = news.visible_notices(now, limit=FEED_SIZE)
    updated = max((max(n.updated_at, n.publish_at) for n in rows), default=now)
    body = render_template("public/news/feed_atom.xml", notices=rows, updated=updated)
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}
