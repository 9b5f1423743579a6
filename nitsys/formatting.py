"""Display helpers registered as Jinja filters: Tokyo time, yen."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from jinja2 import pass_context

from nitsys.domain.times import format_time

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = "月火水木金土日"


def to_tokyo(value: datetime) -> datetime:
    return value.astimezone(TOKYO)


def jst(value: datetime | None, fmt: str = "%Y/%m/%d %H:%M") -> str:
    if value is None:
        return ""
    return to_tokyo(value).strftime(fmt)


def jdate(value: date | datetime | None) -> str:
    """2026年7月29日(水)"""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_tokyo(value).date()
    return f"{value.year}年{value.month}月{value.day}日({WEEKDAYS[value.weekday()]})"


def yen(amount: int | None) -> str:
    return "" if amount is None else f"¥{amount:,}"


@pass_context
def race_time(context, hundredths: int | None, hours: bool | None = None) -> str:
    """The one way a page shows a race time: ``format_time`` with the meet's long-time setting.

    Without an explicit ``hours`` the page's ``meet`` (if any) decides, so every template showing
    a time of a meet whose setting is on prints 1:02:30.00, never 62:30.00 on one page and
    1:02:30.00 on the next.
    """
    if hours is None:
        meet = context.get("meet")
        hours = bool(getattr(meet, "hours_in_times", False))
    return format_time(hundredths, hours=hours)


def register(app) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(jst=jst, jdate=jdate, yen=yen, race_time=race_time)
