"""Staff: notices (お知らせ) — write, preview, schedule, publish with mail; the meet's 要項 PDF.

Every rule lives in `nitsys.services.news`; this module parses the form and renders.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from nitsys.admin import bp
from nitsys.admin.meet_forms import JapanDateTimeField, attach_error, japan_time, optional_id
from nitsys.admin.meets import meet_detail
from nitsys.domain.errors import RuleViolation
from nitsys.domain.markdown import render_markdown
from nitsys.extensions import db
from nitsys.models import BroadcastScope, Meet, Notice, NoticeCategory, Role
from nitsys.models.base import utcnow
from nitsys.security import role_required
from nitsys.services import news
from nitsys.usecases import run_as_current_user

FAILED = 422
PUBLISH_CHOICES = [
    ("draft", "下書き（公開しない）"),
    ("now", "すぐに公開"),
    ("schedule", "日時を指定して公開（予約）"),
]


class ChoiceField(SelectField):
    """A select whose refusals are in Japanese (a forged or stale value, a non-number id)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("一覧から選択してください。") from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("一覧から選択してください。") from None


class NoticeForm(FlaskForm):
    title = StringField(
        "タイトル", validators=[InputRequired("入力してください。"), Length(max=200)]
    )
    body = TextAreaField("本文（Markdown）", validators=[Optional(), Length(max=news.MAX_BODY)])
    category = ChoiceField("区分", choices=NoticeCategory.choices(), default="normal")
    meet_id = ChoiceField("大会", coerce=optional_id, validate_choice=True)
    publish = ChoiceField("公開", choices=PUBLISH_CHOICES, default="draft")
    publish_at = JapanDateTimeField("公開日時（予約のとき）", [Optional()])
    expires_at = JapanDateTimeField("掲載終了（任意）", [Optional()])
    pinned = BooleanField("一覧の先頭に固定する")
    corrects_id = ChoiceField("訂正元のお知らせ（区分が訂正のとき）", coerce=optional_id)
    broadcast_scope = ChoiceField(
        "公開時にメールで送る", choices=BroadcastScope.choices(), default="none"
    )

    def data_for_service(self, notice: Notice | None) -> news.NoticeData:
        mode = self.publish.data
        if mode == "now":
            keep = notice is not None and notice.publish_at and notice.publish_at <= utcnow()
            publish_at = notice.publish_at if keep else utcnow()
        elif mode == "schedule":
            if self.publish_at.aware is None:
                raise RuleViolation(
                    "予約するときは公開日時を入力してください。", field="publish_at"
                )
            publish_at = self.publish_at.aware
        else:
            publish_at = None
        return news.NoticeData(
            title=self.title.data or "",
            body=self.body.data or "",
            category=NoticeCategory(self.category.data),
            meet_id=self.meet_id.data,
            publish_at=publish_at,
            expires_at=self.expires_at.aware,
            pinned=bool(self.pinned.data),
            corrects_id=self.corrects_id.data,
            broadcast_scope=BroadcastScope(self.broadcast_scope.data),
        )


def _form(notice: Notice | None) -> NoticeForm:
    data = {}
    if notice is not None:
        now = utcnow()
        mode = (
            "draft"
            if notice.publish_at is None
            else ("schedule" if notice.publish_at > now else "now")
        )
        data = {
            "title": notice.title,
            "body": notice.body,
            "category": notice.category.value,
            "meet_id": notice.meet_id,
            "publish": mode,
            "publish_at": japan_time(notice.publish_at),
            "expires_at": japan_time(notice.expires_at),
            "pinned": notice.pinned,
            "corrects_id": notice.corrects_id,
            "broadcast_scope": notice.broadcast_scope.value,
        }
    elif request.args.get("meet", "").isdigit():
        data = {"meet_id": int(request.args["meet"])}
    form = NoticeForm(data=data)
    meets = db.session.execute(
        select(Meet.id, Meet.name).order_by(Meet.first_day.desc(), Meet.id.desc())
    ).all()
    form.meet_id.choices = [(None, "（大会を指定しない）")] + [(m.id, m.name) for m in meets]
    others = db.session.execute(
        select(Notice.id, Notice.title).order_by(Notice.id.desc()).limit(100)
    ).all()
    form.corrects_id.choices = [(None, "（なし）")] + [
        (n.id, f"#{n.id} {n.title}") for n in others if notice is None or n.id != notice.id
    ]
    return form


def _notice_or_404(notice_id: int) -> Notice:
    return db.session.get(Notice, notice_id) or abort(404)


@bp.get("/news")
@role_required(Role.STAFF)
def news_list():
    notices = news.staff_list()
    counts = news.delivery_counts([n.id for n in notices if n.broadcast_scope.value != "none"])
    now = utcnow()
    rows = [(n, news.status_of(n, now), counts.get(n.id)) for n in notices]
    return render_template("admin/news/list.html", rows=rows)


def _save(notice: Notice | None):
    form = _form(notice)
    preview = None
    if form.validate_on_submit():
        try:
            data = form.data_for_service(notice)
        except RuleViolation as error:
            attach_error(form, error)
        else:
            if request.form.get("action") == "preview":
                preview = render_markdown(data.body)
            else:
                saved, error = run_as_current_user(news.save_notice, data, notice=notice)
                if error is None:
                    flash(f"お知らせ「{saved.title}」を保存しました。", "success")
                    return redirect(url_for("admin.news_detail", notice_id=saved.id))
                attach_error(form, error)
    status = FAILED if request.method == "POST" and preview is None else 200
    return render_template(
        "admin/news/form.html", form=form, notice=notice, preview=preview
    ), status


@bp.route("/news/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def news_new():
    return _save(None)


@bp.route("/news/<int:notice_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def news_edit(notice_id: int):
    return _save(_notice_or_404(notice_id))


@bp.get("/news/<int:notice_id>")
@role_required(Role.STAFF)
def news_detail(notice_id: int):
    notice = _notice_or_404(notice_id)
    counts = news.delivery_counts([notice.id]).get(notice.id)
    return render_template(
        "admin/news/detail.html",
        notice=notice,
        status=news.status_of(notice, utcnow()),
        counts=counts,
        recipients=len(news.recipients(notice)),
    )


@bp.post("/news/<int:notice_id>/publish")
@role_required(Role.STAFF)
def news_publish(notice_id: int):
    notice = _notice_or_404(notice_id)
    _, error = run_as_current_user(news.publish_now, notice)
    flash(error.message if error else "公開しました。", "error" if error else "success")
    return redirect(url_for("admin.news_detail", notice_id=notice_id))


@bp.post("/news/<int:notice_id>/withdraw")
@role_required(Role.STAFF)
def news_withdraw(notice_id: int):
    notice = _notice_or_404(notice_id)
    _, error = run_as_current_user(news.withdraw, notice)
    flash(
        error.message if error else "非公開（下書き）に戻しました。",
        "error" if error else "success",
    )
    return redirect(url_for("admin.news_detail", notice_id=notice_id))


# --- the meet's 要項 PDF ------------------------------------------------------------------------


@bp.post("/meets/<int:meet_id>/guideline")
@role_required(Role.STAFF)
def meet_guideline_upload(meet_id: int):
    meet = db.session.get(Meet, meet_id) or abort(404)
    upload = request.files.get("file")
    content = upload.read() if upload else b""
    filename = upload.filename if upload else ""
    _, error = run_as_current_user(news.upload_guideline, meet, content, filename or "")
    if error is not None:
        flash(error.message, "error")
        return meet_detail(meet.id), FAILED
    flash("要項 PDF を登録しました。大会ページからダウンロードできます。", "success")
    return redirect(url_for("admin.meet_detail", meet_id=meet.id, _anchor="guideline"))


@bp.post("/meets/<int:meet_id>/guideline/delete")
@role_required(Role.STAFF)
def meet_guideline_delete(meet_id: int):
    meet = db.session.get(Meet, meet_id) or abort(404)
    run_as_current_user(news.remove_guideline, meet)
    flash("要項 PDF を削除しました。", "success")
    return redirect(url_for("admin.meet_detail", meet_id=meet.id, _anchor="guideline"))


@bp.app_template_global("meet_guideline_info")
def meet_guideline_info(meet_id: int):
    """The meet's 要項 (size, name, upload time) for the meet admin page, or None."""
    return news.guideline_info(meet_id)
