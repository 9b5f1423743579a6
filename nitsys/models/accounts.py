"""Users, organizations and the ownership rule every participant object follows (SPEC §1)."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nitsys import passwords
from nitsys.extensions import db
from nitsys.models.base import TimestampMixin, UTCDateTime
from nitsys.models.enums import OrganizationType, Role, enum_column_type


def new_session_nonce() -> str:
    return secrets.token_hex(8)


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    name_kana: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(20), default="")
    org_type: Mapped[OrganizationType] = mapped_column(
        enum_column_type(OrganizationType, "organization_type")
    )
    representative_name: Mapped[str] = mapped_column(String(100))
    representative_email: Mapped[str] = mapped_column(String(254))
    representative_phone: Mapped[str] = mapped_column(String(20))
    postal_code: Mapped[str] = mapped_column(String(8), default="")
    # JIS X 0401 code ("13" = 東京都), see nitsys.domain.prefectures; unknown for old teams.
    prefecture: Mapped[str | None] = mapped_column(String(2), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    jaaf_code: Mapped[str] = mapped_column(String(20), default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    members: Mapped[list[User]] = relationship(back_populates="organization")

    @property
    def display_short_name(self) -> str:
        return self.short_name or self.name

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name}>"


def team_label():
    """The team printed next to a runner (SQL): short name, else full name, else 個人."""
    return func.coalesce(func.nullif(Organization.short_name, ""), Organization.name, "個人")


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    # Stored lowercased (checked by the database), so the unique key is case-insensitive.
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(100))
    full_name_kana: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    # For individuals: the affiliation printed on start lists (e.g. 無所属, ○○RC).
    affiliation_name: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "role"), default=Role.PARTICIPANT)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    # Changing it signs the user out everywhere (password change, role change).
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization | None] = relationship(back_populates="members")

    def set_password(self, password: str) -> None:
        self.password_hash = passwords.hash_password(password)
        self.session_nonce = new_session_nonce()

    def check_password(self, password: str) -> bool:
        return passwords.verify_password(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def has_role(self, role: Role) -> bool:
        return self.role.rank >= role.rank

    @property
    def is_official(self) -> bool:
        return self.has_role(Role.OFFICIAL)

    @property
    def is_staff(self) -> bool:
        return self.role is Role.STAFF

    @property
    def is_individual(self) -> bool:
        return self.organization_id is None

    @property
    def owner_label(self) -> str:
        """The name participant objects are filed under: the team, or the person."""
        return self.organization.name if self.organization else self.full_name

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


class OwnedMixin:
    """Owned by exactly one organization or one individual user (SPEC §1, database-enforced).

    Tables using it add `owner_check_constraint()` to `__table_args__`.
    """

    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )

    @classmethod
    def owned_by(cls, user: User):
        """SQL filter: the rows this participant may reach."""
        if user.organization_id is not None:
            return cls.organization_id == user.organization_id
        return cls.owner_user_id == user.id

    @classmethod
    def ownership_for(cls, user: User) -> dict:
        if user.organization_id is not None:
            return {"organization_id": user.organization_id, "owner_user_id": None}
        return {"organization_id": None, "owner_user_id": user.id}

    def is_owned_by(self, user: User) -> bool:
        if user.organization_id is not None:
            return self.organization_id == user.organization_id
        return self.owner_user_id == user.id


def owner_check_constraint() -> CheckConstraint:
    return CheckConstraint(
        "(organization_id IS NULL) <> (owner_user_id IS NULL)", name="exactly_one_owner"
    )
