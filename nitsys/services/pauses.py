"""Level-1 feature pauses (運用ガイド 障害対応レベル1): stop one feature, keep the rest running.

Each switch lives in the database (one `SystemSetting` row, like maintenance mode) so every
worker, the CLI and the API see it; each process re-reads it at most once per
`MAINTENANCE_CACHE_SECONDS` (1 s). The services that implement a feature call
`ensure_open(feature)` before they change anything, so pages, HTMX requests, the CLI and the
API are all refused with the staff's message; the public start lists/results and the mail
worker check it at their single entry point.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import SystemSetting, User
from nitsys.models.base import utcnow
from nitsys.services import audit, settings

log = logging.getLogger(__name__)

KEY = "feature_pauses"
CACHE = "nitsys_pauses"

# key: (label, the message shown when staff leave theirs empty)
FEATURES: dict[str, tuple[str, str]] = {
    "registration": (
        "新規登録（団体・個人・招待の受諾）",
        "ただいま新規登録を一時停止しています。",
    ),
    "athlete_import": ("選手の一括取り込み", "ただいま選手の一括取り込みを一時停止しています。"),
    "entry_editing": (
        "エントリーの追加・変更・提出（全大会）",
        "ただいまエントリーの追加・変更・提出を一時停止しています。",
    ),
    "slip_upload": (
        "振込明細のアップロード",
        "ただいま振込明細のアップロードを一時停止しています。",
    ),
    "public_results": (
        "公開スタートリスト・結果",
        "ただいまスタートリスト・結果の公開を一時停止しています。",
    ),
    "api": ("API", "ただいま API を一時停止しています。"),
    "mail_delivery": (
        "メール送信（送信待ちのまま保持）",
        "メール送信を一時停止しています（送信待ちのメールは再開後に送られます）。",
    ),
}


class FeaturePaused(RuleViolation):
    """The feature is paused by staff; the message is theirs."""

    def __init__(self, feature: str, message: str):
        super().__init__(message)
        self.feature = feature


@dataclass(frozen=True)
class Pause:
    feature: str
    message: str
    since: str
    by: str

    @property
    def label(self) -> str:
        return FEATURES[self.feature][0]

    @property
    def since_at(self) -> datetime:
        return datetime.fromisoformat(self.since)


def _check_feature(feature: str) -> None:
    if feature not in FEATURES:
        raise RuleViolation("この機能は一時停止の対象ではありません。")


def _from_value(value) -> dict[str, Pause]:
    pauses = {}
    for feature, data in (value or {}).items():
        if feature in FEATURES and isinstance(data, dict):
            pauses[feature] = Pause(
                feature,
                str(data.get("message", "")),
                str(data.get("since", "")),
                data.get("by", ""),
            )
    return pauses


def _read_fresh() -> dict[str, Pause]:
    # Own connection, like maintenance mode: never part of the request's transaction.
    try:
        with db.engine.connect() as connection:
            value = connection.scalar(select(SystemSetting.value).where(SystemSetting.key == KEY))
    except SQLAlchemyError:
        log.warning("feature pauses unreadable (database down or not migrated)")
        return {}
    return _from_value(value)


def current() -> dict[str, Pause]:
    """The paused features as this process sees them (at most 1 s old)."""
    return settings.cached(CACHE, _read_fresh)


def forget_cached() -> None:
    current_app.extensions.pop(CACHE, None)


def paused(feature: str) -> Pause | None:
    return current().get(feature)


def ensure_open(feature: str) -> None:
    """Raise `FeaturePaused` with the staff's message when `feature` is paused."""
    _check_feature(feature)
    pause = paused(feature)
    if pause is not None:
        raise FeaturePaused(feature, pause.message)


def states() -> list[tuple[str, str, Pause | None]]:
    """Every switch for the system page: (feature, label, its pause or None)."""
    now = current()
    return [(feature, label, now.get(feature)) for feature, (label, _) in FEATURES.items()]


def _locked_value() -> dict:
    """The switches, with their row locked: two staff pausing two features at once keep both."""
    row = db.session.get(SystemSetting, KEY, with_for_update=True)
    return dict(row.value or {}) if row is not None else {}


def pause(feature: str, message: str = "", *, by: User | None) -> Pause:
    _check_feature(feature)
    value = _locked_value()
    entry = {
        "message": (message or "").strip()[:300] or FEATURES[feature][1],
        "since": utcnow().isoformat(),
        "by": by.full_name if by else "コマンド",
    }
    value[feature] = entry
    settings.write(KEY, value)
    audit.record(by, "feature.pause", object_type="system_settings", after={feature: entry})
    forget_cached()
    return Pause(feature, entry["message"], entry["since"], entry["by"])


def resume(feature: str, *, by: User | None) -> None:
    _check_feature(feature)
    value = _locked_value()
    before = value.pop(feature, None)
    if before is None:
        return
    settings.write(KEY, value)
    audit.record(
        by, "feature.resume", object_type="system_settings", before={feature: before}, after={}
    )
    forget_cached()
