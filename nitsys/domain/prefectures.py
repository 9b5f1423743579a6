"""The 47 prefectures with their JIS X 0401 codes; 東京, 東京都 and 13 all mean 東京都."""

from __future__ import annotations

import unicodedata

_NAMES = (
    "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 "
    "東京都 神奈川県 新潟県 富山県 石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 "
    "滋賀県 京都府 大阪府 兵庫県 奈良県 和歌山県 鳥取県 島根県 岡山県 広島県 山口県 徳島県 "
    "香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 熊本県 大分県 宮崎県 鹿児島県 沖縄県"
)
PREFECTURES: dict[str, str] = {
    f"{number:02d}": name for number, name in enumerate(_NAMES.split(), start=1)
}


def short_name(code: str) -> str:
    """The association name as written on entries: 東京, 京都, 北海道 (empty if unknown)."""
    name = PREFECTURES.get(code, "")
    return name if name == "北海道" else name[:-1]


_BY_NAME = {name: code for code, name in PREFECTURES.items()} | {
    short_name(code): code for code in PREFECTURES
}


def parse_prefecture(value: str) -> str | None:
    """JIS code for a name with or without 都/府/県, or for a code 1–47; None if unknown."""
    text = unicodedata.normalize("NFKC", value or "").strip().replace(" ", "")
    if text.isdigit():
        code = f"{int(text):02d}"
        return code if code in PREFECTURES else None
    return _BY_NAME.get(text)


def choices() -> list[tuple[str, str]]:
    return list(PREFECTURES.items())
