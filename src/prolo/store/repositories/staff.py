"""Staff members with roles, weekly roster and leave."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from prolo.store.records import Leave, Role, RosterSlot, StaffMember
from prolo.store.repositories.base import Repository
from prolo.store.tables import (
    RosterEntryRow,
    StaffLeaveRow,
    StaffMemberRow,
    StaffRoleRow,
)


def _staff(row: StaffMemberRow) -> StaffMember:
    return StaffMember(
        id=row.id,
        clinic_id=row.clinic_id,
        name=row.name,
        roles=tuple(sorted((r.role for r in row.roles), key=lambda r: r.value)),
        active=row.active,
        roster=tuple(
            RosterSlot(weekday=e.weekday, starts=e.starts, ends=e.ends)
            for e in row.roster
        ),
        leave=tuple(
            Leave(
                id=v.id, start_date=v.start_date, end_date=v.end_date, reason=v.reason
            )
            for v in row.leave
        ),
    )


class StaffRepository(Repository):
    def add(
        self,
        clinic_id: uuid.UUID,
        *,
        name: str,
        roles: Iterable[Role],
        roster: Iterable[RosterSlot] = (),
    ) -> StaffMember:
        row = StaffMemberRow(clinic_id=clinic_id, name=name, active=True)
        row.roles = [StaffRoleRow(role=r) for r in sorted(set(roles))]
        row.roster = [
            RosterEntryRow(weekday=s.weekday, starts=s.starts, ends=s.ends)
            for s in roster
        ]
        self.session.add(row)
        self.flush()
        return _staff(row)

    def get(self, clinic_id: uuid.UUID, staff_id: uuid.UUID) -> StaffMember | None:
        row = self.session.get(StaffMemberRow, staff_id)
        return _staff(row) if row and row.clinic_id == clinic_id else None

    def members(
        self,
        clinic_id: uuid.UUID,
        *,
        role: Role | None = None,
        active_only: bool = True,
    ) -> list[StaffMember]:
        stmt = select(StaffMemberRow).where(StaffMemberRow.clinic_id == clinic_id)
        if role is not None:
            stmt = stmt.where(StaffMemberRow.roles.any(StaffRoleRow.role == role))
        if active_only:
            stmt = stmt.where(StaffMemberRow.active.is_(True))
        return [
            _staff(r) for r in self.session.scalars(stmt.order_by(StaffMemberRow.name))
        ]

    def find_by_name(self, clinic_id: uuid.UUID, name: str) -> StaffMember | None:
        row = self.session.scalars(
            select(StaffMemberRow).where(
                StaffMemberRow.clinic_id == clinic_id, StaffMemberRow.name == name
            )
        ).first()
        return _staff(row) if row else None

    def set_roster(
        self, staff_id: uuid.UUID, roster: Iterable[RosterSlot]
    ) -> StaffMember:
        row = self.session.get_one(StaffMemberRow, staff_id)
        row.roster = [
            RosterEntryRow(weekday=s.weekday, starts=s.starts, ends=s.ends)
            for s in roster
        ]
        self.flush()
        return _staff(row)

    def add_leave(
        self,
        staff_id: uuid.UUID,
        *,
        start_date: date,
        end_date: date,
        reason: str | None,
    ) -> StaffMember:
        row = self.session.get_one(StaffMemberRow, staff_id)
        row.leave.append(
            StaffLeaveRow(start_date=start_date, end_date=end_date, reason=reason)
        )
        self.flush()
        return _staff(row)
