"""Public pages: the top page and a meet's page (SPEC §9)."""

from io import BytesIO

from flask import abort, render_template, request, send_file
from markupsafe import Markup

from nitsys.domain.markdown import render_markdown
from nitsys.models.base import utcnow
from nitsys.public import bp
from nitsys.public.startlists import published_meet
from nitsys.services import news, public_site


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 1000))
    except ValueError:
        return 1


@bp.get("/")
def home():
    page = public_site.home_page(utcnow(), _page_number())
    return render_template("public/home.html", page=page, upcoming=page.upcoming)


@bp.get("/meets/<int:meet_id>")
def meet_detail(meet_id: int):
    page = public_site.meet_page(meet_id, utcnow())
    if page is None:
        abort(404)
    return render_template("public/meet.html", page=page, meet=page.meet)


@bp.get("/meets/<int:meet_id>/guideline.pdf")
def meet_guideline(meet_id: int):
    meet = published_meet(meet_id)
    guideline = news.guideline_info(meet.id)
    if guideline is None:
        abort(404)
    response = send_file(
        BytesIO(guideline.content),
        mimetype="application/pdf",
        download_name=guideline.original_filename or f"youkou-{meet.id}.pdf",
        etag=guideline.sha256,
        max_age=300,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.app_template_global("notice_banners")
def notice_banners() -> list:
    """重要・緊急 notices visible now, for the banner on pages whose view did not load them."""
    return news.visible_notices(utcnow(), banners_only=True, limit=5)


@bp.app_template_filter("notice_html")
def notice_html(notice) -> Markup:
    """A notice body as safe HTML (the one Markdown helper; never rendered in a template)."""
    return render_markdown(notice.body)


@bp.app_template_filter("notice_summary")
def notice_summary(notice, length: int = 120) -> str:
    return news.summary(notice, length)
