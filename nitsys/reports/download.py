"""Download responses whose Japanese file names survive every browser (RFC 6266 / RFC 8187).

`filename*=UTF-8''…` carries the real name; `filename="…"` is an ASCII fallback for clients
that ignore the extended form (kanji dropped, accents folded, unsafe characters replaced).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

# RFC 8187 attr-char minus ALPHA / DIGIT (which quote() always keeps).
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"
_UNSAFE_IN_FALLBACK = re.compile(r"[^A-Za-z0-9!#$&+\-.^_`|~()\[\]{}=@,;]+")


def ascii_filename(filename: str, *, default_stem: str = "download") -> str:
    """An ASCII stand-in, never empty, never a path: "startlist_男子5000m.csv" → "startlist_5000m.csv"."""
    stem, dot, extension = _clean(filename).rpartition(".")
    if not dot:
        stem, extension = extension, ""
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    folded = _UNSAFE_IN_FALLBACK.sub("_", folded)
    folded = re.sub(r"_{2,}", "_", folded).strip("_.") or default_stem
    extension = _UNSAFE_IN_FALLBACK.sub("", extension)
    return f"{folded}.{extension}" if extension else folded


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The Content-Disposition value: `attachment; filename="…"[; filename*=UTF-8''…]`."""
    name = _clean(filename)
    fallback = ascii_filename(name)
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe=_ATTR_CHAR_SAFE)}"
    return value


def download_response(data: bytes, filename: str, content_type: str) -> Response:
    """A file download; `no-store` because exports carry personal data."""
    return Response(
        data,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "no-store"},
    )


def _clean(filename: str) -> str:
    """Drop directories and control characters (no header injection, no path tricks)."""
    name = re.split(r"[\\/]", filename)[-1]
    return "".join(c for c in name if unicodedata.category(c)[0] != "C").strip() or "download"
