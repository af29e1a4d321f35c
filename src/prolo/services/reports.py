"""The clinic owner's reports: outcomes, adverse events, utilisation, and a patient's course
summary for the referring doctor.

    outcome_report(uow, actor, since=..., until=...)   aggregates (admin; one audit event, no patient)
    course_summary(uow, actor, course_id=...)          one patient's course (admin; audited as a
                                                       read of that patient's data)

Outcomes are the domain's (`prolo.domain.outcomes`): each course judged on its condition's primary
instrument (the first the catalog lists) by that instrument's MCIDs; responder rate per condition
and per number of sessions done; median sessions to response by Kaplan-Meier with the courses that
never responded censored at their last judged point.

Utilisation over a period: booked procedure minutes (booked, checked-in and done sessions) divided
by the minutes available, which are the clinician's roster less leave days, and the clinic's
opening hours for each procedure room.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from prolo.domain.catalog import load_catalog
from prolo.domain.instruments import get_instrument
from prolo.domain.outcomes import (
    CohortMember,
    ConditionSummary,
    KaplanMeier,
    Rate,
    responder_rate_by_session,
    sessions_to_response,
    summarise_cohort,
)
from prolo.domain.protocol import FINAL_STEPS
from prolo.reports.charts import trajectory_chart_from_outcome
from prolo.reports.pdf import (
    AdverseLine,
    CodeLine,
    CourseSummaryDoc,
    InjectionLine,
    OutcomeRow,
    OutcomeTable,
    SessionLine,
)
from prolo.services import clinic as clinic_service
from prolo.services.booking import WEEKDAY_KEYS
from prolo.services.context import Actor, audit, authorize, require_own
from prolo.services.courses import clinic_zone, local_date
from prolo.services.errors import InvalidInputError, NotFoundError, use_case
from prolo.services.permissions import Permission
from prolo.services.questionnaires import outcomes_of
from prolo.store.records import (
    ACTIVE_APPOINTMENT_STATUSES,
    Appointment,
    AppointmentStatus,
    Role,
)
from prolo.store.unit_of_work import UnitOfWork

DEFAULT_PERIOD_DAYS = 28


@dataclass(frozen=True, slots=True)
class ConditionReport:
    """One condition: how many patients and courses, and how they responded."""

    condition_id: str
    condition_name: str
    instrument: str
    patients: int
    summary: ConditionSummary


@dataclass(frozen=True, slots=True)
class AdverseEventRate:
    sessions: int
    """Sessions done (discharged or stopped)."""
    sessions_with_event: int
    events: int

    @property
    def rate(self) -> float | None:
        """Share of sessions with at least one adverse event."""
        return None if self.sessions == 0 else self.sessions_with_event / self.sessions


@dataclass(frozen=True, slots=True)
class Utilisation:
    kind: str  # "clinician" | "room"
    name: str
    booked_minutes: int
    available_minutes: int

    @property
    def rate(self) -> float | None:
        if self.available_minutes == 0:
            return None
        return self.booked_minutes / self.available_minutes


@dataclass(frozen=True, slots=True)
class OutcomeReport:
    generated_at: datetime
    period_start: date
    period_end: date
    """Utilisation covers period_start..period_end (inclusive), in the clinic's time zone."""
    patients: int
    courses: int
    conditions: tuple[ConditionReport, ...]
    overall_by_session: tuple[Rate, ...]
    overall_time_to_response: KaplanMeier
    adverse_events: AdverseEventRate
    utilisation: tuple[Utilisation, ...]

    @property
    def summaries(self) -> tuple[ConditionSummary, ...]:
        return tuple(c.summary for c in self.conditions)


def _minutes(blocks: list[tuple[time, time]]) -> int:
    return sum(
        (datetime.combine(date.min, b) - datetime.combine(date.min, a)).seconds // 60
        for a, b in blocks
    )


@use_case
def outcome_report(
    uow: UnitOfWork,
    actor: Actor,
    *,
    since: date | None = None,
    until: date | None = None,
) -> OutcomeReport:
    """The clinic's outcome report (aggregates only; utilisation over since..until, default
    the last 28 days up to today)."""
    authorize(actor, Permission.report_read)
    zone = clinic_zone(uow, actor.clinic_id)
    now = uow.now()
    end = until or local_date(now, zone)
    start = since or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if start > end:
        raise InvalidInputError("the period starts after it ends", field="since")
    catalog = load_catalog()
    courses = uow.courses.in_clinic(actor.clinic_id)
    members: list[CohortMember] = []
    patients_by_condition: dict[str, set[uuid.UUID]] = defaultdict(set)
    for course in courses:
        patients_by_condition[course.condition_id].add(course.patient_id)
        outcomes = outcomes_of(uow, course)
        members.append(CohortMember(course.condition_id, outcomes.outcomes[0]))
    summaries = {s.condition: s for s in summarise_cohort(members)}
    conditions = tuple(
        ConditionReport(
            condition_id=cid,
            condition_name=catalog.conditions[cid].name,
            instrument=catalog.conditions[cid].instruments[0],
            patients=len(patients_by_condition[cid]),
            summary=summaries[cid],
        )
        for cid in sorted(summaries)
    )
    # adverse events, over every session of the clinic's patients
    sessions = events = with_event = 0
    for patient_id in sorted({c.patient_id for c in courses}):
        for record in uow.sessions.for_patient(patient_id):
            if record.state not in FINAL_STEPS:
                continue  # still running
            sessions += 1
            events += len(record.adverse_events)
            with_event += 1 if record.adverse_events else 0
    report = OutcomeReport(
        generated_at=now.astimezone(zone),
        period_start=start,
        period_end=end,
        patients=len({c.patient_id for c in courses}),
        courses=len(courses),
        conditions=conditions,
        overall_by_session=responder_rate_by_session(members),
        overall_time_to_response=sessions_to_response(members),
        adverse_events=AdverseEventRate(sessions, with_event, events),
        utilisation=_utilisation(uow, actor, start, end),
    )
    audit(
        uow,
        actor,
        "report.outcomes",
        resource_type="report",
        detail={"since": start.isoformat(), "until": end.isoformat()},
    )
    return report


def _utilisation(
    uow: UnitOfWork, actor: Actor, start: date, end: date
) -> tuple[Utilisation, ...]:
    zone = clinic_zone(uow, actor.clinic_id)
    clinic = uow.clinics.get(actor.clinic_id)
    assert clinic is not None
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    appointments: list[Appointment] = []
    while True:
        page = uow.appointments.page(
            actor.clinic_id,
            starts_from=datetime.combine(start, time(0), zone),
            starts_before=datetime.combine(end + timedelta(days=1), time(0), zone),
            statuses=list(ACTIVE_APPOINTMENT_STATUSES),
            limit=500,
            offset=len(appointments),
        )
        appointments.extend(page.items)
        if not page.items or len(appointments) >= page.total:
            break
    booked_by_clinician: dict[uuid.UUID, int] = defaultdict(int)
    booked_by_room: dict[uuid.UUID, int] = defaultdict(int)
    for a in appointments:
        minutes = int((a.ends_at - a.starts_at).total_seconds() // 60)
        booked_by_clinician[a.clinician_id] += minutes
        booked_by_room[a.room_id] += minutes
    rows: list[Utilisation] = []
    for member in uow.staff.members(actor.clinic_id):
        if Role.clinician not in member.roles:
            continue
        available = 0
        for day in days:
            if any(leave.start_date <= day <= leave.end_date for leave in member.leave):
                continue
            available += _minutes(
                [
                    (s.starts, s.ends)
                    for s in member.roster
                    if s.weekday == day.weekday()
                ]
            )
        rows.append(
            Utilisation(
                "clinician", member.name, booked_by_clinician[member.id], available
            )
        )
    open_minutes = sum(
        _minutes(clinic.opening_hours.get(WEEKDAY_KEYS[day.weekday()], []))
        for day in days
    )
    for room in uow.clinics.rooms(actor.clinic_id):
        rows.append(
            Utilisation("room", room.name, booked_by_room[room.id], open_minutes)
        )
    return tuple(rows)


@use_case
def course_summary(
    uow: UnitOfWork, actor: Actor, *, course_id: uuid.UUID
) -> CourseSummaryDoc:
    """One patient's course for the referring doctor (audited as a read of the patient's data)."""
    course = uow.courses.get(actor.clinic_id, course_id)
    if course is None:
        raise NotFoundError(f"no course {course_id}")
    require_own(
        actor,
        Permission.report_read,
        course.patient_id,
        not_found=f"no course {course_id}",
    )
    authorize(actor, Permission.report_read, patient_id=course.patient_id)
    patient = uow.patients.get(actor.clinic_id, course.patient_id)
    clinic = uow.clinics.get(actor.clinic_id)
    assert patient is not None
    assert clinic is not None
    zone = clinic_zone(uow, actor.clinic_id)
    catalog = load_catalog()
    condition = catalog.conditions[course.condition_id]
    appointments: dict[uuid.UUID, Appointment] = {
        a.id: a for a in uow.appointments.for_course(course.id)
    }
    records = {
        r.appointment_id: r
        for r in uow.sessions.for_patient(patient.id)
        if r.appointment_id in appointments
    }
    sessions: list[SessionLine] = []
    adverse: list[AdverseLine] = []
    for a in sorted(
        appointments.values(), key=lambda a: (a.session_number, a.starts_at)
    ):
        if a.status is AppointmentStatus.cancelled:
            continue
        record = records.get(a.id)
        injections = tuple(
            InjectionLine(
                site=catalog.sites[i.site_id].name
                if i.site_id in catalog.sites
                else i.site_id,
                laterality=i.laterality,
                solution=i.solution,
                concentration_pct=i.concentration_pct,
                volume_ml=i.volume_ml,
                lot_number=i.lot_number,
            )
            for i in (record.injections if record else ())
        )
        sessions.append(
            SessionLine(
                a.session_number,
                local_date(a.starts_at, zone),
                a.status.value,
                injections,
            )
        )
        for event in record.adverse_events if record else ():
            adverse.append(
                AdverseLine(
                    local_date(event.occurred_at, zone),
                    event.kind,
                    event.severity,
                    event.description,
                    event.action_taken,
                )
            )
    outcomes = outcomes_of(uow, course)
    tables = tuple(
        OutcomeTable(
            instrument=o.instrument,
            name=get_instrument(o.instrument).name,
            higher_is_better=o.higher_is_better,
            baseline=o.baseline,
            rows=tuple(
                OutcomeRow(p.timepoint.label, p.value, p.change, p.responded)
                for p in o.points
            ),
        )
        for o in outcomes.outcomes
    )
    primary = outcomes.outcomes[0]
    chart = (
        trajectory_chart_from_outcome(primary, get_instrument(primary.instrument))
        if primary.points
        else None
    )
    codes = tuple(
        [CodeLine("ICD-10-CM", c.code, c.display) for c in condition.icd10_codes]
        + [CodeLine("SNOMED CT", c.code, c.display) for c in condition.snomed_codes]
    )
    audit(
        uow,
        actor,
        "report.course_summary",
        resource_type="course",
        resource_id=course.id,
        patient_id=patient.id,
    )
    return CourseSummaryDoc(
        clinic_name=clinic.name,
        created_at=uow.now().astimezone(zone),
        patient_name=patient.name,
        birth_date=patient.birth_date,
        condition_name=condition.name,
        codes=codes,
        body_site=catalog.sites[course.body_site].name
        if course.body_site in catalog.sites
        else course.body_site,
        planned_sessions=course.planned_sessions,
        sessions_done=outcomes.sessions_done,
        status=course.status.value,
        sessions=tuple(sessions),
        outcomes=tables,
        chart=chart,
        adverse_events=tuple(adverse),
        note=clinic_service.questionnaire_schedule(
            uow, actor.clinic_id
        ).expected_course_note.text,
    )


@dataclass(frozen=True, slots=True)
class CourseListing:
    """A course as the owner's export page lists it (for the per-patient PDF)."""

    course_id: uuid.UUID
    patient_name: str
    condition_name: str
    status: str
    planned_sessions: int


@use_case
def list_courses(uow: UnitOfWork, actor: Actor) -> tuple[CourseListing, ...]:
    """Every course of the clinic with its patient's name (to pick a course summary)."""
    authorize(actor, Permission.report_read)
    catalog = load_catalog()
    found: list[CourseListing] = []
    for course in uow.courses.in_clinic(actor.clinic_id):
        patient = uow.patients.get(actor.clinic_id, course.patient_id)
        if patient is None:
            continue
        found.append(
            CourseListing(
                course.id,
                patient.name,
                catalog.conditions[course.condition_id].name,
                course.status.value,
                course.planned_sessions,
            )
        )
    for pid in dict.fromkeys(
        c.patient_id for c in uow.courses.in_clinic(actor.clinic_id)
    ):
        audit(uow, actor, "report.course_list", resource_type="course", patient_id=pid)
    return tuple(sorted(found, key=lambda c: (c.patient_name, c.condition_name)))
