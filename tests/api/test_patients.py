"""Patients over the API: pagination, ETag/If-Match, audit, patients' own view (404 for others)."""

from __future__ import annotations

import uuid

import pytest

from api.harness import Login, TestClient
from prolo.store.records import Role
from prolo.store.unit_of_work import Database

NEW = {
    "given_name": "Ayse",
    "family_name": "Demir",
    "birth_date": "1971-02-03",
    "sex": "female",
}


def _create(
    client: TestClient, headers: dict[str, str], **changes: object
) -> dict[str, object]:
    response = client.post("/api/v1/patients", json={**NEW, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


class TestPatients:
    def test_create_read_with_etag_and_location(
        self, client: TestClient, login: Login
    ) -> None:
        headers = login(Role.reception)
        response = client.post(
            "/api/v1/patients",
            json={**NEW, "identifiers": [{"system": "urn:mrn", "value": "7"}]},
            headers=headers,
        )
        assert response.status_code == 201
        assert response.headers["etag"] == '"v1"'
        patient = response.json()
        assert response.headers["location"] == f"/api/v1/patients/{patient['id']}"
        read = client.get(f"/api/v1/patients/{patient['id']}", headers=headers)
        assert read.json()["name"] == "Ayse Demir"
        assert read.headers["etag"] == '"v1"'
        found = client.get(
            "/api/v1/patients/by-identifier?system=urn:mrn&value=7", headers=headers
        )
        assert found.json()["id"] == patient["id"]

    def test_list_paginates(self, client: TestClient, login: Login) -> None:
        headers = login(Role.reception)
        for i in range(3):
            _create(client, headers, family_name=f"Family{i}")
        first = client.get("/api/v1/patients?limit=2", headers=headers).json()
        second = client.get("/api/v1/patients?limit=2&offset=2", headers=headers).json()
        assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
        assert [p["family_name"] for p in first["items"] + second["items"]] == [
            "Family0",
            "Family1",
            "Family2",
        ]

    def test_update_needs_if_match_and_a_stale_one_is_409(
        self, client: TestClient, login: Login
    ) -> None:
        headers = login(Role.reception)
        patient = _create(client, headers)
        url = f"/api/v1/patients/{patient['id']}"
        missing = client.patch(url, json={"phone": "1"}, headers=headers)
        assert missing.status_code == 428
        ok = client.patch(
            url, json={"phone": "1"}, headers={**headers, "If-Match": '"v1"'}
        )
        assert ok.status_code == 200
        assert ok.headers["etag"] == '"v2"'
        stale = client.patch(
            url, json={"phone": "2"}, headers={**headers, "If-Match": '"v1"'}
        )
        assert stale.status_code == 409
        assert stale.json()["reason"] == "stale-version"
        assert client.get(url, headers=headers).json()["phone"] == "1"
        garbled = client.patch(
            url, json={"phone": "3"}, headers={**headers, "If-Match": "yesterday"}
        )
        assert garbled.status_code == 422

    def test_reads_are_audited_with_the_client_address(
        self, client: TestClient, login: Login, database: Database
    ) -> None:
        patient = _create(client, login(Role.reception))
        client.get(f"/api/v1/patients/{patient['id']}", headers=login(Role.nurse))
        events = client.get(
            f"/api/v1/audit-events?patient_id={patient['id']}",
            headers=login(Role.admin),
        ).json()["items"]
        read = next(e for e in events if e["action"] == "patient.read")
        assert read["actor_role"] == "nurse"
        assert read["client_address"] == "192.0.2.44"
        assert read["resource_type"] == "patient"

    def test_only_admins_read_the_audit_log(
        self, client: TestClient, login: Login
    ) -> None:
        assert (
            client.get(
                "/api/v1/audit-events", headers=login(Role.clinician)
            ).status_code
            == 403
        )


class TestPatientsOwnView:
    @pytest.fixture
    def two_patients(
        self, client: TestClient, login: Login
    ) -> tuple[dict[str, object], dict[str, object]]:
        headers = login(Role.reception)
        return _create(client, headers, given_name="Me"), _create(
            client, headers, given_name="Other"
        )

    def test_a_patient_reads_their_own_record(
        self, client: TestClient, login: Login, two_patients
    ) -> None:
        me, _ = two_patients
        headers = login(Role.patient, patient_id=uuid.UUID(str(me["id"])))
        assert (
            client.get(f"/api/v1/patients/{me['id']}", headers=headers).status_code
            == 200
        )
        assert [
            p["id"]
            for p in client.get("/api/v1/patients", headers=headers).json()["items"]
        ] == [me["id"]]

    @pytest.mark.parametrize("method", ["GET", "PATCH"])
    def test_another_patients_id_is_404_not_403(
        self, client: TestClient, login: Login, two_patients, method: str
    ) -> None:
        me, other = two_patients
        headers = {
            **login(Role.patient, patient_id=uuid.UUID(str(me["id"]))),
            "If-Match": '"v1"',
        }
        response = client.request(
            method,
            f"/api/v1/patients/{other['id']}",
            json={"phone": "1"} if method == "PATCH" else None,
            headers=headers,
        )
        assert response.status_code == 404
