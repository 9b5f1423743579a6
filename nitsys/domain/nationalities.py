"""The one nationality list (IOC codes with Japanese names) used by forms, imports and exports."""

from __future__ import annotations

import unicodedata

DEFAULT = "JPN"
NATIONALITIES: dict[str, str] = {
    "JPN": "日本",
    "KEN": "ケニア",
    "ETH": "エチオピア",
    "UGA": "ウガンダ",
    "TAN": "タンザニア",
    "MAR": "モロッコ",
    "ERI": "エリトリア",
    "BDI": "ブルンジ",
    "RWA": "ルワンダ",
    "ZIM": "ジンバブエ",
    "RSA": "南アフリカ",
    "KOR": "韓国",
    "PRK": "北朝鮮",
    "CHN": "中国",
    "TPE": "チャイニーズタイペイ",
    "MGL": "モンゴル",
    "PHI": "フィリピン",
    "VIE": "ベトナム",
    "THA": "タイ",
    "INA": "インドネシア",
    "NEP": "ネパール",
    "IND": "インド",
    "USA": "アメリカ",
    "CAN": "カナダ",
    "BRA": "ブラジル",
    "GBR": "イギリス",
    "FRA": "フランス",
    "GER": "ドイツ",
    "AUS": "オーストラリア",
    "NZL": "ニュージーランド",
}
_ALIASES = {
    "日本国": "JPN",
    "アメリカ合衆国": "USA",
    "米国": "USA",
    "英国": "GBR",
    "大韓民国": "KOR",
    "中華人民共和国": "CHN",
    "台湾": "TPE",
}
_BY_NAME = {name: code for code, name in NATIONALITIES.items()} | _ALIASES


def parse_nationality(value: str) -> str | None:
    """Code for a code or Japanese name from the list; blank means JPN; None if unknown."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return DEFAULT
    if text.upper() in NATIONALITIES:
        return text.upper()
    return _BY_NAME.get(text)


def label(code: str) -> str:
    return NATIONALITIES.get(code, code)


def choices() -> list[tuple[str, str]]:
    return [(code, f"{name}（{code}）") for code, name in NATIONALITIES.items()]
