"""Notice bodies: Markdown to safe HTML, in one place (never in a template).

markdown-it-py renders CommonMark with raw HTML turned off; nh3 (an allow-list sanitiser)
then keeps only the tags and attributes below, only http/https/mailto links, and gives every
link `rel="noopener nofollow"`. Both steps are needed: the renderer alone would still pass a
`javascript:` autolink target to a sanitiser-free template.
"""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)


def render_markdown(text: str) -> Markup:
    """Safe HTML for a notice body written in Markdown."""
    html = _renderer.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener nofollow",
        strip_comments=True,
    )
    return Markup(cleaned)  # sanitised by nh3 just above


def plain_summary(text: str, length: int = 120) -> str:
    """The first characters of the body as plain text (feeds, Open Graph descriptions)."""
    plain = nh3.clean(_renderer.render(text or ""), tags=set())
    plain = " ".join(html.unescape(plain).split())
    return plain if len(plain) <= length else plain[: length - 1] + "…"
