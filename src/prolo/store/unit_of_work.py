"""The unit of work: one Session, every repository, one commit at the edge.

    with database.unit_of_work() as uow:        # an API request, a CLI command, a job
        patient = services.patients.get_patient(uow, actor, patient_id=...)
        uow.commit()                            # once; leaving without commit rolls back

Services receive the unit of work, call its repositories and may flush; they never commit.
`uow.now()` is the time of the unit of work's clock (a FixedClock in tests).

A unit of work keeps every row it loaded until it closes (`keep_loaded_rows`). SQLAlchemy's
identity map holds rows weakly, and the repositories hand out frozen records, not rows: without
this, a row was garbage-collected as soon as a repository returned, and the next `get` of the
same row in the same request went back to the database (a session event read its record three
times, 23 statements). Units of work are short (a request, a command), so the memory is bounded
by what they read anyway. A read that must see other transactions' commits after it takes a lock
says so (`populate_existing`, see `CourseRepository.lock`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Engine, event
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
    CheckinRepository,
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

_KEPT = "prolo.kept_rows"


def keep_loaded_rows(session: Session) -> None:
    """Hold a strong reference to every row `session` loads or adds until it closes.

    SQLAlchemy's own recipe ("Session Referencing Behavior", ORM docs): the identity map is weak,
    so without this a row read twice in one unit of work is selected twice. The listeners are
    registered once, on the Session class; a session takes part when its info holds the set."""
    session.info[_KEPT] = set()


@event.listens_for(Session, "pending_to_persistent")
@event.listens_for(Session, "deleted_to_persistent")
@event.listens_for(Session, "detached_to_persistent")
@event.listens_for(Session, "loaded_as_persistent")
def _keep(session: Session, instance: object) -> None:
    kept: set[object] | None = session.info.get(_KEPT)
    if kept is not None:
        kept.add(instance)


@event.listens_for(Session, "persistent_to_detached")
@event.listens_for(Session, "persistent_to_deleted")
@event.listens_for(Session, "persistent_to_transient")
def _release(session: Session, instance: object) -> None:
    kept: set[object] | None = session.info.get(_KEPT)
    if kept is not None:
        kept.discard(instance)


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
    checkins: CheckinRepository
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
        keep_loaded_rows(session)
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
        self.checkins = CheckinRepository(session)
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
            session.info.pop(_KEPT, None)

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


@dataclass(frozen=True)
class PoolSettings:
    """The connection pool of one process: `size` kept open, `overflow` more on demand, a checkout
    waits `timeout_s`; PostgreSQL connection attempts give up after `connect_timeout_s`."""

    size: int = 5
    overflow: int = 10
    timeout_s: float = 30.0
    connect_timeout_s: int | None = None


class Database:
    """An engine and its session factory; builds units of work. Created at the edge."""

    def __init__(
        self,
        url: str,
        *,
        engine: Engine | None = None,
        session_factory: Callable[[], Session] | None = None,
        clock: Clock | None = None,
        pool: PoolSettings | None = None,
    ) -> None:
        self.url = url
        pool = pool or PoolSettings()
        self.engine = engine or make_engine(
            url,
            pool_size=pool.size,
            max_overflow=pool.overflow,
            pool_timeout_s=pool.timeout_s,
            connect_timeout_s=pool.connect_timeout_s,
        )
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
