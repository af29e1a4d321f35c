"""The demo clinic (`prolo demo`): created once, the same every time it is asked for again.

2 clinicians, a nurse, a receptionist, an admin; 2 procedure rooms; 3 recovery places; 20
patients at every stage of care, each with a login: screened and waiting for review, not
eligible, eligible with a planned course, booked, part-way through (sessions run through the
real protocol, injections with lot numbers, questionnaires scored by the real instruments), and
finished with a 3-month follow-up. Everything goes through the services, with the clock moved
to when each thing happened, so the audit log and the data look like a real clinic's.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from prolo.domain import protocol
from prolo.domain.catalog import load_catalog
from prolo.domain.clock import Clock, SystemClock, require_aware
from prolo.domain.instruments import get_instrument
from prolo.domain.screening import example_intake
from prolo.services import (
    accounts,
    booking,
    courses,
    patients,
    questionnaires,
    screening,
    sessions,
    waitlist,
)
from prolo.services.bootstrap import commit
from prolo.services.context import Actor
from prolo.services.values import (
    Appointment,
    Clinic,
    CourseStatus,
    RecoveryPlaceKind,
    Role,
    RosterSlot,
    ScreeningOutcome,
    Sex,
)
from prolo.store.unit_of_work import Database, UnitOfWork

DEMO_CLINIC = "Prolo Demo Clinic"
DEMO_PASSWORD = (
    "prolo-demo-2025"  # printed by `prolo demo`; the demo refuses production
)
EMAIL_DOMAIN = "demo.prolo"


class SettableClock:
    """The demo's clock: moved to when each demo event happened."""

    def __init__(self, at: datetime) -> None:
        self.at = require_aware(at, "at")

    def now(self) -> datetime:
        return self.at


@dataclass(frozen=True, slots=True)
class DemoLogin:
    role: Role
    email: str
    password: str
    name: str


@dataclass(frozen=True, slots=True)
class DemoResult:
    created: bool
    clinic_id: uuid.UUID
    logins: tuple[DemoLogin, ...]


STAFF = (
    ("Dr. Ayşe Demir", Role.clinician, "clinician"),
    ("Dr. Mehmet Yıldız", Role.clinician, "clinician2"),  # noqa: RUF001 (Turkish name)
    ("Zeynep Kaya", Role.nurse, "nurse"),
    ("Emre Şahin", Role.reception, "reception"),
)

# (given, family, sex, birth year, condition, stage)
PATIENTS = (
    ("Fatma", "Arslan", Sex.female, 1961, "knee_osteoarthritis", "finished"),
    ("Ali", "Çelik", Sex.male, 1975, "lumbar_disc_herniation", "finished"),
    ("Elif", "Öztürk", Sex.female, 1983, "lateral_epicondylitis", "finished"),
    ("Hasan", "Aydın", Sex.male, 1958, "plantar_fasciitis_heel_spur", "finished"),  # noqa: RUF001
    ("Zehra", "Koç", Sex.female, 1970, "knee_osteoarthritis", "midway"),
    ("Mustafa", "Kurt", Sex.male, 1966, "low_back_pain", "midway"),
    ("Emine", "Özdemir", Sex.female, 1979, "rotator_cuff_tendinopathy", "midway"),
    ("İbrahim", "Şimşek", Sex.male, 1955, "neck_pain", "midway"),
    ("Hatice", "Polat", Sex.female, 1988, "carpal_tunnel_syndrome", "midway"),
    ("Ahmet", "Erdoğan", Sex.male, 1972, "greater_trochanteric_pain", "midway"),
    ("Merve", "Yavuz", Sex.female, 1990, "knee_osteoarthritis", "booked"),
    ("Burak", "Aslan", Sex.male, 1985, "sciatica", "booked"),
    ("Selin", "Güneş", Sex.female, 1977, "migraine", "booked"),
    ("Kemal", "Acar", Sex.male, 1963, "hip_osteoarthritis", "booked"),
    ("Derya", "Tekin", Sex.female, 1968, "fibromyalgia", "booked"),
    ("Serkan", "Bulut", Sex.male, 1980, "meniscus_injury", "planned"),
    ("Gül", "Karaca", Sex.female, 1959, "low_back_pain", "planned"),
    ("Oğuz", "Doğan", Sex.male, 1974, "knee_osteoarthritis", "review"),
    ("Nihan", "Korkmaz", Sex.female, 1986, "lateral_epicondylitis", "review"),
    ("Cem", "Uçar", Sex.male, 1969, "neck_pain", "not_eligible"),
)


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _answers(instrument_id: str, severity: float) -> list[float | None]:
    """A plausible completed form: every item at `severity` (0 = no problem, 1 = worst)."""
    instrument = get_instrument(instrument_id)
    values: list[float | None] = []
    for index in range(len(instrument.items)):
        options = [o.value for o in instrument.item_options(index).options]
        target = options[0] + (options[-1] - options[0]) * severity
        values.append(min(options, key=lambda v: abs(v - target)))
    return values


@dataclass
class _Ctx:
    uow: UnitOfWork
    clock: SettableClock
    zone: ZoneInfo
    clinic: Clinic
    admin: Actor
    clinician: Actor
    nurse: Actor
    reception: Actor
    rng: random.Random

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), self.zone).astimezone(UTC)


def seed(
    database_factory: Callable[[Clock], Database],
    *,
    timezone: str,
    password_policy: accounts.PasswordPolicy,
    now: datetime | None = None,
) -> DemoResult:
    """Create the demo clinic unless it exists; return its logins either way."""
    real_now = now or SystemClock().now()
    clock = SettableClock(real_now)
    database = database_factory(clock)
    try:
        with database.unit_of_work() as uow:
            existing = uow.clinics.find_by_name(DEMO_CLINIC)
        if existing is not None:
            return DemoResult(False, existing.id, _logins())
        with database.unit_of_work() as uow:
            _seed(uow, clock, timezone, password_policy, real_now)
            commit(uow)
            clinic = uow.clinics.find_by_name(DEMO_CLINIC)
            assert clinic is not None
        return DemoResult(True, clinic.id, _logins())
    finally:
        database.dispose()


def _logins() -> tuple[DemoLogin, ...]:
    found = [
        DemoLogin(
            Role.admin, f"admin@{EMAIL_DOMAIN}", DEMO_PASSWORD, "Clinic administrator"
        )
    ]
    found += [
        DemoLogin(role, f"{slug}@{EMAIL_DOMAIN}", DEMO_PASSWORD, name)
        for name, role, slug in STAFF
    ]
    found += [
        DemoLogin(
            Role.patient, f"patient{i:02d}@{EMAIL_DOMAIN}", DEMO_PASSWORD, f"{g} {f}"
        )
        for i, (g, f, *_rest) in enumerate(PATIENTS, start=1)
    ]
    return tuple(found)


def _seed(
    uow: UnitOfWork,
    clock: SettableClock,
    timezone: str,
    password_policy: accounts.PasswordPolicy,
    real_now: datetime,
) -> None:
    zone = ZoneInfo(timezone)
    today = real_now.astimezone(zone).date()
    start = today - timedelta(days=180)
    clock.at = datetime.combine(start, time(8, 0), zone).astimezone(UTC)
    hours = {
        d: [(time(9, 0), time(18, 0))] for d in ("mon", "tue", "wed", "thu", "fri")
    }
    hours["sat"] = [(time(9, 0), time(13, 0))]
    clinic = uow.clinics.add(name=DEMO_CLINIC, timezone=timezone, opening_hours=hours)
    operator = Actor.system(clinic.id, Role.admin, via="demo")
    roster = [RosterSlot(d, time(9, 0), time(17, 30)) for d in range(5)]
    members = {}
    for name, role, slug in STAFF:
        member = uow.staff.add(
            clinic.id,
            name=name,
            roles=[role],
            roster=roster if role is Role.clinician else [],
        )
        members[slug] = member
    for i in (1, 2):
        uow.clinics.add_room(clinic.id, f"Procedure room {i}")
    uow.clinics.add_recovery_place(clinic.id, "Bed A", RecoveryPlaceKind.bed)
    uow.clinics.add_recovery_place(clinic.id, "Bed B", RecoveryPlaceKind.bed)
    uow.clinics.add_recovery_place(clinic.id, "Recliner chair", RecoveryPlaceKind.chair)

    users = {}
    users["admin"] = accounts.create_user(
        uow,
        operator,
        email=f"admin@{EMAIL_DOMAIN}",
        password=DEMO_PASSWORD,
        role=Role.admin,
        password_policy=password_policy,
    )
    for _name, role, slug in STAFF:
        users[slug] = accounts.create_user(
            uow,
            operator,
            email=f"{slug}@{EMAIL_DOMAIN}",
            password=DEMO_PASSWORD,
            role=role,
            staff_member_id=members[slug].id,
            password_policy=password_policy,
        )

    def actor(slug: str) -> Actor:
        user = users[slug]
        return Actor(
            user.id,
            user.role,
            clinic.id,
            staff_member_id=user.staff_member_id,
            email=user.email,
            via="demo",
        )

    ctx = _Ctx(
        uow,
        clock,
        zone,
        clinic,
        actor("admin"),
        actor("clinician"),
        actor("nurse"),
        actor("reception"),
        random.Random(20250303),
    )
    catalog = load_catalog()
    for index, (given, family, sex, year, condition, stage) in enumerate(
        PATIENTS, start=1
    ):
        # intakes arrive over the months, later stages earlier
        lead = {
            "finished": 170,
            "midway": 75,
            "booked": 12,
            "planned": 6,
            "review": 3,
            "not_eligible": 4,
        }[stage]
        intake_day = _weekday_on_or_after(today - timedelta(days=lead + index % 5))
        clock.at = ctx.at(intake_day, 9, 30)
        patient = patients.register_patient(
            uow,
            ctx.reception,
            given_name=given,
            family_name=family,
            birth_date=date(year, 1 + index % 12, 1 + index % 27),
            sex=sex,
            phone=f"+90 5{index:02d} 555 {index:02d} {index:02d}",
            preferred_language="tr" if index % 3 else "en",
        )
        accounts.create_user(
            uow,
            operator,
            email=f"patient{index:02d}@{EMAIL_DOMAIN}",
            password=DEMO_PASSWORD,
            role=Role.patient,
            patient_id=patient.id,
            password_policy=password_policy,
        )
        sites = catalog.conditions[condition].sites
        intake = example_intake().model_copy(
            update={"conditions": [condition], "body_sites": sites[:1] or None}
        )
        if stage == "review":
            intake = intake.model_copy(
                update={"anticoagulant": True}
                if index % 2
                else {"pain_duration_months": 2.0}
            )
        if stage == "not_eligible":
            intake = intake.model_copy(update={"infection_at_site": True})
        clock.at = ctx.at(intake_day, 10, 0)
        result = screening.record_intake(
            uow, ctx.nurse, patient_id=patient.id, intake=intake
        )
        instruments = catalog.conditions[condition].instruments
        baseline = 0.6 + ctx.rng.random() * 0.25
        for instrument_id in instruments:
            questionnaires.submit(
                uow,
                ctx.nurse,
                patient_id=patient.id,
                instrument_id=instrument_id,
                answers=_answers(instrument_id, baseline),
                timepoint="baseline",
            )
        if stage == "review":
            continue
        clock.at = ctx.at(intake_day, 16, 0)
        decision = (
            ScreeningOutcome.not_eligible
            if stage == "not_eligible"
            else ScreeningOutcome.eligible
        )
        screening.sign_off(
            uow,
            ctx.clinician,
            screening_id=result.id,
            expected_version=result.version,
            decision=decision,
            reason=None if decision is result.outcome else "reviewed with the patient",
        )
        if stage == "not_eligible":
            continue
        planned = 4 + index % 3
        preferred = members["clinician" if index % 2 else "clinician2"].id
        course = courses.create_course(
            uow,
            ctx.reception,
            patient_id=patient.id,
            condition_id=condition,
            planned_sessions=planned,
            preferred_clinician_id=preferred,
        )
        for instrument_id in instruments:  # the baseline belongs to the course too
            questionnaires.submit(
                uow,
                ctx.nurse,
                patient_id=patient.id,
                instrument_id=instrument_id,
                answers=_answers(instrument_id, baseline),
                timepoint="baseline",
                course_id=course.id,
            )
        if stage == "planned":
            waitlist.add(
                uow,
                ctx.reception,
                patient_id=patient.id,
                earliest_date=today + timedelta(days=1),
                latest_date=today + timedelta(days=21),
                course_id=course.id,
                session_number=1,
                note="wants an early slot",
            )
            continue
        first_day = _weekday_on_or_after(
            intake_day + timedelta(days=3 if stage != "booked" else 5)
        )
        if stage == "booked":
            first_day = _weekday_on_or_after(today + timedelta(days=1 + index % 6))
        clock.at = ctx.at(intake_day, 17, 0)
        proposal = booking.propose_course(
            uow, ctx.reception, course_id=course.id, first_day=first_day
        )
        booked = booking.book_sessions(
            uow,
            ctx.reception,
            course_id=course.id,
            sessions=[s.request(n) for n, s in enumerate(proposal, start=1)],
        )
        done = {"finished": planned, "midway": 1 + index % 3, "booked": 0}[stage]
        for appointment in booked[:done]:
            if appointment.starts_at > real_now:
                break
            severity = max(
                0.08,
                baseline * (1 - 0.16 * (appointment.session_number - 1))
                - ctx.rng.random() * 0.05,
            )
            _run_session(ctx, appointment, condition, instruments, severity, course.id)
        if stage == "finished":
            clock.at = booked[done - 1].recovery_ends_at + timedelta(hours=1)
            detail = courses.get_course(uow, ctx.clinician, course_id=course.id)
            courses.update_course(
                uow,
                ctx.clinician,
                course_id=course.id,
                expected_version=detail.course.version,
                status=CourseStatus.completed,
            )
            follow_up = booked[done - 1].starts_at + timedelta(days=91)
            if follow_up < real_now:
                clock.at = follow_up
                for instrument_id in instruments:
                    questionnaires.submit(
                        uow,
                        ctx.nurse,
                        patient_id=patient.id,
                        instrument_id=instrument_id,
                        answers=_answers(instrument_id, 0.12),
                        timepoint="follow-up-3m",
                        course_id=course.id,
                    )
    # one cancellation and one no-show, for the calendar
    clock.at = real_now
    upcoming = booking.list_appointments(
        uow, ctx.reception, starts_from=real_now, limit=5
    ).items
    if len(upcoming) >= 2:
        booking.cancel(
            uow,
            ctx.reception,
            appointment_id=upcoming[-1].id,
            expected_version=upcoming[-1].version,
            reason="patient asked to move it",
        )


def _run_session(
    ctx: _Ctx,
    appointment: Appointment,
    condition: str,
    instruments: list[str],
    severity: float,
    course_id: uuid.UUID,
) -> None:
    uow, clock = ctx.uow, ctx.clock
    clock.at = appointment.starts_at - timedelta(minutes=20)
    for instrument_id in instruments:
        questionnaires.submit(
            uow,
            ctx.nurse,
            patient_id=appointment.patient_id,
            instrument_id=instrument_id,
            answers=_answers(instrument_id, severity),
            timepoint=f"session-{appointment.session_number}",
            course_id=course_id,
        )
    clock.at = appointment.starts_at - timedelta(minutes=3)
    opened = sessions.start_session(uow, ctx.nurse, appointment_id=appointment.id)
    catalog = load_catalog()
    site = catalog.sites_for(condition)[0]
    laterality = protocol.Laterality.right if site.lateral else protocol.Laterality.none
    steps: list[tuple[int, protocol.SessionEvent]] = [
        (0, protocol.GiveConsent(by="-")),
        (2, protocol.StartPreparation()),
        (
            6,
            protocol.GiveLocalAnaesthesia(
                agent="lidocaine", concentration_percent=1, volume_ml=2
            ),
        ),
        (
            12,
            protocol.GiveInjection(
                site=site.id,
                laterality=laterality,
                solution="dextrose",
                concentration_percent=15
                if "disc" in condition or "back" in condition
                else 25,
                volume_ml=5,
                guidance=protocol.Guidance.ultrasound
                if appointment.session_number % 2
                else protocol.Guidance.landmark,
                lot_number=f"DX25-{appointment.starts_at:%m}{appointment.session_number:02d}",
            ),
        ),
        (24, protocol.StartRest()),
        (24 + 11 + appointment.session_number % 4, protocol.Discharge()),
    ]
    if ctx.rng.random() < 0.15:
        steps.insert(
            5,
            (
                26,
                protocol.ReportAdverseEvent(
                    event="pain_flare",
                    severity="mild",
                    onset=appointment.starts_at + timedelta(minutes=25),
                    outcome="resolved",
                    action="ice pack",
                ),
            ),
        )
    for minutes, event in steps:
        clock.at = appointment.starts_at + timedelta(minutes=minutes)
        actor = (
            ctx.clinician if isinstance(event, protocol.GiveInjection) else ctx.nurse
        )
        sessions.record_event(uow, actor, session_id=opened.record.id, event=event)
