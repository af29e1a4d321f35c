"""Prolo domain: pure clinical rules and their sourced reference data.

No I/O beyond reading the package's own reference tables, no clock reads, no framework. This module lists the
public surface the other layers use; submodules hold the details.
"""

from prolo.domain.aftercare import (
    AftercareSettings,
    load_aftercare_settings,
    patient_instructions,
)
from prolo.domain.catalog import Catalog, Condition, InjectionSite, Region, load_catalog
from prolo.domain.clock import Clock, FixedClock, SystemClock, require_aware
from prolo.domain.course import (
    CourseAdvice,
    CourseRules,
    Problem,
    SessionWindow,
    advise,
    check_dates,
    load_course_rules,
    plan_windows,
)
from prolo.domain.errors import (
    DomainError,
    InvalidInputError,
    ReferenceDataError,
    RuleViolationError,
    UnknownIdError,
)
from prolo.domain.instruments import (
    Instrument,
    ScoreResult,
    all_instruments,
    get_instrument,
)
from prolo.domain.outcomes import (
    CourseOutcome,
    assess_course,
    course_advice,
    kaplan_meier,
    summarise_cohort,
)
from prolo.domain.protocol import (
    SessionRecord,
    SessionRules,
    SessionStep,
    check_in,
    load_protocol_templates,
    load_session_rules,
    transition,
)
from prolo.domain.screening import (
    Intake,
    ScreeningDecision,
    ScreeningRules,
    load_screening_rules,
    screen,
)

__all__ = [
    "AftercareSettings",
    "Catalog",
    "Clock",
    "Condition",
    "CourseAdvice",
    "CourseOutcome",
    "CourseRules",
    "DomainError",
    "FixedClock",
    "InjectionSite",
    "Instrument",
    "Intake",
    "InvalidInputError",
    "Problem",
    "ReferenceDataError",
    "Region",
    "RuleViolationError",
    "ScoreResult",
    "ScreeningDecision",
    "ScreeningRules",
    "SessionRecord",
    "SessionRules",
    "SessionStep",
    "SessionWindow",
    "SystemClock",
    "UnknownIdError",
    "advise",
    "all_instruments",
    "assess_course",
    "check_dates",
    "check_in",
    "course_advice",
    "get_instrument",
    "kaplan_meier",
    "load_aftercare_settings",
    "load_catalog",
    "load_course_rules",
    "load_protocol_templates",
    "load_screening_rules",
    "load_session_rules",
    "patient_instructions",
    "plan_windows",
    "require_aware",
    "screen",
    "summarise_cohort",
    "transition",
]
