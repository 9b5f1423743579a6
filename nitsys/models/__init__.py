"""All models, imported so that SQLAlchemy and Alembic see every table."""

from nitsys.models.accounts import Organization, OwnedMixin, User
from nitsys.models.athletes import Athlete
from nitsys.models.audit import AuditEvent
from nitsys.models.enums import (
    AccountType,
    Gender,
    HeatOrder,
    OrganizationType,
    OutboxStatus,
    RaceGender,
    Role,
)
from nitsys.models.meets import BankAccount, Meet, Race
from nitsys.models.outbox import OutboxMessage

__all__ = [
    "AccountType",
    "Athlete",
    "AuditEvent",
    "BankAccount",
    "Gender",
    "HeatOrder",
    "Meet",
    "Organization",
    "OrganizationType",
    "OutboxMessage",
    "OutboxStatus",
    "OwnedMixin",
    "Race",
    "RaceGender",
    "Role",
    "User",
]
