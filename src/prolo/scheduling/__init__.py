"""prolo.scheduling: the course scheduler (instance format, generator, greedy baseline, engine,
bounds, validator, rebooking, waitlist, jobs). Imports only prolo.domain and solver libraries.

    instance = load_instance(text)              # or generate(GeneratorConfig(...))
    schedule = solve(instance, SolverConfig(method="cpsat", time_limit=10))
    violations = validate(instance, schedule)   # [] when every hard rule holds
    report = lower_bound(instance)              # report.bound <= any schedule's objective
"""

from prolo.scheduling.bounds import BoundReport, chain_bound, lower_bound
from prolo.scheduling.generator import GeneratorConfig, generate
from prolo.scheduling.greedy import greedy
from prolo.scheduling.instance import (
    Instance,
    Schedule,
    ScheduledSession,
    SolverConfig,
    check_instance,
    instance_json_schema,
    load_instance,
    load_schedule,
    weight_order_problems,
)
from prolo.scheduling.jobs import JobRunner, SolveHandle, run_solve_job, solve_network
from prolo.scheduling.lns import solve
from prolo.scheduling.rebooking import (
    Disruption,
    Move,
    Proposal,
    Rebooker,
    RebookResult,
    rebook,
)
from prolo.scheduling.validator import Violation, score, validate
from prolo.scheduling.waitlist import Offer, waitlist_offers

__all__ = [
    "BoundReport",
    "Disruption",
    "GeneratorConfig",
    "Instance",
    "JobRunner",
    "Move",
    "Offer",
    "Proposal",
    "RebookResult",
    "Rebooker",
    "Schedule",
    "ScheduledSession",
    "SolveHandle",
    "SolverConfig",
    "Violation",
    "chain_bound",
    "check_instance",
    "generate",
    "greedy",
    "instance_json_schema",
    "load_instance",
    "load_schedule",
    "lower_bound",
    "rebook",
    "run_solve_job",
    "score",
    "solve",
    "solve_network",
    "validate",
    "waitlist_offers",
    "weight_order_problems",
]
