"""A hand-built patient Bundle (records written by hand, not exported), and helpers to compare
Bundles "modulo ids and meta", shared by the FHIR import, facade and CLI tests."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from prolo.domain.instruments import get_instrument
from prolo.interop import scores
from prolo.interop.fhir import patient_bundle_json
from prolo.interop.records import (
    AdverseEventRecord,
    AppointmentRecord,
    BodySiteRecord,
    ConditionRecord,
    CourseRecord,
    InjectionRecord,
    LocationRecord,
    OrganizationRecord,
    PatientBundleRecord,
    PatientRecord,
    PractitionerRecord,
    ProcedureRecord,
)

START = datetime(2025, 3, 4, 7, 0, tzinfo=UTC)  # Tuesday 10:00 in Istanbul


def hand_built(
    *, patient_id: uuid.UUID | None = None, mrn: str = "MRN-0042"
) -> PatientBundleRecord:
    """A knee patient with two sessions (one done with an injection and an adverse event, one
    cancelled), a third booked, and NRS answers before the first and the second session."""
    pid = patient_id or uuid.uuid4()
    org, doctor, room, bed, course = (uuid.uuid4() for _ in range(5))
    appointments = []
    for n, (status, reason) in enumerate(
        (("done", None), ("cancelled", "patient is travelling"), ("booked", None)),
        start=1,
    ):
        start = START + timedelta(days=14 * (n - 1))
        appointments.append(
            AppointmentRecord(
                id=uuid.uuid4(),
                patient_id=pid,
                status=status,  # type: ignore[arg-type]
                start=start,
                end=start + timedelta(minutes=30),
                clinician_id=doctor,
                room_id=room,
                recovery_place_id=bed,
                recovery_start=start + timedelta(minutes=30),
                recovery_end=start + timedelta(minutes=45),
                course_id=course,
                session_number=n if status != "booked" else 2,
                cancellation_reason=reason,
                created_at=START - timedelta(days=2),
            )
        )
    done = appointments[0]
    procedure = ProcedureRecord(
        id=uuid.uuid4(),
        patient_id=pid,
        status="completed",
        start=done.start,
        end=done.start + timedelta(minutes=40),
        clinician_id=doctor,
        room_id=room,
        appointment_id=done.id,
        course_id=course,
        session_number=1,
        condition_ids=(course,),
        injections=(
            InjectionRecord(
                site=BodySiteRecord(site_id="knee_intra_articular", laterality="left"),
                solution="dextrose",
                concentration_percent=Decimal("25"),
                volume_ml=Decimal("5.5"),
                guidance="ultrasound",
                lot_number="DX-2025-03",
            ),
        ),
        note="Tolerated well.",
    )
    nrs = get_instrument("nrs")
    responses = [
        scores.response_from_answers(
            nrs,
            [value],
            response_id=uuid.uuid4(),
            patient_id=pid,
            authored=at,
            course_id=course,
            procedure_id=proc,
        )
        for value, at, proc in (
            (7, START - timedelta(days=1), None),
            (5, done.start - timedelta(minutes=20), procedure.id),
        )
    ]
    return PatientBundleRecord(
        patient=PatientRecord(
            id=pid,
            family_name="Yılmaz",  # noqa: RUF001 (Turkish name)
            given_names=("Ayşe", "Nur"),
            mrn=mrn,
            birth_date=date(1968, 4, 9),
            gender="female",
            phone="+90 555 010 0042",
            email="ayse@example.org",
            language="tr",
            organization_id=org,
        ),
        organizations=(OrganizationRecord(id=org, name="Hand-built clinic"),),
        practitioners=(
            PractitionerRecord(
                id=doctor, family_name="Aksoy", given_names=("Dr.", "Ada")
            ),
        ),
        locations=(
            LocationRecord(
                id=room, name="Room A", kind="procedure_room", organization_id=org
            ),
            LocationRecord(
                id=bed, name="Bed 1", kind="recovery_place", organization_id=org
            ),
        ),
        conditions=(
            ConditionRecord(
                id=course,
                patient_id=pid,
                catalog_id="knee_osteoarthritis",
                display="Knee osteoarthritis",
                body_sites=(
                    BodySiteRecord(site_id="knee_intra_articular", laterality="left"),
                ),
            ),
        ),
        courses=(
            CourseRecord(
                id=course,
                patient_id=pid,
                status="active",
                condition_ids=(course,),
                created_at=START - timedelta(days=3),
            ),
        ),
        appointments=tuple(appointments),
        procedures=(procedure,),
        questionnaire_responses=tuple(responses),
        adverse_events=(
            AdverseEventRecord(
                id=uuid.uuid4(),
                patient_id=pid,
                code="pain_flare",
                occurred_at=done.start + timedelta(minutes=35),
                severity="mild",
                procedure_id=procedure.id,
            ),
        ),
    )


def hand_built_json(**kwargs: Any) -> dict[str, Any]:
    bundle: dict[str, Any] = patient_bundle_json(hand_built(**kwargs))
    return bundle


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def canonical(bundle: dict[str, Any]) -> str:
    """The Bundle without `meta`, with every UUID renamed by order of first appearance: two
    Bundles are "the same resources modulo ids and meta" when their canonical forms are equal."""
    copy = json.loads(json.dumps(bundle))
    for entry in copy.get("entry", []):
        entry["resource"].pop("meta", None)
    text = json.dumps(copy, sort_keys=True, ensure_ascii=False)
    seen: dict[str, str] = {}
    return _UUID.sub(lambda m: seen.setdefault(m.group(0), f"<id{len(seen)}>"), text)
