"""Hypothesis strategies for interop records: whole patient bundles whose references all resolve."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

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

ZONES = (
    UTC,
    ZoneInfo("Europe/Istanbul"),
    ZoneInfo("Europe/Berlin"),
    timezone(timedelta(hours=-5, minutes=-30)),
)

# Free text: letters, digits, punctuation, symbols and inner spaces (FHIR strings; no control characters).
texts = (
    st.text(
        st.characters(
            categories=("L", "N", "P", "S", "Zs"), exclude_characters="\u2028\u2029"
        ),
        max_size=24,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
codes = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,15}", fullmatch=True)
slugs = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
# Two decimal places and at most six digits: exact through FHIR JSON numbers.
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
scores = st.decimals(
    min_value=Decimal("-999.99"), max_value=Decimal("9999.99"), places=2
)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2090, 12, 31),
    timezones=st.sampled_from(ZONES),
)
durations = st.integers(min_value=1, max_value=8 * 60 * 60).map(
    lambda s: timedelta(seconds=s)
)


def after(start: datetime, delta: timedelta) -> datetime:
    """`start + delta` in absolute time (plain `+` is wall-clock arithmetic inside a ZoneInfo zone)."""
    return (start.astimezone(UTC) + delta).astimezone(start.tzinfo)


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


def pick(pool: list[uuid.UUID]) -> st.SearchStrategy:
    return st.sampled_from(pool) if pool else st.nothing()


def maybe_pick(pool: list[uuid.UUID]) -> st.SearchStrategy:
    return st.none() | st.sampled_from(pool) if pool else st.none()


def some(pool: list[uuid.UUID]) -> st.SearchStrategy:
    return (
        st.lists(st.sampled_from(pool), unique=True, max_size=3).map(tuple)
        if pool
        else st.just(())
    )


body_sites = st.builds(
    BodySiteRecord,
    site_id=codes,
    kind=st.sampled_from(["region", "site"]),
    label=maybe(texts),
    laterality=maybe(st.sampled_from(["left", "right", "bilateral"])),
)


@st.composite
def injections(draw: st.DrawFn) -> InjectionRecord:
    anaesthetic = draw(maybe(slugs))
    return InjectionRecord(
        site=draw(body_sites),
        solution=draw(slugs),
        solution_label=draw(maybe(texts)),
        concentration_percent=draw(maybe(percents)),
        volume_ml=draw(amounts),
        anaesthetic=anaesthetic,
        anaesthetic_percent=draw(maybe(percents)) if anaesthetic is not None else None,
        guidance=draw(
            maybe(st.sampled_from(["landmark", "ultrasound", "fluoroscopy"]))
        ),
        lot_number=draw(maybe(texts)),
    )


answer_values = (
    st.booleans()
    | st.integers(min_value=-1000, max_value=1000)
    | st.decimals(min_value=Decimal("-999.99"), max_value=Decimal("999.99"), places=2)
    | texts
)


@st.composite
def questionnaire_definitions(
    draw: st.DrawFn, instrument_id: str
) -> QuestionnaireDefinitionRecord:
    item_ids = draw(st.lists(codes, min_size=1, max_size=5, unique=True))
    items = []
    for item_id in item_ids:
        kind = draw(
            st.sampled_from(["choice", "integer", "decimal", "boolean", "string"])
        )
        options = (
            draw(st.lists(st.integers(0, 20), min_size=2, max_size=6, unique=True))
            if kind == "choice"
            else []
        )
        items.append(
            QuestionnaireItemRecord(
                item_id=item_id,
                label=draw(texts),
                answer_type=kind,
                options=tuple(options),
                required=draw(st.booleans()),
            )
        )
    return QuestionnaireDefinitionRecord(
        instrument_id=instrument_id,
        title=draw(texts),
        version=draw(maybe(texts)),
        items=tuple(items),
    )


@st.composite
def patient_bundles(draw: st.DrawFn) -> PatientBundleRecord:
    counts = {
        "org": draw(st.integers(0, 1)),
        "prac": draw(st.integers(1, 3)),
        "loc": draw(st.integers(1, 3)),
        "cond": draw(st.integers(0, 2)),
        "course": draw(st.integers(0, 2)),
        "appt": draw(st.integers(0, 3)),
        "proc": draw(st.integers(0, 2)),
        "qr": draw(st.integers(0, 2)),
        "obs": draw(st.integers(0, 3)),
        "ae": draw(st.integers(0, 2)),
    }
    all_ids = draw(
        st.lists(
            st.uuids(),
            min_size=sum(counts.values()) + 1,
            max_size=sum(counts.values()) + 1,
            unique=True,
        )
    )
    pools: dict[str, list[uuid.UUID]] = {}
    at = 1
    for name, n in counts.items():
        pools[name] = all_ids[at : at + n]
        at += n
    patient_id = all_ids[0]

    organizations = tuple(
        OrganizationRecord(
            id=i,
            name=draw(texts),
            phone=draw(maybe(texts)),
            email=draw(maybe(texts)),
            active=draw(st.booleans()),
        )
        for i in pools["org"]
    )
    patient = PatientRecord(
        id=patient_id,
        family_name=draw(texts),
        given_names=tuple(draw(st.lists(texts, max_size=2))),
        mrn=draw(maybe(texts)),
        birth_date=draw(maybe(days)),
        gender=draw(maybe(st.sampled_from(["male", "female", "other", "unknown"]))),
        phone=draw(maybe(texts)),
        email=draw(maybe(texts)),
        language=draw(maybe(st.sampled_from(["tr", "en", "en-GB", "de"]))),
        organization_id=draw(maybe_pick(pools["org"])),
        active=draw(st.booleans()),
    )
    practitioners = tuple(
        PractitionerRecord(
            id=i,
            family_name=draw(texts),
            given_names=tuple(draw(st.lists(texts, max_size=2))),
            qualification=draw(maybe(texts)),
            phone=draw(maybe(texts)),
            email=draw(maybe(texts)),
            active=draw(st.booleans()),
        )
        for i in pools["prac"]
    )
    locations = tuple(
        LocationRecord(
            id=i,
            name=draw(texts),
            kind=draw(st.sampled_from(["clinic", "procedure_room", "recovery_place"])),
            organization_id=draw(maybe_pick(pools["org"])),
            active=draw(st.booleans()),
        )
        for i in pools["loc"]
    )
    conditions = tuple(
        ConditionRecord(
            id=i,
            patient_id=patient_id,
            catalog_id=draw(slugs),
            display=draw(texts),
            icd10_cm=tuple(
                draw(
                    st.lists(
                        st.from_regex(
                            r"[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?", fullmatch=True
                        ),
                        max_size=2,
                    )
                )
            ),
            snomed_ct=tuple(
                draw(
                    st.lists(
                        st.from_regex(r"[1-9][0-9]{5,17}", fullmatch=True), max_size=2
                    )
                )
            ),
            body_sites=tuple(draw(st.lists(body_sites, max_size=2))),
            clinical_status=draw(
                st.sampled_from(
                    [
                        "active",
                        "recurrence",
                        "relapse",
                        "inactive",
                        "remission",
                        "resolved",
                    ]
                )
            ),
            onset_date=draw(maybe(days)),
            recorded_date=draw(maybe(days)),
            note=draw(maybe(texts)),
        )
        for i in pools["cond"]
    )
    appointments = []
    for i in pools["appt"]:
        start = draw(instants)
        recovery_place = draw(maybe_pick(pools["loc"]))
        recovery_start = recovery_end = None
        if recovery_place is not None and draw(st.booleans()):
            recovery_start = after(start, draw(durations))
            recovery_end = after(recovery_start, draw(durations))
        appointments.append(
            AppointmentRecord(
                id=i,
                patient_id=patient_id,
                status=draw(
                    st.sampled_from(
                        ["booked", "checked_in", "done", "cancelled", "no_show"]
                    )
                ),
                start=start,
                end=after(start, draw(durations)),
                clinician_id=draw(pick(pools["prac"])),
                room_id=draw(pick(pools["loc"])),
                recovery_place_id=recovery_place,
                recovery_start=recovery_start,
                recovery_end=recovery_end,
                course_id=draw(maybe_pick(pools["course"])),
                session_number=draw(maybe(st.integers(1, 12))),
                cancellation_reason=draw(maybe(texts)),
                created_at=draw(maybe(instants)),
                revision=draw(st.integers(0, 50)),
                updated_at=draw(maybe(instants)),
            )
        )
    procedures = []
    for i in pools["proc"]:
        start = draw(instants)
        procedures.append(
            ProcedureRecord(
                id=i,
                patient_id=patient_id,
                status=draw(st.sampled_from(["in_progress", "completed", "stopped"])),
                start=start,
                end=after(start, draw(durations)) if draw(st.booleans()) else None,
                clinician_id=draw(pick(pools["prac"])),
                room_id=draw(maybe_pick(pools["loc"])),
                appointment_id=draw(maybe_pick(pools["appt"])),
                course_id=draw(maybe_pick(pools["course"])),
                session_number=draw(maybe(st.integers(1, 12))),
                condition_ids=draw(some(pools["cond"])),
                body_sites=tuple(draw(st.lists(body_sites, max_size=2))),
                injections=tuple(draw(st.lists(injections(), max_size=3))),
                note=draw(maybe(texts)),
            )
        )
    courses = []
    for i in pools["course"]:
        numbers = draw(st.lists(st.integers(1, 12), unique=True, max_size=4))
        sessions = []
        for n in numbers:
            window_start = draw(days)
            sessions.append(
                PlannedSessionRecord(
                    number=n,
                    window_start=window_start,
                    window_end=window_start + timedelta(days=draw(st.integers(0, 21))),
                    status=draw(
                        st.sampled_from(["planned", "booked", "done", "cancelled"])
                    ),
                    appointment_id=draw(maybe_pick(pools["appt"])),
                    procedure_id=draw(maybe_pick(pools["proc"])),
                )
            )
        courses.append(
            CourseRecord(
                id=i,
                patient_id=patient_id,
                status=draw(
                    st.sampled_from(["planned", "active", "completed", "stopped"])
                ),
                condition_ids=draw(some(pools["cond"])),
                title=draw(maybe(texts)),
                protocol_id=draw(maybe(codes)),
                created_at=draw(maybe(instants)),
                sessions=tuple(sessions),
            )
        )
    instrument_ids = draw(st.lists(slugs, min_size=1, max_size=3, unique=True))
    responses = []
    for i in pools["qr"]:
        item_ids = draw(st.lists(codes, unique=True, max_size=4))
        responses.append(
            QuestionnaireResponseRecord(
                id=i,
                patient_id=patient_id,
                instrument_id=draw(st.sampled_from(instrument_ids)),
                instrument_version=draw(maybe(texts)),
                status=draw(st.sampled_from(["in_progress", "completed", "amended"])),
                authored=draw(instants),
                answers=tuple(
                    ItemAnswerRecord(item_id=item, value=draw(answer_values))
                    for item in item_ids
                ),
                course_id=draw(maybe_pick(pools["course"])),
                procedure_id=draw(maybe_pick(pools["proc"])),
            )
        )
    observations = []
    for i in pools["obs"]:
        subscale_ids = draw(st.lists(slugs, unique=True, max_size=3))
        value = draw(maybe(scores)) if subscale_ids else draw(scores)
        observations.append(
            ObservationRecord(
                id=i,
                patient_id=patient_id,
                instrument_id=draw(
                    st.sampled_from([*instrument_ids, "nrs", "odi", "ndi"])
                ),
                effective=draw(instants),
                value=value,
                unit=draw(st.sampled_from(["{score}", "%"]))
                if value is not None
                else "{score}",
                subscales=tuple(
                    SubscaleScoreRecord(
                        subscale_id=s,
                        value=draw(scores),
                        unit=draw(st.sampled_from(["{score}", "%"])),
                    )
                    for s in subscale_ids
                ),
                status=draw(st.sampled_from(["preliminary", "final", "amended"])),
                questionnaire_response_id=draw(maybe_pick(pools["qr"])),
                course_id=draw(maybe_pick(pools["course"])),
                procedure_id=draw(maybe_pick(pools["proc"])),
            )
        )
    adverse_events = tuple(
        AdverseEventRecord(
            id=i,
            patient_id=patient_id,
            code=draw(slugs),
            label=draw(maybe(texts)),
            occurred_at=draw(instants),
            recorded_at=draw(maybe(instants)),
            seriousness=draw(st.sampled_from(["serious", "non-serious"])),
            severity=draw(maybe(st.sampled_from(["mild", "moderate", "severe"]))),
            outcome=draw(
                maybe(
                    st.sampled_from(
                        [
                            "resolved",
                            "recovering",
                            "ongoing",
                            "resolvedWithSequelae",
                            "fatal",
                            "unknown",
                        ]
                    )
                )
            ),
            procedure_id=draw(maybe_pick(pools["proc"])),
            recorder_id=draw(maybe_pick(pools["prac"])),
        )
        for i in pools["ae"]
    )
    questionnaires = tuple(
        draw(questionnaire_definitions(instrument_id))
        for instrument_id in draw(
            st.lists(st.sampled_from(instrument_ids), unique=True)
        )
    )
    return PatientBundleRecord(
        patient=patient,
        organizations=organizations,
        practitioners=practitioners,
        locations=locations,
        conditions=conditions,
        courses=tuple(courses),
        appointments=tuple(appointments),
        procedures=tuple(procedures),
        questionnaire_responses=tuple(responses),
        observations=tuple(observations),
        adverse_events=adverse_events,
        questionnaires=questionnaires,
    )
