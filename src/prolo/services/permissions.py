"""The role/permission matrix, as data, in one place. docs/roles.md is rendered from it
(`render_markdown()`; a test fails when the page is stale).

Patients hold a permission only for their own records: `authorize` answers 404 (not 403) when a
patient names another patient's record, so ids of other patients reveal nothing.
"""

from __future__ import annotations

from enum import StrEnum

from prolo.store.records import Role


class Permission(StrEnum):
    patient_read = "patient.read"
    patient_write = "patient.write"
    intake_write = "intake.write"
    screening_read = "screening.read"
    screening_sign_off = "screening.sign_off"
    course_read = "course.read"
    course_write = "course.write"
    course_timing_override = "course.timing_override"
    booking_read = "booking.read"
    booking_write = "booking.write"
    session_read = "session.read"
    session_run = "session.run"
    session_discharge_override = "session.discharge_override"
    clinical_notes_read = "clinical_notes.read"
    questionnaire_read = "questionnaire.read"
    questionnaire_answer = "questionnaire.answer"
    education_read = "education.read"
    waitlist_read = "waitlist.read"
    waitlist_write = "waitlist.write"
    clinic_read = "clinic.read"
    clinic_manage = "clinic.manage"
    user_manage = "user.manage"
    audit_read = "audit.read"
    report_read = "report.read"
    reception_desk = "reception.desk"


A, C, N, R, P = Role.admin, Role.clinician, Role.nurse, Role.reception, Role.patient

# permission -> (roles that hold it, what it covers)
MATRIX: dict[Permission, tuple[frozenset[Role], str]] = {
    Permission.patient_read: (
        frozenset({A, C, N, R, P}),
        "Read demographics and contact details (a patient: their own).",
    ),
    Permission.patient_write: (
        frozenset({A, C, N, R}),
        "Register patients and change demographics and contact details.",
    ),
    Permission.intake_write: (
        frozenset({C, N, R}),
        "Record an intake questionnaire; it is screened by the clinic's rules at once.",
    ),
    Permission.screening_read: (
        frozenset({C, N}),
        "Read intakes and screening results with their reasons (clinical information).",
    ),
    Permission.screening_sign_off: (
        frozenset({C}),
        "Sign off a screening, or override its decision with a written reason.",
    ),
    Permission.course_read: (
        frozenset({C, N, R, P}),
        "Read courses: condition, planned sessions, status, windows (a patient: their own).",
    ),
    Permission.course_write: (
        frozenset({C, N, R}),
        "Create a course for a signed-off eligible patient and book its sessions.",
    ),
    Permission.course_timing_override: (
        frozenset({C}),
        "Book a session outside its 14-21-day window, or more sessions than the rules allow,"
        " with a written reason.",
    ),
    Permission.booking_read: (
        frozenset({A, C, N, R, P}),
        "Read appointments and the calendar (a patient: their own appointments).",
    ),
    Permission.booking_write: (
        frozenset({C, N, R}),
        "Book, move, cancel, check in and mark no-show.",
    ),
    Permission.session_read: (
        frozenset({C, N}),
        "Read session records: protocol steps, injections with lot numbers, adverse events.",
    ),
    Permission.session_run: (
        frozenset({C, N}),
        "Run the session steps (consent ... discharge) and record injections and adverse events.",
    ),
    Permission.session_discharge_override: (
        frozenset({C}),
        "Discharge before the minimum heat-pack rest, with a written reason.",
    ),
    Permission.clinical_notes_read: (
        frozenset({C, N}),
        "Read clinical notes of sessions.",
    ),
    Permission.questionnaire_read: (
        frozenset({C, N, P}),
        "Read questionnaire answers and scores (a patient: their own).",
    ),
    Permission.questionnaire_answer: (
        frozenset({C, N, P}),
        "Submit questionnaire answers, scored at once (a patient: their own).",
    ),
    Permission.education_read: (
        frozenset({A, C, N, R, P}),
        "Read the patient education pages and aftercare instructions.",
    ),
    Permission.waitlist_read: (
        frozenset({C, N, R}),
        "Read the waitlist.",
    ),
    Permission.waitlist_write: (
        frozenset({C, R}),
        "Add patients to the waitlist, offer freed slots, remove entries.",
    ),
    Permission.clinic_read: (
        frozenset({A, C, N, R}),
        "Read the clinic, its rooms, recovery places, staff and settings.",
    ),
    Permission.clinic_manage: (
        frozenset({A}),
        "Change the clinic, its rooms, recovery places, staff rosters and settings.",
    ),
    Permission.user_manage: (
        frozenset({A}),
        "Create user accounts, set roles, deactivate accounts.",
    ),
    Permission.audit_read: (
        frozenset({A}),
        "Read the audit log (nobody can change or delete it).",
    ),
    Permission.reception_desk: (
        frozenset({A, R}),
        "Open the reception desk pages (calendar, booking, check-in, waitlist); what can be"
        " done there still needs the booking, course and waitlist permissions.",
    ),
    Permission.report_read: (
        frozenset({A}),
        "Read the clinic's outcome reports (aggregates) and export a patient's course summary"
        " for the referring doctor (audited as a read of that patient's data).",
    ),
}

ROLE_ORDER = (A, C, N, R, P)


def roles_for(permission: Permission) -> frozenset[Role]:
    return MATRIX[permission][0]


def allows(role: Role, permission: Permission) -> bool:
    return role in MATRIX[permission][0]


def render_markdown() -> str:
    """docs/roles.md: the matrix as a table (generated; edit the MATRIX, then regenerate)."""
    lines = [
        "# Roles and permissions",
        "",
        "<!-- Generated from prolo.services.permissions.MATRIX by"
        " `python -m prolo.services.permissions > docs/roles.md`; a test fails when stale. -->",
        "",
        "Prolo has five roles: **admin** (accounts, clinic settings, audit log), **clinician**,"
        " **nurse**, **reception** and **patient**. Every service function checks the caller's"
        " role against this table before it reads or writes anything, and writes an audit event"
        " for every read or write of patient data.",
        "",
        "A patient holds a permission only for their own records. Asking for another patient's"
        " record answers **404 Not Found**, never 403, on every patient-facing route, so ids"
        " reveal nothing. A role without a permission gets **403 Forbidden**.",
        "",
        "| Permission | "
        + " | ".join(r.value for r in ROLE_ORDER)
        + " | What it covers |",
        "|---|" + "---|" * len(ROLE_ORDER) + "---|",
    ]
    for permission, (roles, text) in MATRIX.items():
        marks = " | ".join("yes" if r in roles else "-" for r in ROLE_ORDER)
        lines.append(f"| `{permission.value}` | {marks} | {text} |")
    lines += [
        "",
        "## Rules that the tests pin down",
        "",
        "- Reception cannot read clinical notes, screening reasons or session records.",
        "- A nurse runs the session steps but cannot sign off or override a screening decision,"
        " override a course timing rule, or discharge before the minimum rest.",
        "- Only a clinician signs off a screening, overrides a timing rule or the rest minimum.",
        "- A patient sees only their own appointments, questionnaires and education pages.",
        "- Nobody, admin included, can change or delete an audit event (the database refuses it).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a docs generator
    import sys

    sys.stdout.write(render_markdown())
