"""Staff members, their roles, weekly roster and leave."""

from __future__ import annotations

import uuid
from datetime import date, time

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prolo.store.base import Base, Timestamps, UUIDPrimaryKey, Versioned
from prolo.store.records import Role
from prolo.store.tables.columns import enum_type


class StaffMemberRow(UUIDPrimaryKey, Timestamps, Versioned, Base):
    __tablename__ = "staff_members"

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)

    roles: Mapped[list[StaffRoleRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="StaffRoleRow.role"
    )
    roster: Mapped[list[RosterEntryRow]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="(RosterEntryRow.weekday, RosterEntryRow.starts)",
    )
    leave: Mapped[list[StaffLeaveRow]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="StaffLeaveRow.start_date",
    )


class StaffRoleRow(Base):
    __tablename__ = "staff_roles"

    staff_member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "staff_role"), primary_key=True)


class RosterEntryRow(UUIDPrimaryKey, Base):
    """A weekly working block, local clinic time (weekday 0 = Monday)."""

    __tablename__ = "roster_entries"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("starts < ends", name="starts_before_ends"),
    )

    staff_member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    starts: Mapped[time]
    ends: Mapped[time]


class StaffLeaveRow(UUIDPrimaryKey, Base):
    __tablename__ = "staff_leave"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="starts_before_ends"),
    )

    staff_member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(200))
