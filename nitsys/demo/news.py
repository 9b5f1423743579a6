"""Notices (お知らせ) of every category and the upcoming meet's 要項 PDF.

Shows a newcomer what the public site looks like: banners (重要・緊急), a correction that links
the notice it corrects, one notice scheduled for later (not visible yet) and one expired
(visible nowhere). Written through the news service, so the audit trail has them too. Draws
nothing from `rng`, so earlier steps' data are unchanged.
"""

from __future__ import annotations

import random
from datetime import timedelta
from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from nitsys.demo.context import DemoContext
from nitsys.formatting import jdate, jst
from nitsys.models import NoticeCategory
from nitsys.reports.fonts import japanese_font
from nitsys.services import news


def guideline_pdf(context: DemoContext) -> bytes:
    """A one-page 要項 for the upcoming meet (ReportLab, the app's Japanese font)."""
    meet = context.meet
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    font = japanese_font()
    pdf.setTitle(f"{meet.name} 要項")
    y = 780
    lines = [
        (16, f"{meet.name} 要項"),
        (11, f"期日：{jdate(meet.first_day)}"),
        (11, f"会場：{meet.venue}"),
        (11, f"申込期間：{jst(meet.entry_opens_at)} 〜 {jst(meet.entry_closes_at)}"),
        (11, f"参加料：1種目 {meet.fee_per_entry:,}円"),
        (11, "種目：男子・女子 5000m、10000m、3000m ほか（大会ページの種目一覧を参照）"),
        (11, "招集：各組スタートの20分前、招集所にて。"),
        (11, "※ これはデモ用の要項です。"),
    ]
    for size, text in lines:
        pdf.setFont(font, size)
        pdf.drawString(60, y, text)
        y -= size * 2.2
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def create_notices(rng: random.Random, context: DemoContext) -> None:
    now = context.now
    staff = context.staff
    meet, past = context.meet, context.past_meet

    def add(title, body, category=NoticeCategory.NORMAL, *, meet_id=None, ago=None, **extra):
        publish_at = extra.pop("publish_at", None) or (now - (ago or timedelta(days=1)))
        data = news.NoticeData(
            title=title,
            body=body,
            category=category,
            meet_id=meet_id,
            publish_at=publish_at,
            **extra,
        )
        return news.save_notice(data, by=staff)

    add(
        f"{meet.name} エントリー受付を開始しました",
        "エントリーはログイン後の「大会・エントリー」から行えます。\n\n"
        "- 参加標準記録を満たしていることを確認してください\n"
        "- 申込後、振込明細をアップロードしてください",
        meet_id=meet.id,
        ago=timedelta(days=6),
    )
    add(
        "駐車場のご案内",
        "大型バスでお越しの団体は、**事前の駐車申請**が必要です。"
        "詳しくは[日本体育大学のアクセス案内](https://www.nittai.ac.jp/access/)をご覧ください。",
        ago=timedelta(days=20),
    )
    add(
        f"{meet.name} 参加料の振込期限について",
        f"参加料の振込期限は **{jst(meet.payment_deadline)}** です。"
        "期限までに入金が確認できない申込は取り消しとなる場合があります。",
        NoticeCategory.IMPORTANT,
        meet_id=meet.id,
        ago=timedelta(days=2),
        pinned=True,
    )
    add(
        "健志台キャンパス周辺の道路工事による渋滞",
        "キャンパス北側の道路で工事が行われています。時間に余裕を持ってお越しください。",
        NoticeCategory.URGENT,
        ago=timedelta(hours=5),
        expires_at=now + timedelta(days=30),
    )
    first = add(
        f"{past.name} スタートリストを公開しました",
        "各種目のスタートリストを公開しました。大会ページからご確認ください。",
        meet_id=past.id,
        ago=timedelta(days=12),
    )
    add(
        f"{past.name} 男子5000m スタートリストの訂正",
        "男子5000m 第2組の腰ナンバーに誤りがありました。訂正版を掲載しています。",
        NoticeCategory.CORRECTION,
        meet_id=past.id,
        ago=timedelta(days=11),
        corrects_id=first.id,
    )
    add(
        f"{past.name} 雷雨による競技の一時中断",
        "雷雨のため競技を一時中断しました。再開時刻は場内放送でお知らせします。",
        NoticeCategory.URGENT,
        meet_id=past.id,
        ago=timedelta(days=10),
        expires_at=now - timedelta(days=9),  # expired: visible nowhere now
    )
    add(
        f"{meet.name} タイムテーブル（予定）を公開します",
        "番組編成が確定しだい、タイムテーブルとスタートリストを公開します。",
        meet_id=meet.id,
        publish_at=now + timedelta(days=3),  # scheduled: not visible yet
    )
    news.upload_guideline(meet, guideline_pdf(context), f"{meet.name}要項.pdf", by=staff)
