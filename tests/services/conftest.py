"""Services tests: a working clinic in the test's unit of work."""

from __future__ import annotations

import pytest

from factories import ClinicSetup, build_clinic
from prolo.store.records import Clinic
from prolo.store.unit_of_work import UnitOfWork


@pytest.fixture
def setup(uow: UnitOfWork, clinic: Clinic) -> ClinicSetup:
    return build_clinic(uow, clinic)
