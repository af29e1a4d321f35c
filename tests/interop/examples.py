"""A hand-built, complete patient bundle: one of everything, linked the way the services will link them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from prolo.interop.records import (
    AdverseEventRecord,
    AppointmentRecord,
    BodySiteRecord,
    ConditionRecord,
    CourseRecord,
    InjectionRecord,
    ItemAnswerRecord,
    LocationRecord,
    ObservationRecord,
    OrganizationRecord,
    PatientBundleRecord,
    PatientRecord,
    PlannedSessionRecord,
    PractitionerRecord,
    ProcedureRecord,
    QuestionnaireDefinitionRecord,
    QuestionnaireItemRecord,
    QuestionnaireResponseRecord,
    SubscaleScoreRecord,
)

ISTANBUL = ZoneInfo("Europe/Istanbul")


def uid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n, version=4)


CLINIC = OrganizationRecord(
    id=uid(1),
    name="Prolo Demo Clinic",
    phone="+90 212 000 00 00",
    email="desk@example.org",
)
DOCTOR = PractitionerRecord(
    id=uid(2), family_name="Demir", given_names=("Elif",), qualification="MD"
)
ROOM = LocationRecord(
    id=uid(3), name="Procedure room 1", kind="procedure_room", organization_id=CLINIC.id
)
RECOVERY = LocationRecord(
    id=uid(4), name="Recovery bay A", kind="recovery_place", organization_id=CLINIC.id
)
PATIENT = PatientRecord(
    id=uid(10),
    family_name="Yilmaz",
    given_names=("Ayse", "Nur"),
    mrn="MRN-000123",
    birth_date=date(1970, 5, 17),
    gender="female",
    phone="+90 555 000 00 00",
    email="ayse@example.org",
    language="tr",
    organization_id=CLINIC.id,
)
KNEE = ConditionRecord(
    id=uid(20),
    patient_id=PATIENT.id,
    catalog_id="knee_osteoarthritis",
    display="Osteoarthritis of knee",
    icd10_cm=("M17.11",),
    snomed_ct=("239873007",),
    body_sites=(
        BodySiteRecord(site_id="knee", kind="region", label="Knee", laterality="right"),
    ),
    onset_date=date(2024, 1, 1),
    recorded_date=date(2026, 1, 5),
    note="Worse on stairs.",
)
T0 = datetime(2026, 1, 12, 9, 0, tzinfo=ISTANBUL)
APPT1 = AppointmentRecord(
    id=uid(40),
    patient_id=PATIENT.id,
    status="done",
    start=T0,
    end=T0 + timedelta(minutes=45),
    clinician_id=DOCTOR.id,
    room_id=ROOM.id,
    recovery_place_id=RECOVERY.id,
    recovery_start=T0 + timedelta(minutes=30),
    recovery_end=T0 + timedelta(minutes=45),
    course_id=uid(30),
    session_number=1,
    created_at=datetime(2026, 1, 5, 10, 0, tzinfo=ISTANBUL),
    revision=2,
    updated_at=datetime(2026, 1, 12, 9, 50, tzinfo=ISTANBUL),
)
APPT2 = AppointmentRecord(
    id=uid(41),
    patient_id=PATIENT.id,
    status="cancelled",
    start=T0 + timedelta(days=21),
    end=T0 + timedelta(days=21, minutes=45),
    clinician_id=DOCTOR.id,
    room_id=ROOM.id,
    course_id=uid(30),
    session_number=2,
    cancellation_reason="Patient has a cold",
    revision=1,
)
PROC1 = ProcedureRecord(
    id=uid(50),
    patient_id=PATIENT.id,
    status="completed",
    start=T0 + timedelta(minutes=5),
    end=T0 + timedelta(minutes=28),
    clinician_id=DOCTOR.id,
    room_id=ROOM.id,
    appointment_id=APPT1.id,
    course_id=uid(30),
    session_number=1,
    condition_ids=(KNEE.id,),
    body_sites=(
        BodySiteRecord(site_id="knee", kind="region", label="Knee", laterality="right"),
    ),
    injections=(
        InjectionRecord(
            site=BodySiteRecord(
                site_id="knee_mcl",
                label="Medial collateral ligament",
                laterality="right",
            ),
            solution="dextrose",
            solution_label="Dextrose",
            concentration_percent=Decimal("15"),
            volume_ml=Decimal("2.5"),
            anaesthetic="lidocaine",
            anaesthetic_percent=Decimal("0.5"),
            guidance="ultrasound",
            lot_number="LOT-42<a&b>",
        ),
        InjectionRecord(
            site=BodySiteRecord(site_id="knee_intra_articular", laterality="right"),
            solution="dextrose",
            concentration_percent=Decimal("25"),
            volume_ml=Decimal("6"),
            guidance="landmark",
        ),
    ),
    note="Tolerated well.",
)
COURSE = CourseRecord(
    id=uid(30),
    patient_id=PATIENT.id,
    status="active",
    condition_ids=(KNEE.id,),
    title="Right knee prolotherapy",
    protocol_id="rabago_knee_2013",
    created_at=datetime(2026, 1, 5, 10, 0, tzinfo=ISTANBUL),
    sessions=(
        PlannedSessionRecord(
            number=1,
            window_start=date(2026, 1, 12),
            window_end=date(2026, 1, 12),
            status="done",
            appointment_id=APPT1.id,
            procedure_id=PROC1.id,
        ),
        PlannedSessionRecord(
            number=2,
            window_start=date(2026, 1, 26),
            window_end=date(2026, 2, 2),
            status="cancelled",
            appointment_id=APPT2.id,
        ),
        PlannedSessionRecord(
            number=3, window_start=date(2026, 2, 9), window_end=date(2026, 2, 23)
        ),
    ),
)
NRS_QR = QuestionnaireResponseRecord(
    id=uid(60),
    patient_id=PATIENT.id,
    instrument_id="nrs",
    instrument_version="1",
    authored=T0 - timedelta(minutes=20),
    answers=(ItemAnswerRecord(item_id="pain_now", value=7),),
    course_id=COURSE.id,
    procedure_id=PROC1.id,
)
KOOS_QR = QuestionnaireResponseRecord(
    id=uid(61),
    patient_id=PATIENT.id,
    instrument_id="koos",
    status="completed",
    authored=T0 - timedelta(minutes=25),
    answers=(
        ItemAnswerRecord(item_id="p1", value=2),
        ItemAnswerRecord(item_id="p2", value=3),
        ItemAnswerRecord(item_id="comment", value="stairs are hard"),
        ItemAnswerRecord(item_id="swelling_mm", value=Decimal("1.25")),
        ItemAnswerRecord(item_id="uses_cane", value=False),
    ),
    course_id=COURSE.id,
)
NRS_OBS = ObservationRecord(
    id=uid(70),
    patient_id=PATIENT.id,
    instrument_id="nrs",
    effective=NRS_QR.authored,
    value=Decimal("7"),
    questionnaire_response_id=NRS_QR.id,
    course_id=COURSE.id,
    procedure_id=PROC1.id,
)
KOOS_OBS = ObservationRecord(
    id=uid(71),
    patient_id=PATIENT.id,
    instrument_id="koos",
    effective=KOOS_QR.authored,
    subscales=(
        SubscaleScoreRecord(subscale_id="pain", value=Decimal("55.56")),
        SubscaleScoreRecord(subscale_id="qol", value=Decimal("37.5")),
    ),
    questionnaire_response_id=KOOS_QR.id,
    course_id=COURSE.id,
)
ODI_OBS = ObservationRecord(
    id=uid(72),
    patient_id=PATIENT.id,
    instrument_id="odi",
    effective=T0 - timedelta(days=7),
    value=Decimal("32"),
    unit="%",
)
FLARE = AdverseEventRecord(
    id=uid(80),
    patient_id=PATIENT.id,
    code="post_injection_pain_flare",
    label="Pain flare for two days after the session",
    occurred_at=T0 + timedelta(hours=6),
    recorded_at=T0 + timedelta(days=2),
    seriousness="non-serious",
    severity="mild",
    outcome="resolved",
    procedure_id=PROC1.id,
    recorder_id=DOCTOR.id,
)
NRS_DEF = QuestionnaireDefinitionRecord(
    instrument_id="nrs",
    title="Pain NRS",
    version="1",
    items=(
        QuestionnaireItemRecord(
            item_id="pain_now",
            label="Item pain_now",
            answer_type="choice",
            options=tuple(range(11)),
            required=True,
        ),
    ),
)
KOOS_DEF = QuestionnaireDefinitionRecord(
    instrument_id="koos",
    title="KOOS",
    items=(
        QuestionnaireItemRecord(
            item_id="p1", label="Item p1", answer_type="choice", options=(0, 1, 2, 3, 4)
        ),
        QuestionnaireItemRecord(
            item_id="p2", label="Item p2", answer_type="choice", options=(0, 1, 2, 3, 4)
        ),
        QuestionnaireItemRecord(
            item_id="comment", label="Comment", answer_type="string"
        ),
        QuestionnaireItemRecord(
            item_id="swelling_mm", label="Swelling", answer_type="decimal"
        ),
        QuestionnaireItemRecord(
            item_id="uses_cane", label="Cane", answer_type="boolean"
        ),
    ),
)

FULL = PatientBundleRecord(
    patient=PATIENT,
    organizations=(CLINIC,),
    practitioners=(DOCTOR,),
    locations=(ROOM, RECOVERY),
    conditions=(KNEE,),
    courses=(COURSE,),
    appointments=(APPT1, APPT2),
    procedures=(PROC1,),
    questionnaire_responses=(NRS_QR, KOOS_QR),
    observations=(NRS_OBS, KOOS_OBS, ODI_OBS),
    adverse_events=(FLARE,),
    questionnaires=(NRS_DEF, KOOS_DEF),
)
