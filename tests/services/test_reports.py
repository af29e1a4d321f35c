"""The owner's reports, on the seeded demo clinic: numbers checked against the per-course
services a clinician uses, authorisation and audit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from prolo.domain.outcomes import kaplan_meier
from prolo.services import accounts, booking, demo, questionnaires, reports, sessions
from prolo.services.bootstrap import migrate, open_database
from prolo.services.context import Actor
from prolo.services.errors import ForbiddenError, NotFoundError
from prolo.services.values import ACTIVE_APPOINTMENT_STATUSES, Role
from prolo.store.unit_of_work import Database, UnitOfWork

FAST_HASH = accounts.PasswordPolicy(min_length=10, time_cost=1, memory_kib=8192)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path: Path = tmp_path_factory.mktemp("reports") / "demo.db"
    url = f"sqlite:///{path}"
    migrate(url)
    demo.seed(
        lambda clock: open_database(url, clock=clock),
        timezone="Europe/Istanbul",
        password_policy=FAST_HASH,
    )
    database = open_database(url)
    yield database
    database.dispose()


@pytest.fixture
def duow(demo_db: Database) -> Iterator[UnitOfWork]:
    with demo_db.unit_of_work() as uow:
        yield uow  # never committed


def actor(uow: UnitOfWork, role: Role) -> Actor:
    clinic = uow.clinics.find_by_name(demo.DEMO_CLINIC)
    assert clinic is not None
    return Actor(user_id=None, role=role, clinic_id=clinic.id, via="test")


def test_patients_per_condition_are_the_patients_with_a_course(duow):
    report = reports.outcome_report(duow, actor(duow, Role.admin))
    with_course = Counter(
        condition
        for *_, condition, stage in demo.PATIENTS
        if stage not in ("review", "not_eligible")
    )
    assert {c.condition_id: c.patients for c in report.conditions} == dict(with_course)
    assert report.patients == sum(with_course.values())


def test_responders_and_median_match_the_courses_outcomes(duow):
    admin, clinician = actor(duow, Role.admin), actor(duow, Role.clinician)
    report = reports.outcome_report(duow, admin)
    for row in report.conditions:
        courses = [
            c
            for c in duow.courses.in_clinic(admin.clinic_id)
            if c.condition_id == row.condition_id
        ]
        primaries = [
            questionnaires.course_outcomes(duow, clinician, course_id=c.id).outcomes[0]
            for c in courses
        ]
        judged = [p for p in primaries if p.judged]
        assert row.summary.courses == len(courses)
        assert row.summary.responders == sum(1 for p in judged if p.ever_responded)
        times = [
            p.first_response_sessions
            if p.first_response_sessions is not None
            else p.judged[-1].sessions_done
            for p in judged
        ]
        events = [p.first_response_sessions is not None for p in judged]
        assert (
            row.summary.median_sessions_to_response
            == kaplan_meier(times, events).median
        )
    finished = [c for c in report.conditions if c.summary.judged]
    assert finished  # the demo has finished courses: something is judged


def test_adverse_event_rate_counts_every_finished_session(duow):
    admin, clinician = actor(duow, Role.admin), actor(duow, Role.clinician)
    report = reports.outcome_report(duow, admin)
    records = [
        r
        for pid in {c.patient_id for c in duow.courses.in_clinic(admin.clinic_id)}
        for r in sessions.list_sessions(duow, clinician, patient_id=pid)
        if r.state in ("discharged", "aborted")
    ]
    assert report.adverse_events.sessions == len(records) > 0
    assert report.adverse_events.events == sum(len(r.adverse_events) for r in records)


def test_utilisation_is_booked_minutes_over_roster_minutes(duow):
    admin = actor(duow, Role.admin)
    report = reports.outcome_report(duow, admin)
    zone_start = report.generated_at.replace(hour=0, minute=0, second=0, microsecond=0)
    start = zone_start - timedelta(days=(report.period_end - report.period_start).days)
    booked = booking.list_appointments(
        duow,
        actor(duow, Role.reception),
        starts_from=start,
        starts_before=zone_start + timedelta(days=1),
        statuses=list(ACTIVE_APPOINTMENT_STATUSES),
        limit=500,
    ).items
    rooms = [u for u in report.utilisation if u.kind == "room"]
    assert sum(u.booked_minutes for u in rooms) == sum(
        int((a.ends_at - a.starts_at).total_seconds() // 60) for a in booked
    )
    clinicians = [u for u in report.utilisation if u.kind == "clinician"]
    assert len(clinicians) == 2
    # the demo roster: 09:00-17:30 on weekdays
    weekdays = sum(
        1
        for i in range((report.period_end - report.period_start).days + 1)
        if (report.period_start + timedelta(days=i)).weekday() < 5
    )
    assert all(u.available_minutes == weekdays * 510 for u in clinicians)
    assert all(0 <= (u.rate or 0) <= 1 for u in report.utilisation)


@pytest.mark.parametrize("role", [Role.clinician, Role.reception, Role.nurse])
def test_only_the_admin_reads_reports(duow, role):
    with pytest.raises(ForbiddenError):
        reports.outcome_report(duow, actor(duow, role))


def test_a_patient_gets_not_found_for_a_course_summary(duow):
    admin = actor(duow, Role.admin)
    course = duow.courses.in_clinic(admin.clinic_id)[0]
    other = duow.courses.in_clinic(admin.clinic_id)[1]
    patient = Actor(
        user_id=None,
        role=Role.patient,
        clinic_id=admin.clinic_id,
        patient_id=other.patient_id,
        via="test",
    )
    with pytest.raises(NotFoundError):
        reports.course_summary(duow, patient, course_id=course.id)


def test_a_course_summary_is_audited_as_a_read_of_the_patient(duow):
    admin = actor(duow, Role.admin)
    course = duow.courses.in_clinic(admin.clinic_id)[0]
    doc = reports.course_summary(duow, admin, course_id=course.id)
    events = duow.audit.page(
        admin.clinic_id,
        patient_id=course.patient_id,
        action="report.course_summary",
        limit=5,
        offset=0,
    )
    assert events.items
    assert events.items[0].resource_id == str(course.id)
    patient = duow.patients.get(admin.clinic_id, course.patient_id)
    assert patient is not None
    assert doc.patient_name == patient.name
    assert doc.codes
    assert doc.codes[0].system == "ICD-10-CM"
