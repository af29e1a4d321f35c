"""Repositories: every query Prolo runs. They map rows to `prolo.store.records` values, may
flush, and never commit (the unit of work at the edge commits once)."""

from __future__ import annotations

from prolo.store.repositories.answers import AnswerRepository
from prolo.store.repositories.audit import AuditRepository
from prolo.store.repositories.bookings import AppointmentRepository, WaitlistRepository
from prolo.store.repositories.calendar import CalendarFeedRepository
from prolo.store.repositories.checkins import Checkin, CheckinRepository
from prolo.store.repositories.clinics import ClinicRepository
from prolo.store.repositories.courses import CourseRepository
from prolo.store.repositories.interop import InteropRepository
from prolo.store.repositories.patients import PatientRepository
from prolo.store.repositories.screenings import ScreeningRepository
from prolo.store.repositories.sessions import SessionRepository
from prolo.store.repositories.staff import StaffRepository
from prolo.store.repositories.users import UserRepository

__all__ = [
    "AnswerRepository",
    "AppointmentRepository",
    "AuditRepository",
    "CalendarFeedRepository",
    "Checkin",
    "CheckinRepository",
    "ClinicRepository",
    "CourseRepository",
    "InteropRepository",
    "PatientRepository",
    "ScreeningRepository",
    "SessionRepository",
    "StaffRepository",
    "UserRepository",
    "WaitlistRepository",
]
