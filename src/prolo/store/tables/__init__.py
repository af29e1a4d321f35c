"""ORM rows, one module per aggregate. Importing this package registers every table on
`Base.metadata` (the migrations' autogenerate and the tests rely on it)."""

from __future__ import annotations

from prolo.store.tables.answers import QuestionnaireResponseRow
from prolo.store.tables.audit import AuditEventRow
from prolo.store.tables.bookings import AppointmentRow, WaitlistEntryRow
from prolo.store.tables.calendar import CalendarFeedTokenRow
from prolo.store.tables.checkins import CheckinRow
from prolo.store.tables.clinics import (
    ClinicRow,
    ClinicSettingRow,
    RecoveryPlaceRow,
    RoomRow,
)
from prolo.store.tables.courses import CourseRow
from prolo.store.tables.patients import PatientIdentifierRow, PatientRow
from prolo.store.tables.screenings import IntakeRow, ScreeningRow
from prolo.store.tables.sessions import (
    AdverseEventRow,
    InjectionRow,
    SessionRecordRow,
    SessionStepRow,
)
from prolo.store.tables.staff import (
    RosterEntryRow,
    StaffLeaveRow,
    StaffMemberRow,
    StaffRoleRow,
)
from prolo.store.tables.users import AuthTokenRow, LoginAttemptRow, UserRow

__all__ = [
    "AdverseEventRow",
    "AppointmentRow",
    "AuditEventRow",
    "AuthTokenRow",
    "CalendarFeedTokenRow",
    "CheckinRow",
    "ClinicRow",
    "ClinicSettingRow",
    "CourseRow",
    "InjectionRow",
    "IntakeRow",
    "LoginAttemptRow",
    "PatientIdentifierRow",
    "PatientRow",
    "QuestionnaireResponseRow",
    "RecoveryPlaceRow",
    "RoomRow",
    "RosterEntryRow",
    "ScreeningRow",
    "SessionRecordRow",
    "SessionStepRow",
    "StaffLeaveRow",
    "StaffMemberRow",
    "StaffRoleRow",
    "UserRow",
    "WaitlistEntryRow",
]
