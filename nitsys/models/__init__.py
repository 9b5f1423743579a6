"""All models, imported so that SQLAlchemy and Alembic see every table."""

from nitsys.models.accounts import Organization, OwnedMixin, User
from nitsys.models.api_tokens import ApiToken
from nitsys.models.athletes import Athlete, AthleteImport
from nitsys.models.audit import AuditEvent
from nitsys.models.back_office import OrganizationAlias, TeamNote
from nitsys.models.entries import (
    Application,
    ApplicationStatus,
    Entry,
    EntryImport,
    EntryStatus,
)
from nitsys.models.entry_reviews import EntryReview
from nitsys.models.enums import (
    AccountType,
    Gender,
    HeatOrder,
    OrganizationType,
    OutboxStatus,
    RaceGender,
    Role,
)
from nitsys.models.export_settings import ExportJob, ExportJobStatus, TimingProfileSetting
from nitsys.models.exports import ExportLog
from nitsys.models.heats import Heat, HeatSlot
from nitsys.models.meets import BankAccount, Meet, Race
from nitsys.models.news import BroadcastScope, MeetGuideline, Notice, NoticeCategory
from nitsys.models.outbox import OutboxMessage
from nitsys.models.parking import (
    ParkingImport,
    ParkingLot,
    ParkingRequest,
    ParkingSettings,
    ParkingStatus,
)
from nitsys.models.payments import (
    ApplicationAdjustment,
    PaymentApproval,
    PaymentSlip,
    SlipReview,
)
from nitsys.models.results import HeatResult, PersonalBest, ResultImport
from nitsys.models.system import SystemSetting

__all__ = [
    "AccountType",
    "ApiToken",
    "Application",
    "ApplicationAdjustment",
    "ApplicationStatus",
    "Athlete",
    "AthleteImport",
    "AuditEvent",
    "BankAccount",
    "BroadcastScope",
    "Entry",
    "EntryImport",
    "EntryReview",
    "EntryStatus",
    "ExportJob",
    "ExportJobStatus",
    "ExportLog",
    "Gender",
    "Heat",
    "HeatOrder",
    "HeatResult",
    "HeatSlot",
    "Meet",
    "MeetGuideline",
    "Notice",
    "NoticeCategory",
    "Organization",
    "OrganizationAlias",
    "OrganizationType",
    "OutboxMessage",
    "OutboxStatus",
    "OwnedMixin",
    "ParkingImport",
    "ParkingLot",
    "ParkingRequest",
    "ParkingSettings",
    "ParkingStatus",
    "PaymentApproval",
    "PaymentSlip",
    "PersonalBest",
    "Race",
    "RaceGender",
    "ResultImport",
    "Role",
    "SlipReview",
    "SystemSetting",
    "TeamNote",
    "TimingProfileSetting",
    "User",
]
