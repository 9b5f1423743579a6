"""Request and response models of the API (Pydantic; their JSON Schema is the contract).

Public models carry only what the printed programme shows: never a birth date, JAAF ID,
e-mail address or phone number (tests/test_api_public.py checks the whole document).
Request models refuse unknown fields (`extra="forbid"`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

EntryState = Literal["hidden", "not_yet", "open", "paused", "closed"]
ResultCode = Literal["finished", "dnf", "dns", "dq"]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=200)

    @field_validator("*", mode="after")
    @classmethod
    def no_control_characters(cls, value):
        """NUL and other control characters never reach a service (PostgreSQL refuses NUL)."""
        if isinstance(value, str) and any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            raise PydanticCustomError("control_character", "control character")
        return value


# --- public ---------------------------------------------------------------------------------


class MeetsQuery(In):
    when: Literal["upcoming", "past", "all"] = Field(
        "all", description="upcoming: 終了していない大会, past: 終了した大会"
    )


class MeetSummary(Out):
    id: int
    number: int | None = Field(description="大会の回（第325回なら 325）")
    name: str
    first_day: date
    last_day: date
    venue: str
    entry_state: EntryState = Field(description="申込受付の状態")
    entry_state_label: str
    entry_opens_at: datetime
    entry_closes_at: datetime


class HeatTime(Out):
    number: int = Field(description="組（走る順）")
    start_at: datetime | None
    call_at: datetime | None = Field(description="招集時刻")


class RaceSummary(Out):
    id: int
    name: str
    code: str = Field(description="M5000, F3000, NCG_M5000 など")
    distance: int = Field(description="メートル")
    gender: Literal["M", "F", "X"]
    is_ncg: bool
    first_start_at: datetime | None
    heats: list[HeatTime] = Field(description="公開済みの組と時刻")


class MeetDetail(MeetSummary):
    description: str
    races: list[RaceSummary]


class StartRunner(Out):
    position: int = Field(description="腰ナンバー（組内の番号）")
    bib: int | None = Field(description="ナンバー（ゼッケン）")
    name: str
    kana: str
    romaji: str
    team: str = Field(description="所属（略称）。個人申込は「個人」")


class StartHeat(HeatTime):
    runners: list[StartRunner]


class StartList(Out):
    meet_id: int
    race_id: int
    race_name: str
    heats: list[StartHeat]


class ResultRow(Out):
    place: int | None = Field(description="組内の着順")
    rank: int | None = Field(description="種目内の順位（全組の完走者をタイム順）")
    position: int
    bib: int | None
    name: str
    kana: str
    team: str
    status: ResultCode | None = Field(description="finished/dnf/dns/dq。未取り込みは null")
    time: int | None = Field(description="タイム（1/100 秒）")
    time_text: str = Field(description="表示用タイム（14:30.00）または DNF/DNS/DQ")


class ResultHeat(Out):
    number: int
    results: list[ResultRow]


class RaceResultList(Out):
    meet_id: int
    race_id: int
    race_name: str
    heats: list[ResultHeat]


class NoticesQuery(In):
    meet_id: int | None = Field(None, ge=1, le=2**31 - 1, description="この大会のお知らせだけ")
    category: Literal["normal", "important", "correction", "urgent"] | None = Field(
        None, description="normal: 通常, important: 重要, correction: 訂正, urgent: 緊急"
    )
    page: int = Field(1, ge=1, le=1000, description="ページ（1 から）")
    per_page: int = Field(20, ge=1, le=100, description="1 ページの件数（最大 100）")


class Notice(Out):
    id: int
    title: str
    category: Literal["normal", "important", "correction", "urgent"]
    category_label: str
    meet_id: int | None = Field(description="大会のお知らせなら大会 ID、全体向けは null")
    published_at: datetime
    pinned: bool = Field(description="固定表示（一覧の先頭）")
    corrects: int | None = Field(description="訂正の対象のお知らせ ID")
    body_markdown: str = Field(description="本文（Markdown）")
    body_html: str = Field(description="本文（サニタイズ済みの HTML）")


# --- team (token with read / write) ---------------------------------------------------------


class AthletesQuery(In):
    q: str = Field("", max_length=50, description="氏名・フリガナ・ローマ字・JAAF ID で検索")
    active: bool = Field(True, description="false で登録解除した選手")


class AthleteIn(In):
    """選手マスタの登録フォームと同じ項目・同じ規則（値はフォームに入力する文字列のまま）。"""

    last_name: str
    first_name: str
    last_name_kana: str = Field(description="全角カタカナ（ひらがな・半角カナも可）")
    first_name_kana: str
    last_name_en: str = ""
    first_name_en: str = ""
    gender: str = Field(description="M/F または 男/女")
    birth_date: str = Field(description="2004-05-01 や 2004/5/1")
    grade: str = Field("", description="1〜4、M1・M2、D1〜D3、空欄")
    pref: str = Field(description="登録陸協: 都道府県名（東京・東京都）または番号（13）")
    jaaf_id: str = ""
    nationality: str = Field("JPN", description="3文字の国コード")


class Athlete(Out):
    id: int
    last_name: str
    first_name: str
    last_name_kana: str
    first_name_kana: str
    last_name_en: str
    first_name_en: str
    gender: Literal["M", "F"]
    birth_date: date
    grade: str
    pref_code: str
    jaaf_id: str
    nationality: str
    is_active: bool
    updated_at: datetime


class Warning_(Out):
    model_config = ConfigDict(title="Warning")

    field: str
    message: str


class AthleteSaved(Out):
    athlete: Athlete
    warnings: list[Warning_] = Field(description="保存はされたが確認してほしい点")


class HeatPlace(Out):
    heat_number: int
    position: int = Field(description="腰ナンバー")
    bib: int | None
    start_at: datetime | None


class Entry(Out):
    id: int
    application_id: int
    athlete_id: int
    athlete_name: str
    race_id: int
    race_name: str
    declared_time: int = Field(description="申告タイム（1/100 秒）")
    declared_time_text: str
    personal_best: int | None
    note: str
    status: str
    status_label: str
    heat: HeatPlace | None = Field(description="組とナンバー（公開後のみ）")


class EntryIn(In):
    """エントリーフォームと同じ項目・同じ規則。"""

    athlete_id: int = Field(ge=1, le=2**31 - 1)
    race_id: int = Field(ge=1, le=2**31 - 1)
    declared_time: str = Field(description="申告タイム（14:30.00、14分30秒 など）")
    personal_best: str = Field("", description="自己ベスト（空欄可）")
    note: str = ""


class Application(Out):
    id: int
    number: str = Field(description="申込番号（振込の照合に使う）")
    meet_id: int
    meet_name: str
    status: Literal["draft", "awaiting_payment", "under_review", "paid"]
    status_label: str
    entry_count: int
    unit_fee: int
    total_amount: int
    amount_due: int = Field(description="調整額を含む請求額")
    submitted_at: datetime | None
    rejection_reason: str = Field(description="振込確認で差し戻された理由（あれば）")


class ApplicationDetail(Application):
    entries: list[Entry]


# --- timing (token with timing) -------------------------------------------------------------


class LynxRunner(Out):
    event: int = Field(description="Lynx のイベント番号（大会内の種目番号）")
    round: int
    heat: int
    lane: int = Field(description="腰ナンバー")
    bib: int | None
    last_name: str
    first_name: str
    last_name_romaji: str = Field(description="大文字 ASCII（SATO）")
    first_name_romaji: str = Field(description="ASCII（Yuki）")
    affiliation: str
    slot_id: int | None = Field(description="組の枠 ID（結果ファイルの照合に使う）")


class LynxHeat(Out):
    meet_id: int
    race_id: int
    race_name: str
    race_code: str
    event: int
    round: int
    heat: int
    start_at: datetime | None
    runners: list[LynxRunner]


class ImportedHeat(Out):
    race_name: str
    heat_number: int
    results: int
    changed: int


class ResultUpload(Out):
    message: str
    heats: list[ImportedHeat]
    results: int
    changed: int = Field(description="変更された結果の数（同じファイルをもう一度送ると 0）")


class ResultUploadQuery(In):
    filename: str = Field(
        "result.lif", min_length=1, max_length=100,
        description="ファイル名（.lif、または .lif をまとめた .zip）",
    )  # fmt: skip
