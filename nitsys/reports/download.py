"""Download responses whose Japanese file names survive every browser (RFC 6266 / RFC 8187).

`filename*=UTF-8''…` carries the real name; `filename="…"` is an ASCII fallback for clients
that ignore the extended form (kanji dropped, accents folded, unsafe characters replaced).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote

from flask import Response

# RFC 8187 attr-char minus ALPHA / DIGIT (which quote() always keeps).
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"
_UNSAFE_IN_FALLBACK = re.compile(r"[^A-Za-z0-9!#$&+\-.^_`|~()\[\]{}=@,;]+")


# Words of our file names in ASCII, so fallbacks stay meaningful: 男子5000m → M5000m (as in race
# codes), 点呼表 → roll_call, 第325回 → 325th. Longest first.
_GLOSSARY = (
    ("日本体育大学長距離競技会", "_NSSU_distance_meet_"),
    ("選手一括登録テンプレート", "_athlete_template_"),
    ("緊急用全データ", "_emergency_"),
    ("申込確認書", "_confirmation_"),
    ("入金一覧", "_payments_"),
    ("選手一覧", "_athletes_"),
    ("記録用紙", "_result_sheets_"),
    ("プログラム", "_programme_"),
    ("全データ", "_all_data_"),
    ("点呼表", "_roll_call_"),
    ("領収書", "_receipt_"),
    ("スタートリスト", "_startlist_"),
    ("男子", "M"),
    ("女子", "F"),
    ("混合", "X"),
    ("結果", "_results_"),
)
_ORDINAL = re.compile(r"第(\d+)回")


def ascii_filename(filename: str, *, default_stem: str = "download") -> str:
    """An ASCII stand-in, never empty, never a path: "startlist_男子5000m.csv" →
    "startlist_M5000m.csv". Known words are translated; when other characters had to be
    dropped, a short hash of the real name keeps two fallbacks from colliding."""
    stem, dot, extension = _clean(filename).rpartition(".")
    if not dot:
        stem, extension = extension, ""
    translated = _ORDINAL.sub(r"_\1th_", stem)
    for word, ascii_word in _GLOSSARY:
        translated = translated.replace(word, ascii_word)
    decomposed = unicodedata.normalize("NFKD", translated)
    folded = decomposed.encode("ascii", "ignore").decode()
    # Accents fold away harmlessly (é → e); anything else dropped makes the name ambiguous.
    lost = any(not c.isascii() and unicodedata.category(c) != "Mn" for c in decomposed)
    folded = _UNSAFE_IN_FALLBACK.sub("_", folded)
    folded = re.sub(r"_{2,}", "_", folded).strip("_.")
    if lost:
        digest = hashlib.sha1(stem.encode()).hexdigest()[:6]
        folded = f"{folded}_{digest}" if folded else f"{default_stem}_{digest}"
    folded = folded or default_stem
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
