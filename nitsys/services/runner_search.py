"""How the desks find a runner from what was typed into one search box: a bib, a name in kanji,
kana (any width, hiragana too) or romaji, or a team. Used by the check-in desk, the public "find
my heat" search and the trouble desk, so a name typed at one desk finds the same runner at the
others.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import ColumnElement, func, or_

from nitsys.domain.kana import is_katakana_name, to_katakana
from nitsys.models import Athlete, Organization

# Bibs fit a database integer with room to spare; a longer number is not a bib (and comparing
# it with one would overflow the column type).
MAX_BIB_DIGITS = 9


def cleaned(text: str | None) -> str:
    """What was typed, in one width (full-width digits and letters become ASCII), trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def typed_bib(text: str) -> int | None:
    """The bib in `cleaned` text, or None when the text cannot be one."""
    return int(text) if text.isdecimal() and len(text) <= MAX_BIB_DIGITS else None


def name_terms(text: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(the athlete's name matches, it matches exactly — for ranking) for `cleaned` text.

    Only the columns the typed script can match are compared (latin: name and romaji; kana:
    name and kana; anything else: name), which keeps the scan of every runner cheap. Kana and
    romaji match from the start of the family name, the given name or the whole name, never
    inside a word: 「やまだ」 finds 山田, not 小山田 or a team read コオリヤマダイガク."""
    compact = "".join(text.split())
    full_name = Athlete.last_name + Athlete.first_name
    names, exact = [full_name.contains(compact, autoescape=True)], [full_name == compact]
    kana = to_katakana(compact)
    if compact.isascii():
        latin = compact.lower()
        romaji = func.lower(Athlete.last_name_en + Athlete.first_name_en)
        given_first = func.lower(Athlete.first_name_en + Athlete.last_name_en)
        names += [
            romaji.startswith(latin, autoescape=True),
            given_first.startswith(latin, autoescape=True),
        ]
        exact += [romaji == latin, given_first == latin]
    elif is_katakana_name(kana):
        full_kana = Athlete.last_name_kana + Athlete.first_name_kana
        names += [
            full_kana.startswith(kana, autoescape=True),
            Athlete.first_name_kana.startswith(kana, autoescape=True),
        ]
        exact.append(full_kana == kana)
    return or_(*names), or_(*exact)


def team_match(text: str) -> ColumnElement[bool]:
    """The team's name or short name contains `cleaned` text, or its kana starts with it."""
    return or_(
        Organization.name.contains(text, autoescape=True),
        Organization.short_name.contains(text, autoescape=True),
        Organization.name_kana.startswith(to_katakana("".join(text.split())), autoescape=True),
    )
