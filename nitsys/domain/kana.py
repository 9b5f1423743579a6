"""Kana for names: full-width katakana without spaces, and a Hepburn romaji suggestion."""

from __future__ import annotations

import re
import unicodedata

KATAKANA_NAME = re.compile(r"^[ァ-ヶー]+$")
_HIRAGANA_START, _HIRAGANA_END = 0x3041, 0x3096
_TO_KATAKANA = 0x60

_DIGRAPHS = {
    "キャ": "kya",
    "キュ": "kyu",
    "キョ": "kyo",
    "シャ": "sha",
    "シュ": "shu",
    "ショ": "sho",
    "シェ": "she",
    "チャ": "cha",
    "チュ": "chu",
    "チョ": "cho",
    "チェ": "che",
    "ニャ": "nya",
    "ニュ": "nyu",
    "ニョ": "nyo",
    "ヒャ": "hya",
    "ヒュ": "hyu",
    "ヒョ": "hyo",
    "ミャ": "mya",
    "ミュ": "myu",
    "ミョ": "myo",
    "リャ": "rya",
    "リュ": "ryu",
    "リョ": "ryo",
    "ギャ": "gya",
    "ギュ": "gyu",
    "ギョ": "gyo",
    "ジャ": "ja",
    "ジュ": "ju",
    "ジョ": "jo",
    "ジェ": "je",
    "ヂャ": "ja",
    "ヂュ": "ju",
    "ヂョ": "jo",
    "ビャ": "bya",
    "ビュ": "byu",
    "ビョ": "byo",
    "ピャ": "pya",
    "ピュ": "pyu",
    "ピョ": "pyo",
    "ファ": "fa",
    "フィ": "fi",
    "フェ": "fe",
    "フォ": "fo",
    "ティ": "ti",
    "ディ": "di",
    "デュ": "dyu",
    "ウィ": "wi",
    "ウェ": "we",
    "ウォ": "wo",
    "ヴァ": "va",
    "ヴィ": "vi",
    "ヴェ": "ve",
    "ヴォ": "vo",
    "ツァ": "tsa",
}
_KANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨ"
    "ラリルレロワヰヱヲガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォャュョヮ"
)
_ROMAJI = (
    "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho "
    "ma mi mu me mo ya yu yo ra ri ru re ro wa i e o ga gi gu ge go za ji zu ze zo da ji zu "
    "de do ba bi bu be bo pa pi pu pe po vu a i u e o ya yu yo wa"
)
_MONOGRAPHS = dict(zip(_KANA, _ROMAJI.split(), strict=True))
# Passport Hepburn drops long vowels: サトウ → SATO, ユウキ → YUKI, オオノ → ONO.
_LONG_VOWEL = re.compile(r"(?<=o)[ou](?![aeiou])|(?<=u)u(?![aeiou])")
_N_BEFORE_LABIAL = re.compile(r"n(?=[bmp])")


def to_katakana(text: str) -> str:
    """Half-width katakana and hiragana to full-width katakana; spaces removed."""
    text = unicodedata.normalize("NFKC", text or "")
    chars = (
        chr(ord(c) + _TO_KATAKANA) if _HIRAGANA_START <= ord(c) <= _HIRAGANA_END else c
        for c in text
    )
    return "".join(c for c in chars if not c.isspace())


def is_katakana_name(text: str) -> bool:
    return bool(KATAKANA_NAME.match(text))


def kana_to_romaji(kana: str) -> str:
    """Lower-case passport-style Hepburn (ン before b/m/p is m, small ッ doubles)."""
    kana = to_katakana(kana)
    out: list[str] = []
    double_next = False
    i = 0
    while i < len(kana):
        pair = kana[i : i + 2]
        if pair in _DIGRAPHS:
            syllable, i = _DIGRAPHS[pair], i + 2
        else:
            char, i = kana[i], i + 1
            if char == "ッ":
                double_next = True
                continue
            if char == "ン":
                out.append("n")
                continue
            syllable = _MONOGRAPHS.get(char, "")
        if double_next and syllable:
            syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
            double_next = False
        out.append(syllable)
    romaji = _LONG_VOWEL.sub("", "".join(out))
    return _N_BEFORE_LABIAL.sub("m", romaji)


def surname_romaji(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().upper()


def given_name_romaji(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip()
    return text[:1].upper() + text[1:].lower()


def suggest_romaji(last_kana: str, first_kana: str) -> tuple[str, str]:
    """("SATO", "Yuki") from ("サトウ", "ユウキ")."""
    return surname_romaji(kana_to_romaji(last_kana)), given_name_romaji(kana_to_romaji(first_kana))
