"""Clinics, their settings documents, procedure rooms and recovery places."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prolo.store.errors import StaleVersionError
from prolo.store.records import Clinic, RecoveryPlace, RecoveryPlaceKind, Room
from prolo.store.repositories.base import Repository
from prolo.store.tables import ClinicRow, ClinicSettingRow, RecoveryPlaceRow, RoomRow

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hours_to_json(hours: dict[str, list[tuple[time, time]]]) -> dict[str, Any]:
    return {
        day: [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in blocks]
        for day, blocks in hours.items()
    }


def _hours_from_json(raw: dict[str, Any]) -> dict[str, list[tuple[time, time]]]:
    return {
        day: [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in blocks]
        for day, blocks in raw.items()
    }


def _clinic(row: ClinicRow) -> Clinic:
    return Clinic(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        opening_hours=_hours_from_json(row.opening_hours),
        slot_minutes=row.slot_minutes,
        version=row.version,
    )


def _room(row: RoomRow) -> Room:
    return Room(id=row.id, clinic_id=row.clinic_id, name=row.name, active=row.active)


def _place(row: RecoveryPlaceRow) -> RecoveryPlace:
    return RecoveryPlace(
        id=row.id,
        clinic_id=row.clinic_id,
        name=row.name,
        kind=row.kind,
        has_heat_pack=row.has_heat_pack,
        active=row.active,
    )


class ClinicRepository(Repository):
    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._absent: set[tuple[uuid.UUID, str]] = set()

    def add(
        self,
        *,
        name: str,
        timezone: str,
        opening_hours: dict[str, list[tuple[time, time]]],
        slot_minutes: int = 5,
    ) -> Clinic:
        row = ClinicRow(
            name=name,
            timezone=timezone,
            opening_hours=_hours_to_json(opening_hours),
            slot_minutes=slot_minutes,
        )
        self.session.add(row)
        self.flush()
        return _clinic(row)

    def get(self, clinic_id: uuid.UUID) -> Clinic | None:
        row = self.session.get(ClinicRow, clinic_id)
        return _clinic(row) if row else None

    def first(self) -> Clinic | None:
        """The oldest clinic (a single-clinic installation's clinic)."""
        row = self.session.scalars(
            select(ClinicRow).order_by(ClinicRow.created_at, ClinicRow.id).limit(1)
        ).first()
        return _clinic(row) if row else None

    def find_by_name(self, name: str) -> Clinic | None:
        row = self.session.scalars(
            select(ClinicRow).where(ClinicRow.name == name).limit(1)
        ).first()
        return _clinic(row) if row else None

    def update(
        self,
        clinic_id: uuid.UUID,
        *,
        expected_version: int,
        name: str | None = None,
        timezone: str | None = None,
        opening_hours: dict[str, list[tuple[time, time]]] | None = None,
    ) -> Clinic:
        row = self.session.get(ClinicRow, clinic_id)
        if row is None:
            raise KeyError(clinic_id)
        if row.version != expected_version:
            raise StaleVersionError("the clinic", expected_version, row.version)
        if name is not None:
            row.name = name
        if timezone is not None:
            row.timezone = timezone
        if opening_hours is not None:
            row.opening_hours = _hours_to_json(opening_hours)
        self.flush()
        return _clinic(row)

    # settings documents -------------------------------------------------------------------
    def get_setting(self, clinic_id: uuid.UUID, name: str) -> dict[str, Any] | None:
        # an absent setting (the shipped default applies) is looked up once per unit of work:
        # the identity map keeps the rows found, but not "not found"
        if (clinic_id, name) in self._absent:
            return None
        row = self.session.get(ClinicSettingRow, (clinic_id, name))
        if row is None:
            self._absent.add((clinic_id, name))
            return None
        return dict(row.value)

    def put_setting(
        self, clinic_id: uuid.UUID, name: str, value: dict[str, Any]
    ) -> None:
        row = self.session.get(ClinicSettingRow, (clinic_id, name))
        self._absent.discard((clinic_id, name))
        if row is None:
            self.session.add(
                ClinicSettingRow(clinic_id=clinic_id, name=name, value=value)
            )
        else:
            row.value = value
        self.flush()

    def setting_names(self, clinic_id: uuid.UUID) -> list[str]:
        return list(
            self.session.scalars(
                select(ClinicSettingRow.name)
                .where(ClinicSettingRow.clinic_id == clinic_id)
                .order_by(ClinicSettingRow.name)
            )
        )

    # rooms and recovery places ------------------------------------------------------------
    def add_room(self, clinic_id: uuid.UUID, name: str) -> Room:
        row = RoomRow(clinic_id=clinic_id, name=name, active=True)
        self.session.add(row)
        self.flush()
        return _room(row)

    def rooms(self, clinic_id: uuid.UUID, *, active_only: bool = False) -> list[Room]:
        stmt = select(RoomRow).where(RoomRow.clinic_id == clinic_id)
        if active_only:
            stmt = stmt.where(RoomRow.active.is_(True))
        return [_room(r) for r in self.session.scalars(stmt.order_by(RoomRow.name))]

    def get_room(self, clinic_id: uuid.UUID, room_id: uuid.UUID) -> Room | None:
        row = self.session.get(RoomRow, room_id)
        return _room(row) if row and row.clinic_id == clinic_id else None

    def add_recovery_place(
        self,
        clinic_id: uuid.UUID,
        name: str,
        kind: RecoveryPlaceKind,
        *,
        has_heat_pack: bool = True,
    ) -> RecoveryPlace:
        row = RecoveryPlaceRow(
            clinic_id=clinic_id,
            name=name,
            kind=kind,
            has_heat_pack=has_heat_pack,
            active=True,
        )
        self.session.add(row)
        self.flush()
        return _place(row)

    def recovery_places(
        self, clinic_id: uuid.UUID, *, active_only: bool = False
    ) -> list[RecoveryPlace]:
        stmt = select(RecoveryPlaceRow).where(RecoveryPlaceRow.clinic_id == clinic_id)
        if active_only:
            stmt = stmt.where(RecoveryPlaceRow.active.is_(True))
        return [
            _place(r)
            for r in self.session.scalars(stmt.order_by(RecoveryPlaceRow.name))
        ]

    def get_recovery_place(
        self, clinic_id: uuid.UUID, place_id: uuid.UUID
    ) -> RecoveryPlace | None:
        row = self.session.get(RecoveryPlaceRow, place_id)
        return _place(row) if row and row.clinic_id == clinic_id else None
