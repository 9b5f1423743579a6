"""Enumerations with Japanese labels, stored as their lowercase value with a CHECK constraint."""

from __future__ import annotations

import enum

from sqlalchemy import Enum as SAEnum


class LabeledEnum(enum.StrEnum):
    """A string enum whose members carry the Japanese label shown in the UI."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


def enum_column_type(enum_class: type[LabeledEnum], name: str) -> SAEnum:
    return SAEnum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(m.value) for m in enum_class),
        values_callable=lambda members: [m.value for m in members],
    )


class Role(LabeledEnum):
    PARTICIPANT = "participant", "参加者"
    OFFICIAL = "official", "役員"
    STAFF = "staff", "管理者"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class OrganizationType(LabeledEnum):
    UNIVERSITY = "university", "大学"
    HIGH_SCHOOL = "highschool", "高校"
    CORPORATE = "corporate", "実業団"
    CLUB = "club", "クラブ"
    OTHER = "other", "その他"


class Gender(LabeledEnum):
    MALE = "M", "男子"
    FEMALE = "F", "女子"


class RaceGender(LabeledEnum):
    MALE = "M", "男子"
    FEMALE = "F", "女子"
    MIXED = "X", "混合"


class HeatOrder(LabeledEnum):
    SLOW_FIRST = "slow_first", "遅い組から（最終組が最速）"
    FAST_FIRST = "fast_first", "速い組から"


class AccountType(LabeledEnum):
    ORDINARY = "ordinary", "普通"
    CURRENT = "current", "当座"


class OutboxStatus(LabeledEnum):
    PENDING = "pending", "送信待ち"
    SENT = "sent", "送信済み"
    FAILED = "failed", "送信失敗"
