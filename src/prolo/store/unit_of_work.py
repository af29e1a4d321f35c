"""The unit of work: one Session, every repository, one commit at the edge.

    with database.unit_of_work() as uow:        # an API request, a CLI command, a job
        patient = services.patients.get_patient(uow, actor, patient_id=...)
        uow.commit()                            # once; leaving without commit rolls back

Services receive the unit of work, call its repositories and may flush; they never commit.
`uow.now()` is the time of the unit of work's clock (a FixedClock in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from prolo.domain.clock import Clock, SystemClock
from prolo.store.engine import make_engine
from prolo.store.migrations import SchemaStatus, schema_status
from prolo.store.repositories import (
    AnswerRepository,
    AppointmentRepository,
    AuditRepository,
    CalendarFeedRepository,
    ClinicRepository,
    CourseRepository,
    InteropRepository,
    PatientRepository,
    ScreeningRepository,
    SessionRepository,
    StaffRepository,
    UserRepository,
    WaitlistRepository,
)
from prolo.store.repositories.base import translate


class UnitOfWork:
    """One transaction's worth of work. Use as a context manager; call `commit()` once."""

    clinics: ClinicRepository
    staff: StaffRepository
    users: UserRepository
    patients: PatientRepository
    screenings: ScreeningRepository
    courses: CourseRepository
    appointments: AppointmentRepository
    waitlist: WaitlistRepository
    sessions: SessionRepository
    answers: AnswerRepository
    audit: AuditRepository
    calendar_feeds: CalendarFeedRepository
    interop: InteropRepository

    def __init__(
        self, session_factory: Callable[[], Session], *, clock: Clock | None = None
    ) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self.clock: Clock = clock or SystemClock()

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `with uow:`")
        return self._session

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        session = self._session_factory()
        self._session = session
        self.clinics = ClinicRepository(session)
        self.staff = StaffRepository(session)
        self.users = UserRepository(session)
        self.patients = PatientRepository(session)
        self.screenings = ScreeningRepository(session)
        self.courses = CourseRepository(session)
        self.appointments = AppointmentRepository(session)
        self.waitlist = WaitlistRepository(session)
        self.sessions = SessionRepository(session)
        self.answers = AnswerRepository(session)
        self.audit = AuditRepository(session)
        self.calendar_feeds = CalendarFeedRepository(session)
        self.interop = InteropRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._session
        self._session = None
        if session is None:
            return
        try:
            session.rollback()  # a no-op after commit(); discards anything uncommitted
        finally:
            session.close()

    def now(self) -> datetime:
        return self.clock.now()

    def flush(self) -> None:
        self.clinics.flush()

    def commit(self) -> None:
        """Commit everything; database refusals surface as StoreErrors."""
        try:
            self.session.commit()
        except (DBAPIError, StaleDataError) as exc:
            self.session.rollback()
            translated = translate(exc)
            if translated is None:
                raise
            raise translated from exc

    def rollback(self) -> None:
        self.session.rollback()


UnitOfWorkFactory = Callable[[], UnitOfWork]


class Database:
    """An engine and its session factory; builds units of work. Created at the edge."""

    def __init__(
        self,
        url: str,
        *,
        engine: Engine | None = None,
        session_factory: Callable[[], Session] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self._session_factory = session_factory or sessionmaker(
            bind=self.engine, expire_on_commit=False
        )
        self.clock = clock

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._session_factory, clock=self.clock)

    def status(self) -> SchemaStatus:
        return schema_status(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
