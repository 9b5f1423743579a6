"""The Japanese font every PDF uses (SPEC §8, defect 43).

An embedded TrueType font when `PDF_FONT_PATH` (environment or app config) names one or
IPAex Gothic (`fonts-ipaexfont-gothic`) is installed; otherwise ReportLab's built-in CID
font HeiseiKakuGo-W5, which needs no file and renders in every PDF viewer.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

EMBEDDED_NAME = "NitsysGothic"
CID_FONT = "HeiseiKakuGo-W5"
SEARCH_ROOTS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
TTF_NAME = "ipaexg.ttf"


def japanese_font() -> str:
    """Register (once) and return the name of the font to draw Japanese text with."""
    return _register(_configured_path() or _installed_path())


def _configured_path() -> str:
    configured = current_app.config.get("PDF_FONT_PATH") if has_app_context() else None
    return configured or os.environ.get("PDF_FONT_PATH", "")


@cache
def _installed_path() -> str:
    for root in SEARCH_ROOTS:
        if root.is_dir():
            for path in root.rglob(TTF_NAME):
                return str(path)
    return ""


@cache
def _register(path: str) -> str:
    if path:
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED_NAME, path))
            return EMBEDDED_NAME
        except (TTFError, OSError):
            pass  # an unreadable or CFF-flavoured file: fall back to the CID font
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT
