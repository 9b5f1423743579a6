"""The athlete master (選手マスタ, SPEC §2): registered once, reused every meet."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ColumnElement, ForeignKey, Index, String, func, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nitsys.extensions import db
from nitsys.models.accounts import Organization, OwnedMixin, User, owner_check_constraint
from nitsys.models.base import TimestampMixin, UTCDateTime, utcnow
from nitsys.models.enums import Gender, enum_column_type

ACTIVE_WITH_JAAF_ID = text("is_active AND jaaf_id <> ''")


class Athlete(OwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "athletes"
    __table_args__ = (
        owner_check_constraint(),
        CheckConstraint(
            "grade IN ('', '1', '2', '3', '4', 'M1', 'M2', 'D1', 'D2', 'D3')", name="grade_choice"
        ),
        CheckConstraint("length(nationality) = 3", name="nationality_code"),
        # JAAF ID unique among the owner's active athletes (SPEC §2).
        Index(
            "uq_athletes_org_jaaf_id",
            "organization_id",
            "jaaf_id",
            unique=True,
            sqlite_where=ACTIVE_WITH_JAAF_ID,
            postgresql_where=ACTIVE_WITH_JAAF_ID,
        ),
        Index(
            "uq_athletes_user_jaaf_id",
            "owner_user_id",
            "jaaf_id",
            unique=True,
            sqlite_where=ACTIVE_WITH_JAAF_ID,
            postgresql_where=ACTIVE_WITH_JAAF_ID,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str] = mapped_column(String(50))
    first_name: Mapped[str] = mapped_column(String(50))
    last_name_kana: Mapped[str] = mapped_column(String(50))
    first_name_kana: Mapped[str] = mapped_column(String(50))
    last_name_en: Mapped[str] = mapped_column(String(50), default="")
    first_name_en: Mapped[str] = mapped_column(String(50), default="")
    gender: Mapped[Gender] = mapped_column(enum_column_type(Gender, "athlete_gender"))
    birth_date: Mapped[date]
    grade: Mapped[str] = mapped_column(String(2), default="")
    # JIS X 0401 code, "01" (北海道) … "47" (沖縄県); empty when unknown.
    pref_code: Mapped[str] = mapped_column(String(2), default="")
    jaaf_id: Mapped[str] = mapped_column(String(20), default="")
    nationality: Mapped[str] = mapped_column(String(3), default="JPN")
    is_active: Mapped[bool] = mapped_column(default=True)

    organization: Mapped[Organization | None] = relationship()
    owner_user: Mapped[User | None] = relationship()

    # Hybrids: the same name in Python and in SQL (start lists select the names, not athletes).
    @hybrid_property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}"

    @full_name.inplace.expression
    @classmethod
    def _full_name_sql(cls) -> ColumnElement[str]:
        return cls.last_name + " " + cls.first_name

    @hybrid_property
    def full_name_kana(self) -> str:
        return f"{self.last_name_kana} {self.first_name_kana}"

    @full_name_kana.inplace.expression
    @classmethod
    def _full_name_kana_sql(cls) -> ColumnElement[str]:
        return cls.last_name_kana + " " + cls.first_name_kana

    @hybrid_property
    def full_name_en(self) -> str:
        return f"{self.last_name_en} {self.first_name_en}".strip()

    @full_name_en.inplace.expression
    @classmethod
    def _full_name_en_sql(cls) -> ColumnElement[str]:
        return func.trim(cls.last_name_en + " " + cls.first_name_en)

    def __repr__(self) -> str:
        return f"<Athlete {self.id} {self.full_name}>"


class AthleteImport(OwnedMixin, db.Model):
    """An uploaded roster file, parsed and waiting for confirmation (expires; SPEC §2).

    `rows` holds every data row as checked: number, values, errors, warnings.
    """

    __tablename__ = "athlete_imports"
    __table_args__ = (owner_check_constraint(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    layout: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[list] = mapped_column(JSON)
