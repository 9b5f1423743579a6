"""English for the public pages (Flask-Babel).

Only the pages foreign athletes and their staff use are translated: top, meet, start lists,
find-my-heat, results and notices. Everything else (entries, desks, back office) stays
Japanese, so their locale is always "ja". The visitor's choice is a cookie set by the
language switch; without one, `Accept-Language` decides. Message ids are the Japanese texts;
`translations/en/LC_MESSAGES/messages.po` holds the English (compiled by `make setup`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, redirect, request, url_for
from flask_babel import Babel, get_locale, gettext, refresh

from config import BASE_DIR
from nitsys import formatting

LANGUAGES = ("ja", "en")
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATED_ENDPOINTS = frozenset({
    "public.home",
    "public.meet_detail",
    "public.startlist",
    "public.startlist_race",
    "public.results_index",
    "public.results_race",
    "public.notices",
    "public.notice_detail",
})  # fmt: skip
ENGLISH_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ENGLISH_GENDERS = {"男子": "Men's", "女子": "Women's", "混合": "Mixed"}
STANDARD_RACE_NAME = re.compile(r"(NCG)?(男子|女子|混合)(\d+)m")


def N_(text: str) -> str:
    return text


# Labels that reach the public templates from enums and services (extracted via N_).
DYNAMIC_MESSAGES = (
    N_("通常"),
    N_("重要"),
    N_("訂正"),
    N_("緊急"),
    N_("非公開"),
    N_("受付前"),
    N_("受付中"),
    N_("一時停止"),
    N_("締切"),
    N_("個人"),
)


def is_translated_page() -> bool:
    return has_request_context() and request.endpoint in TRANSLATED_ENDPOINTS


def select_locale() -> str:
    if not is_translated_page():
        return "ja"
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="ja")


def current_language() -> str:
    return str(get_locale() or "ja") if has_request_context() else "ja"


def is_english() -> bool:
    return current_language() == "en"


def localized_date(value) -> str:
    """jdate in Japanese, "Sat 4 Jul 2026" on English pages."""
    if value is None or not is_english():
        return formatting.jdate(value)
    if hasattr(value, "hour"):
        value = formatting.to_tokyo(value).date()
    return f"{ENGLISH_WEEKDAYS[value.weekday()]} {value.day} {value:%b %Y}"


def runner_name(row) -> str:
    """The romaji name on English pages where the athlete has one, else the Japanese name."""
    if is_english() and getattr(row, "name_en", ""):
        return row.name_en
    return row.name


def race_label(race) -> str:
    """A race's name (a Race or its name); on English pages the standard names (男子5000m,
    NCG女子3000m) in English. Names staff made up themselves stay as typed."""
    name = race if isinstance(race, str) else race.name
    match = STANDARD_RACE_NAME.fullmatch(name) if is_english() else None
    if match is None:
        return name
    ncg, gender, distance = match.groups()
    return f"{'NCG ' if ncg else ''}{ENGLISH_GENDERS[gender]} {distance}m"


def safe_next(target: str | None) -> str:
    """A local path to go back to (never another site)."""
    if not target:
        return url_for("public.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("public.home")
    return target


def switch_language(code: str):
    response = redirect(safe_next(request.args.get("next")))
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE,
            code,
            max_age=COOKIE_MAX_AGE,
            samesite="Lax",
            httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def init(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "ja")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(BASE_DIR / "translations"))
    Babel(app, locale_selector=select_locale)
    app.add_url_rule("/lang/<code>", "set_language", switch_language)
    app.jinja_env.filters.update(
        jdate=localized_date, runner_name=runner_name, race_label=race_label
    )
    app.jinja_env.globals.update(
        is_translated_page=is_translated_page, current_language=current_language
    )

    @app.template_filter("t")
    def translate_label(text: str) -> str:
        """A label from an enum or a service (in DYNAMIC_MESSAGES), translated."""
        return gettext(text) if text else text

    # Flask-Babel caches the locale in the app context; a request reusing an outer one (tests,
    # CLI) must not inherit the previous request's language.
    app.before_request_funcs.setdefault(None, []).insert(0, refresh)

    @app.after_request
    def vary_on_language(response):
        if is_translated_page():
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response
