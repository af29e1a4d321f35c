"""Every route refuses the roles that must not use it (the matrix in prolo.services.permissions).

API: every operation of the app's OpenAPI document must be listed in REQUIRED (a new route
fails `test_every_api_operation_has_a_declared_permission` until it is); each is called, with
real records and a valid body, by every role: a role without the permission gets 403 (a patient
may get 404: other patients' records do not exist for them), a role with it is not refused.

HTML: every page route the app has is classified by its area (AREAS, by path prefix); a role
outside the area's permission gets 403 on GET, and a signed-out visitor is sent to /login.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.routing import Mount

from api.harness import TestClient
from prolo.services.permissions import Permission, roles_for
from prolo.store.records import Role
from security.harness import Site
from security.requests import operations, request_for

P = Permission
PUBLIC = "public"  # no login needed
ANY_LOGIN = "any login"  # every role, signed in
FHIR_ROLES = frozenset({Role.admin, Role.clinician, Role.nurse})  # services.exports

Rule = Permission | tuple[Permission, ...] | frozenset[Role] | str

# (method, path) -> what the route needs. Keep it in step with the services' `authorize` calls.
REQUIRED: dict[tuple[str, str], Rule] = {
    ("GET", "/api/v1/health"): PUBLIC,
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): ANY_LOGIN,
    ("GET", "/api/v1/auth/me"): ANY_LOGIN,
    ("POST", "/api/v1/auth/password"): ANY_LOGIN,
    ("GET", "/api/v1/users"): P.user_manage,
    ("POST", "/api/v1/users"): P.user_manage,
    ("PATCH", "/api/v1/users/{user_id}"): P.user_manage,
    ("GET", "/api/v1/patients"): P.patient_read,
    ("POST", "/api/v1/patients"): P.patient_write,
    ("GET", "/api/v1/patients/by-identifier"): P.patient_read,
    ("GET", "/api/v1/patients/{patient_id}"): P.patient_read,
    ("PATCH", "/api/v1/patients/{patient_id}"): P.patient_write,
    ("POST", "/api/v1/patients/{patient_id}/intakes"): P.intake_write,
    ("GET", "/api/v1/patients/{patient_id}/screenings"): P.screening_read,
    ("GET", "/api/v1/screenings/{screening_id}"): P.screening_read,
    ("POST", "/api/v1/screenings/{screening_id}/sign-off"): P.screening_sign_off,
    ("POST", "/api/v1/patients/{patient_id}/courses"): P.course_write,
    ("GET", "/api/v1/patients/{patient_id}/courses"): P.course_read,
    ("GET", "/api/v1/courses/{course_id}"): P.course_read,
    ("PATCH", "/api/v1/courses/{course_id}"): P.course_write,
    ("GET", "/api/v1/courses/{course_id}/windows"): P.course_read,
    ("POST", "/api/v1/courses/{course_id}/proposal"): P.booking_write,
    ("POST", "/api/v1/courses/{course_id}/appointments"): P.booking_write,
    ("GET", "/api/v1/courses/{course_id}/due-questionnaires"): P.questionnaire_read,
    ("GET", "/api/v1/courses/{course_id}/outcomes"): P.questionnaire_read,
    ("GET", "/api/v1/appointments"): P.booking_read,
    ("GET", "/api/v1/appointments/{appointment_id}"): P.booking_read,
    ("POST", "/api/v1/appointments/{appointment_id}/cancel"): P.booking_write,
    ("POST", "/api/v1/appointments/{appointment_id}/no-show"): P.booking_write,
    ("POST", "/api/v1/appointments/{appointment_id}/check-in"): P.booking_write,
    ("POST", "/api/v1/appointments/{appointment_id}/move"): P.booking_write,
    ("GET", "/api/v1/free-slots"): P.booking_write,
    ("GET", "/api/v1/waitlist"): P.waitlist_read,
    ("POST", "/api/v1/waitlist"): P.waitlist_write,
    ("PATCH", "/api/v1/waitlist/{entry_id}"): P.waitlist_write,
    ("POST", "/api/v1/appointments/{appointment_id}/session"): P.session_run,
    ("GET", "/api/v1/appointments/{appointment_id}/session"): P.session_read,
    ("GET", "/api/v1/sessions/{session_id}"): P.session_read,
    ("POST", "/api/v1/sessions/{session_id}/events"): P.session_run,
    ("PUT", "/api/v1/sessions/{session_id}/notes"): P.session_run,
    ("GET", "/api/v1/patients/{patient_id}/sessions"): P.session_read,
    ("GET", "/api/v1/lots/{lot_number}/patients"): P.session_read,
    ("POST", "/api/v1/patients/{patient_id}/questionnaires"): P.questionnaire_answer,
    ("GET", "/api/v1/patients/{patient_id}/questionnaires"): P.questionnaire_read,
    ("GET", "/api/v1/questionnaire-responses/{response_id}"): P.questionnaire_read,
    # name, timezone and opening hours only: a patient's portal shows them (services.clinic)
    ("GET", "/api/v1/clinic"): P.education_read,
    ("PATCH", "/api/v1/clinic"): P.clinic_manage,
    ("GET", "/api/v1/clinic/settings/{name}"): P.clinic_read,
    ("PUT", "/api/v1/clinic/settings/{name}"): P.clinic_manage,
    ("GET", "/api/v1/rooms"): P.clinic_read,
    ("POST", "/api/v1/rooms"): P.clinic_manage,
    ("GET", "/api/v1/recovery-places"): P.clinic_read,
    ("POST", "/api/v1/recovery-places"): P.clinic_manage,
    ("GET", "/api/v1/staff"): P.clinic_read,
    ("POST", "/api/v1/staff"): P.clinic_manage,
    ("PUT", "/api/v1/staff/{staff_id}/roster"): P.clinic_manage,
    ("POST", "/api/v1/staff/{staff_id}/leave"): P.clinic_manage,
    ("GET", "/api/v1/clinic/aftercare"): P.education_read,
    ("GET", "/api/v1/audit-events"): P.audit_read,
    # interop (FHIR read facade, iCalendar)
    ("GET", "/fhir/metadata"): PUBLIC,
    ("GET", "/fhir/Patient/{patient_id}/$everything"): FHIR_ROLES,
    ("GET", "/fhir/{resource_type}"): FHIR_ROLES,
    ("GET", "/fhir/{resource_type}/{resource_id}"): FHIR_ROLES,
    ("GET", "/calendar/{token}.ics"): PUBLIC,  # the token in the URL is the credential
    ("GET", "/api/v1/calendar/patients/{patient_id}.ics"): P.booking_read,
    # a clinician's own feed (the test's clinician is staff_id's), or an admin
    ("GET", "/api/v1/calendar/clinicians/{staff_id}.ics"): frozenset(
        {Role.admin, Role.clinician}
    ),
    ("POST", "/api/v1/calendar-feeds"): P.booking_read,
    ("GET", "/api/v1/calendar-feeds"): P.booking_read,
    ("DELETE", "/api/v1/calendar-feeds/{token_id}"): P.booking_read,
}

# Query parameters a route needs that its OpenAPI entry does not declare.
SEARCH_PARAMS: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/fhir/{resource_type}"): {"identifier": "urn:mrn|MRN-1"},
}

# HTML areas: path prefix -> the permission that opens the area.
AREAS: dict[str, Rule] = {
    "/reception": P.reception_desk,
    # desk pages that show or change courses and the waitlist need those permissions too
    "/reception/book": P.reception_desk,  # the search for a patient to book
    "/reception/book/{course_id}": (P.reception_desk, P.course_write),
    "/reception/appointments": (P.reception_desk, P.course_read),
    "/reception/waitlist": (P.reception_desk, P.waitlist_read),
    "/check-in": PUBLIC,  # a patient's own check-in link: the token in the URL is the key
    "/portal/check-in": frozenset({Role.patient}),
    "/clinician": P.clinical_notes_read,
    # the patient search is open to every role reading patients (a patient finds only
    # themself: services.patients.list_patients); the charts behind it are clinical
    "/clinician/patients": P.patient_read,
    "/clinician/patients/{patient_id}": P.clinical_notes_read,
    # outcome charts: a patient may fetch their own (questionnaire.read)
    "/clinician/patients/{patient_id}/courses": P.questionnaire_read,
    "/runner": P.session_run,
    "/owner": P.clinic_manage,
    "/portal": frozenset({Role.patient}),
    "/kiosk": PUBLIC,  # the waiting-room tablet: a patient checks in with their code
    "/learn": PUBLIC,
    "/login": PUBLIC,
    "/logout": ANY_LOGIN,
    "/charts": P.questionnaire_read,
    "/static": PUBLIC,
    "/": PUBLIC,  # the site root redirects to the visitor's home
    "/api": PUBLIC,  # the API's own pages (openapi.json, docs): public documents
    "/fhir": PUBLIC,  # covered operation by operation above
    "/calendar": PUBLIC,
}


def allowed(rule: Rule) -> frozenset[Role]:
    """The roles a rule lets in (a tuple of permissions: every one of them)."""
    if isinstance(rule, Permission):
        return roles_for(rule)
    if isinstance(rule, tuple):
        return frozenset.intersection(*(roles_for(p) for p in rule))
    if isinstance(rule, frozenset):
        return rule
    return frozenset(Role)


def _site_ids(site: Site) -> dict[str, str]:
    return {
        **site.ids,
        "resource_type": "Patient",
        "resource_id": site.ids["patient_id"],
        "instrument": "nrs",
        "instrument_id": "nrs",
        "fmt": "svg",
    }


def test_every_api_operation_has_a_declared_permission(app: FastAPI) -> None:
    found = {o.key for o in operations(app)}
    assert sorted(found - REQUIRED.keys()) == [], "add these routes to REQUIRED"
    assert sorted(REQUIRED.keys() - found) == [], "REQUIRED names routes the app lacks"


def _refused(status: int, role: Role) -> bool:
    return status == 403 or (role is Role.patient and status == 404)


def test_every_api_route_refuses_the_roles_without_its_permission(
    app: FastAPI, client: TestClient, site: Site
) -> None:
    spec = app.openapi()
    ids = _site_ids(site)
    wrong: list[str] = []
    checked = 0
    for operation in operations(app):
        rule = REQUIRED.get(operation.key)
        if rule is None or rule in (PUBLIC, ANY_LOGIN):
            continue
        if operation.key == ("POST", "/api/v1/auth/password"):
            continue
        request = request_for(spec, operation, ids)
        params = {**request.params, **SEARCH_PARAMS.get(operation.key, {})}
        for role in Role:
            response = client.request(
                request.method,
                request.url,
                params=params,
                json=request.json,
                headers={**site.auth(role), **request.headers},
            )
            checked += 1
            may = role in allowed(rule)
            if may and response.status_code in (401, 403):
                wrong.append(
                    f"{role.value} refused on {operation.key}: {response.text[:160]}"
                )
            if not may and not _refused(response.status_code, role):
                wrong.append(
                    f"{role.value} NOT refused on {operation.key}: "
                    f"{response.status_code} {response.text[:160]}"
                )
    assert checked > 200
    assert wrong == [], "\n".join(wrong)


def test_every_api_route_but_the_public_ones_needs_a_login(
    app: FastAPI, client: TestClient, site: Site
) -> None:
    spec = app.openapi()
    ids = _site_ids(site)
    wrong = []
    for operation in operations(app):
        if REQUIRED.get(operation.key) == PUBLIC:
            continue
        request = request_for(spec, operation, ids)
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = client.request(
                request.method,
                request.url,
                params=request.params,
                json=request.json,
                headers={**headers, **request.headers},
            )
            if response.status_code != 401:
                wrong.append((operation.key, bool(headers), response.status_code))
    assert wrong == []


# --------------------------------------------------------------------------- HTML pages


def _flat_routes(app: FastAPI) -> list[Any]:
    """The app's routes with included routers flattened (FastAPI >= 0.16x includes routers
    lazily; `iter_route_contexts` walks them)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are plain routes
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def page_routes(app: FastAPI) -> list[tuple[str, str, Any]]:
    """(method, path, route) of every page route of the app (not the API's operations)."""
    found = []
    for route in _flat_routes(app):
        if isinstance(route, Mount) or getattr(route, "include_in_schema", True):
            continue
        path = getattr(route, "path", None)
        if path is None:
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                found.append((method, path, route))
    return found


def area_of(path: str) -> str | None:
    for prefix in sorted(AREAS, key=len, reverse=True):
        inside = path == prefix or path.startswith(prefix.rstrip("/") + "/")
        if inside and (prefix != "/" or path == "/"):
            return prefix
    return None


def test_every_page_route_belongs_to_an_area(app: FastAPI) -> None:
    unknown = [(m, p) for m, p, _ in page_routes(app) if area_of(p) is None]
    assert unknown == [], "add the new area to AREAS with the permission it needs"


def _page_url(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000001", path)


@pytest.mark.parametrize("role", list(Role))
def test_every_page_refuses_the_roles_outside_its_area(
    app: FastAPI, client: TestClient, site: Site, role: Role, web_login
) -> None:
    web_login(client, role)
    wrong = []
    checked = 0
    for method, path, _ in page_routes(app):
        area = area_of(path)
        if method != "GET" or area is None or AREAS[area] in (PUBLIC, ANY_LOGIN):
            continue
        checked += 1
        response = client.get(_page_url(path, _site_ids(site)), follow_redirects=False)
        may = role in allowed(AREAS[area])
        if may and response.status_code in (401, 403):
            wrong.append(f"{role.value} refused on {path}")
        if not may and response.status_code not in (403, 404):
            wrong.append(f"{role.value} NOT refused on {path}: {response.status_code}")
    assert checked >= 3  # the clinician's and the runner's pages at least
    assert wrong == [], "\n".join(wrong)


def test_every_page_outside_the_public_areas_sends_a_visitor_to_login(
    app: FastAPI, client: TestClient, site: Site
) -> None:
    wrong = []
    for method, path, _ in page_routes(app):
        area = area_of(path)
        if method != "GET" or area is None or AREAS[area] == PUBLIC:
            continue
        response = client.get(_page_url(path, _site_ids(site)), follow_redirects=False)
        location = response.headers.get("location", "")
        if response.status_code not in (302, 303) or not location.startswith("/login"):
            wrong.append((path, response.status_code, location))
    assert wrong == []
