"""A page and its total in one round trip; a page past the end still knows the total."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from factories import save_clinic, save_patient
from prolo.store.records import Clinic
from prolo.store.unit_of_work import UnitOfWork


@pytest.fixture
def seven_patients(uow: UnitOfWork) -> Clinic:
    clinic = save_clinic(uow)
    others = save_clinic(uow, name="Another clinic")
    for n in range(7):
        save_patient(uow, clinic, family_name=f"Paged {n}")
    save_patient(uow, others, family_name="Paged elsewhere")  # never counted
    uow.flush()
    return clinic


@pytest.fixture
def statements(uow: UnitOfWork) -> Iterator[list[str]]:
    """The SQL statements the test's unit of work sends from here on."""
    seen: list[str] = []
    bind = uow.session.get_bind()

    def count(_c: object, _cur: object, statement: str, *_a: object) -> None:
        seen.append(statement)

    event.listen(bind, "before_cursor_execute", count)
    yield seen
    event.remove(bind, "before_cursor_execute", count)


def test_every_page_carries_the_total(uow: UnitOfWork, seven_patients: Clinic) -> None:
    clinic = seven_patients
    pages = [
        uow.patients.page(clinic.id, limit=3, offset=offset) for offset in (0, 3, 6)
    ]
    assert [p.total for p in pages] == [7, 7, 7]
    assert [len(p.items) for p in pages] == [3, 3, 1]
    names = [i.family_name for p in pages for i in p.items]
    assert sorted(names) == [f"Paged {n}" for n in range(7)]
    assert len(set(names)) == 7


def test_a_page_is_one_statement_and_past_the_end_counts_apart(
    uow: UnitOfWork, seven_patients: Clinic, statements: list[str]
) -> None:
    clinic = seven_patients
    seen = statements
    page = uow.patients.page(clinic.id, limit=5, offset=0)
    assert (page.total, len(page.items)) == (7, 5)
    selects = [
        s for s in seen if "patients" in s and s.lstrip().upper().startswith("SELECT")
    ]
    assert sum("count(*) OVER ()" in s for s in selects) == 1
    assert not any("count(*) AS" in s for s in selects)
    past = uow.patients.page(clinic.id, limit=5, offset=20)
    assert (past.total, past.items) == (7, [])
    empty = uow.patients.page(clinic.id, limit=5, offset=0, query="nobody")
    assert (empty.total, empty.items) == (0, [])
