"""Files for machines: the meets calendar, robots.txt, the sitemap and the favicon."""

from flask import current_app, render_template, send_from_directory
from sqlalchemy import select

from nitsys.domain.icalendar import CalendarEvent, calendar
from nitsys.extensions import db
from nitsys.models import Meet
from nitsys.models.base import utcnow
from nitsys.public import bp
from nitsys.services import news
from nitsys.services.accounts import _external_url

ICS_TYPE = "text/calendar; charset=utf-8"
SITEMAP_NOTICES = 500


def _published_meets() -> list[Meet]:
    return list(
        db.session.scalars(
            select(Meet).where(Meet.is_published).order_by(Meet.first_day.desc(), Meet.id.desc())
        )
    )


@bp.get("/meets.ics")
def meets_calendar():
    events = [
        CalendarEvent(
            uid=f"meet-{meet.id}@nitsys",
            summary=meet.name,
            first_day=meet.first_day,
            last_day=meet.last_day,
            location=meet.venue,
            description=meet.description,
            url=_external_url("public.meet_detail", meet_id=meet.id),
            updated=meet.updated_at,
        )
        for meet in _published_meets()
    ]
    body = calendar(events, name="日体大長距離競技会", now=utcnow())
    return body, 200, {
        "Content-Type": ICS_TYPE,
        "Content-Disposition": "inline; filename=nitsys-meets.ics",
    }  # fmt: skip


@bp.get("/robots.txt")
def robots():
    body = (
        "User-agent: *\n"
        "Disallow: /admin/\n"
        "Disallow: /auth/\n"
        "Disallow: /my/\n"
        f"Sitemap: {_external_url('public.sitemap')}\n"
    )
    return body, 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/sitemap.xml")
def sitemap():
    pages = [_external_url("public.home"), _external_url("public.notices")]
    for meet in _published_meets():
        pages += [
            _external_url("public.meet_detail", meet_id=meet.id),
            _external_url("public.startlist", meet_id=meet.id),
            _external_url("public.results_index", meet_id=meet.id),
        ]
    for notice in news.visible_notices(utcnow(), limit=SITEMAP_NOTICES):
        pages.append(_external_url("public.notice_detail", notice_id=notice.id))
    body = render_template("public/sitemap.xml", pages=pages)
    return body, 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico on their own; the SVG is what we have.
    response = send_from_directory(current_app.static_folder, "favicon.svg")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
