"""HTMX conventions (DESIGN.md): one URL answers the page or its fragment, toasts by header."""

from __future__ import annotations

import json

from flask import render_template, request


def is_htmx() -> bool:
    """An htmx swap; history restores (Back after hx-push-url) and boosts get full pages."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and not headers.get("HX-Boosted")
        and not headers.get("HX-History-Restore-Request")
    )


def render_page_or_fragment(page: str, fragment: str, **context) -> str:
    """The full page for a normal request, the fragment for an HTMX request."""
    return render_template(fragment if is_htmx() else page, **context)


def trigger(*events: str, toast: str | None = None, level: str = "success") -> dict[str, str]:
    """An `HX-Trigger` header: named events (counters refresh) and an optional toast."""
    payload: dict = dict.fromkeys(events, True)
    if toast:
        payload["toast"] = {"message": toast, "level": level}
    # ASCII escapes: header values must be Latin-1; htmx decodes them with JSON.parse.
    return {"HX-Trigger": json.dumps(payload)}
