"""Appointments and the waitlist: the queries behind booking, free-slot search and calendars."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_, select

from prolo.store.errors import StaleVersionError
from prolo.store.records import (
    ACTIVE_APPOINTMENT_STATUSES,
    Appointment,
    AppointmentStatus,
    NewAppointment,
    Page,
    WaitlistEntry,
    WaitlistStatus,
)
from prolo.store.repositories.base import Repository
from prolo.store.repositories.paging import paginate
from prolo.store.tables import AppointmentRow, WaitlistEntryRow


def _appointment(row: AppointmentRow) -> Appointment:
    return Appointment(
        id=row.id,
        clinic_id=row.clinic_id,
        course_id=row.course_id,
        patient_id=row.patient_id,
        session_number=row.session_number,
        clinician_id=row.clinician_id,
        room_id=row.room_id,
        recovery_place_id=row.recovery_place_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        recovery_starts_at=row.recovery_starts_at,
        recovery_ends_at=row.recovery_ends_at,
        status=row.status,
        status_reason=row.status_reason,
        timing_override_reason=row.timing_override_reason,
        timing_override_by=row.timing_override_by,
        checked_in_at=row.checked_in_at,
        version=row.version,
    )


def _waitlist(row: WaitlistEntryRow) -> WaitlistEntry:
    return WaitlistEntry(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        course_id=row.course_id,
        session_number=row.session_number,
        earliest_date=row.earliest_date,
        latest_date=row.latest_date,
        note=row.note,
        status=row.status,
        created_at=row.created_at,
        version=row.version,
    )


def _active() -> ColumnElement[bool]:
    return AppointmentRow.status.in_(ACTIVE_APPOINTMENT_STATUSES)


class AppointmentRepository(Repository):
    def conflicts(
        self, item: NewAppointment, *, ignore_ids: Iterable[uuid.UUID] = ()
    ) -> list[str]:
        """Which resources (clinician, room, recovery_place, patient) an appointment would
        collide with. Run inside the booking transaction: on SQLite that transaction holds the
        write lock, on PostgreSQL the exclusion constraints back it up at insert time."""
        a = AppointmentRow
        checks: tuple[tuple[str, ColumnElement[bool]], ...] = (
            (
                "clinician",
                and_(
                    a.clinician_id == item.clinician_id,
                    a.starts_at < item.ends_at,
                    item.starts_at < a.ends_at,
                ),
            ),
            (
                "room",
                and_(
                    a.room_id == item.room_id,
                    a.starts_at < item.ends_at,
                    item.starts_at < a.ends_at,
                ),
            ),
            (
                "recovery_place",
                and_(
                    a.recovery_place_id == item.recovery_place_id,
                    a.recovery_starts_at < item.recovery_ends_at,
                    item.recovery_starts_at < a.recovery_ends_at,
                ),
            ),
            (
                "patient",
                and_(
                    a.patient_id == item.patient_id,
                    a.starts_at < item.recovery_ends_at,
                    item.starts_at < a.recovery_ends_at,
                ),
            ),
        )
        ignore = list(ignore_ids)
        found: list[str] = []
        for resource, condition in checks:
            stmt = select(a.id).where(_active(), condition).limit(1)
            if ignore:
                stmt = stmt.where(a.id.not_in(ignore))
            if self.session.scalar(stmt) is not None:
                found.append(resource)
        return found

    def add(self, clinic_id: uuid.UUID, item: NewAppointment) -> Appointment:
        return self.add_many(clinic_id, [item])[0]

    def add_many(
        self, clinic_id: uuid.UUID, items: Sequence[NewAppointment]
    ) -> list[Appointment]:
        """Insert all appointments in one flush; any overlap raises OverlapError (nothing kept
        once the unit of work rolls back)."""
        rows = [
            AppointmentRow(
                clinic_id=clinic_id,
                course_id=i.course_id,
                patient_id=i.patient_id,
                session_number=i.session_number,
                clinician_id=i.clinician_id,
                room_id=i.room_id,
                recovery_place_id=i.recovery_place_id,
                starts_at=i.starts_at,
                ends_at=i.ends_at,
                recovery_starts_at=i.recovery_starts_at,
                recovery_ends_at=i.recovery_ends_at,
                status=AppointmentStatus.booked,
                timing_override_reason=i.timing_override_reason,
                timing_override_by=i.timing_override_by,
            )
            for i in items
        ]
        for row in rows:
            self.session.add(row)
            # one at a time: the database reports the first overlap against its own row
            self.flush()
        return [_appointment(r) for r in rows]

    def get(
        self, clinic_id: uuid.UUID, appointment_id: uuid.UUID
    ) -> Appointment | None:
        row = self.session.get(AppointmentRow, appointment_id)
        return _appointment(row) if row and row.clinic_id == clinic_id else None

    def for_course(self, course_id: uuid.UUID) -> list[Appointment]:
        rows = self.session.scalars(
            select(AppointmentRow)
            .where(AppointmentRow.course_id == course_id)
            .order_by(AppointmentRow.session_number, AppointmentRow.starts_at)
        )
        return [_appointment(r) for r in rows]

    def page(
        self,
        clinic_id: uuid.UUID,
        *,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
        clinician_id: uuid.UUID | None = None,
        room_id: uuid.UUID | None = None,
        recovery_place_id: uuid.UUID | None = None,
        patient_id: uuid.UUID | None = None,
        statuses: Sequence[AppointmentStatus] | None = None,
        limit: int,
        offset: int,
    ) -> Page[Appointment]:
        stmt = select(AppointmentRow).where(AppointmentRow.clinic_id == clinic_id)
        if starts_from is not None:
            stmt = stmt.where(AppointmentRow.starts_at >= starts_from)
        if starts_before is not None:
            stmt = stmt.where(AppointmentRow.starts_at < starts_before)
        if clinician_id is not None:
            stmt = stmt.where(AppointmentRow.clinician_id == clinician_id)
        if room_id is not None:
            stmt = stmt.where(AppointmentRow.room_id == room_id)
        if recovery_place_id is not None:
            stmt = stmt.where(AppointmentRow.recovery_place_id == recovery_place_id)
        if patient_id is not None:
            stmt = stmt.where(AppointmentRow.patient_id == patient_id)
        if statuses:
            stmt = stmt.where(AppointmentRow.status.in_(list(statuses)))
        stmt = stmt.order_by(AppointmentRow.starts_at, AppointmentRow.id)
        return paginate(
            self.session, stmt, limit=limit, offset=offset, to_record=_appointment
        )

    def busy(
        self, clinic_id: uuid.UUID, *, start: datetime, end: datetime
    ) -> list[Appointment]:
        """Active appointments of a clinic touching [start, end) (procedure or recovery)."""
        rows = self.session.scalars(
            select(AppointmentRow)
            .where(
                AppointmentRow.clinic_id == clinic_id,
                _active(),
                AppointmentRow.starts_at < end,
                AppointmentRow.recovery_ends_at > start,
            )
            .order_by(AppointmentRow.starts_at)
        )
        return [_appointment(r) for r in rows]

    def busy_for_patient(
        self, patient_id: uuid.UUID, *, start: datetime, end: datetime
    ) -> list[Appointment]:
        rows = self.session.scalars(
            select(AppointmentRow).where(
                AppointmentRow.patient_id == patient_id,
                _active(),
                AppointmentRow.starts_at < end,
                AppointmentRow.recovery_ends_at > start,
            )
        )
        return [_appointment(r) for r in rows]

    def set_status(
        self,
        appointment_id: uuid.UUID,
        *,
        expected_version: int | None,
        status: AppointmentStatus,
        reason: str | None = None,
        checked_in_at: datetime | None = None,
        updated_at: datetime,
    ) -> Appointment:
        row = self.session.get_one(AppointmentRow, appointment_id)
        if expected_version is not None and row.version != expected_version:
            raise StaleVersionError("the appointment", expected_version, row.version)
        row.status = status
        if reason is not None:
            row.status_reason = reason
        if checked_in_at is not None:
            row.checked_in_at = checked_in_at
        row.updated_at = updated_at
        self.flush()
        return _appointment(row)

    def move(
        self,
        appointment_id: uuid.UUID,
        *,
        expected_version: int | None,
        item: NewAppointment,
        updated_at: datetime,
    ) -> Appointment:
        """Change the time and resources of an appointment (a reschedule)."""
        row = self.session.get_one(AppointmentRow, appointment_id)
        if expected_version is not None and row.version != expected_version:
            raise StaleVersionError("the appointment", expected_version, row.version)
        row.clinician_id = item.clinician_id
        row.room_id = item.room_id
        row.recovery_place_id = item.recovery_place_id
        row.starts_at = item.starts_at
        row.ends_at = item.ends_at
        row.recovery_starts_at = item.recovery_starts_at
        row.recovery_ends_at = item.recovery_ends_at
        row.timing_override_reason = item.timing_override_reason
        row.timing_override_by = item.timing_override_by
        row.updated_at = updated_at
        self.flush()
        return _appointment(row)


class WaitlistRepository(Repository):
    def add(
        self,
        clinic_id: uuid.UUID,
        *,
        patient_id: uuid.UUID,
        course_id: uuid.UUID | None,
        session_number: int | None,
        earliest_date: date,
        latest_date: date | None,
        note: str | None,
        created_at: datetime,
    ) -> WaitlistEntry:
        row = WaitlistEntryRow(
            clinic_id=clinic_id,
            patient_id=patient_id,
            course_id=course_id,
            session_number=session_number,
            earliest_date=earliest_date,
            latest_date=latest_date,
            note=note,
            status=WaitlistStatus.waiting,
            created_at=created_at,
            updated_at=created_at,
        )
        self.session.add(row)
        self.flush()
        return _waitlist(row)

    def get(self, clinic_id: uuid.UUID, entry_id: uuid.UUID) -> WaitlistEntry | None:
        row = self.session.get(WaitlistEntryRow, entry_id)
        return _waitlist(row) if row and row.clinic_id == clinic_id else None

    def page(
        self,
        clinic_id: uuid.UUID,
        *,
        statuses: Sequence[WaitlistStatus] | None,
        on_date: date | None = None,
        limit: int,
        offset: int,
    ) -> Page[WaitlistEntry]:
        stmt = select(WaitlistEntryRow).where(WaitlistEntryRow.clinic_id == clinic_id)
        if statuses:
            stmt = stmt.where(WaitlistEntryRow.status.in_(list(statuses)))
        if on_date is not None:
            stmt = stmt.where(
                WaitlistEntryRow.earliest_date <= on_date,
                or_(
                    WaitlistEntryRow.latest_date.is_(None),
                    WaitlistEntryRow.latest_date >= on_date,
                ),
            )
        stmt = stmt.order_by(WaitlistEntryRow.created_at, WaitlistEntryRow.id)
        return paginate(
            self.session, stmt, limit=limit, offset=offset, to_record=_waitlist
        )

    def set_status(
        self,
        entry_id: uuid.UUID,
        *,
        expected_version: int | None,
        status: WaitlistStatus,
        updated_at: datetime,
    ) -> WaitlistEntry:
        row = self.session.get_one(WaitlistEntryRow, entry_id)
        if expected_version is not None and row.version != expected_version:
            raise StaleVersionError("the waitlist entry", expected_version, row.version)
        row.status = status
        row.updated_at = updated_at
        self.flush()
        return _waitlist(row)
