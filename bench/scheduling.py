"""Scheduling benchmark: the receptionist baseline vs the engine on a seeded ladder of instances.

    .venv/bin/python bench/scheduling.py [--tiers T0,T1,T2,T4] [--time-limit S] [--bound-time S]
                                         [--rebook N] [--seed N] [--out PATH]

One run, one command. Each single-clinic tier runs in a fresh child process (so its peak RSS is its
own); T4 solves 20 clinics as independent jobs in a 2-process pool. Every schedule is scored and
checked by the independent validator. Reported per tier (scheduling-notes section 3's rule):
objective, avoidable excess over the chain bound LB0, closed fraction of the baseline's excess over
the best bound, classic gap, plus time to first valid schedule, courses scheduled, average days to
course start, clinician continuity, peak RSS and rebooking latency over random cancellations.
Prints a Markdown table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ortools

from prolo.scheduling import (
    Disruption,
    GeneratorConfig,
    Instance,
    Rebooker,
    Schedule,
    SolverConfig,
    generate,
    lower_bound,
    rebook,
    solve,
    validate,
)
from prolo.scheduling.validator import score

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Tier:
    name: str
    config: GeneratorConfig
    time_limit: float
    clinics: int = 1


TIERS = {
    "T0": Tier(
        "T0",
        GeneratorConfig(patients=50, clinicians=1, rooms=1, recovery=2, weeks=26),
        10.0,
    ),
    "T1": Tier(
        "T1",
        GeneratorConfig(patients=1000, clinicians=4, rooms=4, recovery=6, weeks=40),
        60.0,
    ),
    "T2": Tier(
        "T2",
        GeneratorConfig(patients=3000, clinicians=12, rooms=12, recovery=18, weeks=40),
        60.0,
    ),
    "T4": Tier(
        "T4",
        GeneratorConfig(patients=1000, clinicians=4, rooms=4, recovery=6, weeks=40),
        120.0,
        clinics=20,
    ),
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def schedule_metrics(instance: Instance, schedule: Schedule) -> dict[str, Any]:
    violations = validate(instance, schedule)
    objective, terms = score(instance, schedule)
    courses = {c.id: c for c in instance.courses}
    first: dict[str, Any] = {}
    rows: dict[str, list[Any]] = {}
    for s in schedule.sessions:
        rows.setdefault(s.course_id, []).append(s)
        if s.session == 1:
            first[s.course_id] = s
    delays = []
    same = total = 0
    for cid, sessions in rows.items():
        course = courses[cid]
        if len(sessions) != course.sessions:
            continue
        delays.append((first[cid].procedure_start.date() - course.earliest_start).days)
        ref = course.preferred_clinician_id or first[cid].clinician_id
        same += sum(1 for s in sessions if s.clinician_id == ref)
        total += len(sessions)
    return {
        "valid": not violations,
        "violations": len(violations),
        "objective": objective,
        "terms": terms,
        "courses_scheduled": schedule.courses_scheduled,
        "sessions": len(schedule.sessions),
        "avg_days_to_start": round(statistics.fmean(delays), 2) if delays else None,
        "continuity": round(same / total, 4) if total else None,
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def rebook_figures(
    instance: Instance, schedule: Schedule, n: int, seed: int
) -> dict[str, Any]:
    """Random cancellations, each repaired by default (0 other patients moved) and rolled back.

    Outcome per event: repaired without moving anyone; else failed with a proposal (one other
    patient moved, not committed); else unrepairable. Latency includes computing the proposal.
    """
    rng = random.Random(seed)
    rebooker = Rebooker(instance, schedule)
    movable = [s for s in schedule.sessions if not s.fixed]
    picks = [rng.choice(movable) for _ in range(n)]
    latencies = []
    repaired = proposed = unrepairable = other = 0
    proposal_moves: list[int] = []
    proposal_others: list[int] = []
    for s in picks:
        d = Disruption("cancel", course_id=s.course_id, session=s.session)
        t = time.perf_counter()
        result = rebooker.apply(d, commit=False)
        latencies.append((time.perf_counter() - t) * 1000)
        other += result.other_patients_moved
        if not result.failed:
            repaired += 1
        elif result.proposals:
            proposed += 1
            proposal_moves.append(sum(len(p.moves) for p in result.proposals))
            proposal_others.append(
                sum(p.other_patients_moved for p in result.proposals)
            )
        else:
            unrepairable += 1
    checked = invalid = 0
    for s in picks[:5]:
        fixed, result = rebook(
            instance,
            schedule,
            Disruption("cancel", course_id=s.course_id, session=s.session),
        )
        checked += 1
        invalid += bool(validate(instance, fixed))
        other += result.other_patients_moved
    return {
        "events": n,
        "p50_ms": _pct(latencies, 0.5),
        "p99_ms": _pct(latencies, 0.99),
        "max_ms": round(max(latencies), 3),
        "repaired_without_moves": round(repaired / n, 4),
        "failed_with_proposal": round(proposed / n, 4),
        "unrepairable": round(unrepairable / n, 4),
        "sessions_moved_per_proposal": round(statistics.fmean(proposal_moves), 2)
        if proposal_moves
        else None,
        "other_patients_per_proposal": round(statistics.fmean(proposal_others), 2)
        if proposal_others
        else None,
        "other_patients_moved": other,
        "validated_repairs": checked,
        "invalid_repairs": invalid,
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def closed(greedy_obj: int, engine_obj: int, bound: int) -> float | None:
    if greedy_obj <= bound:
        return None
    return round((greedy_obj - engine_obj) / (greedy_obj - bound), 4)


def run_clinic(
    tier: Tier, time_limit: float, bound_time: float, rebooks: int, seed: int
) -> dict[str, Any]:
    """One single-clinic tier, in its own process."""
    config = replace(tier.config, seed=seed)
    load_before = load_average()
    instance = generate(config)
    t = time.perf_counter()
    baseline = solve(instance, SolverConfig(method="greedy"))
    greedy_seconds = time.perf_counter() - t
    t = time.perf_counter()
    engine = solve(
        instance, SolverConfig(method="cpsat", time_limit=time_limit, seed=seed)
    )
    engine_seconds = time.perf_counter() - t
    report = lower_bound(
        instance, time_limit=bound_time, upper=min(baseline.objective, engine.objective)
    )
    g = schedule_metrics(instance, baseline)
    e = schedule_metrics(instance, engine)
    bounds = report.as_dict()
    proven = bool(engine.stats.get("proven_optimal"))
    if proven:
        # The engine proved its schedule optimal (per-day CP-SAT optima on forced days).
        bounds["bound"] = max(report.bound, e["objective"])
    best = int(bounds["bound"])  # type: ignore[call-overload]
    result: dict[str, Any] = {
        "tier": tier.name,
        "load_average_before": load_before,
        "patients": len(instance.courses),
        "clinicians": len(instance.clinicians),
        "appointments": e["sessions"],
        "time_limit": time_limit,
        "greedy": {**g, "seconds": round(greedy_seconds, 3)},
        "engine": {
            **e,
            "seconds": round(engine_seconds, 3),
            "first_valid_seconds": engine.stats["first_solution_seconds"],
            "iterations": engine.stats["iterations"],
            "accepted": engine.stats["accepted"],
            "constructives": engine.stats["constructives"],
            "proven_optimal": proven,
            "trajectory": engine.stats["trajectory"],
        },
        "bounds": bounds,
        "avoidable_excess_greedy": g["objective"] - report.chain,
        "avoidable_excess_engine": e["objective"] - report.chain,
        "closed_fraction": closed(g["objective"], e["objective"], best),
        "gap_greedy": round((g["objective"] - best) / g["objective"], 7),
        "gap_engine": round((e["objective"] - best) / e["objective"], 7),
        "rebooking": rebook_figures(instance, engine, rebooks, seed),
    }
    if tier.name == "T0":
        det = SolverConfig(time_limit=30, workers=1, seed=seed, max_iterations=60)
        a, b = solve(instance, det), solve(instance, det)
        result["deterministic"] = (
            a.sessions == b.sessions and a.objective == b.objective
        )
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    result["load_average_after"] = load_average()
    return result


def _greedy_job(config: GeneratorConfig) -> tuple[str, float, float]:
    started = time.perf_counter()
    instance = generate(config)
    schedule = solve(instance, SolverConfig(method="greedy"))
    return schedule.model_dump_json(), time.perf_counter() - started, peak_rss_mb()


def _engine_job(
    config: GeneratorConfig, time_limit: float, seed: int
) -> dict[str, Any]:
    instance = generate(config)
    t = time.perf_counter()
    engine = solve(
        instance, SolverConfig(method="cpsat", time_limit=time_limit, seed=seed)
    )
    seconds = time.perf_counter() - t
    return {
        "clinic": config.clinic_id,
        "seconds": seconds,
        "first_valid_seconds": engine.stats["first_solution_seconds"],
        "schedule": engine.model_dump_json(),
        "peak_rss_mb": peak_rss_mb(),
    }


def _score_job(
    config: GeneratorConfig, engine_json: str, bound_time: float, seed: int
) -> dict[str, Any]:
    """After the timed run: scores, the bound and rebooking figures for one clinic."""
    instance = generate(config)
    engine = Schedule.model_validate_json(engine_json)
    baseline = solve(instance, SolverConfig(method="greedy"))
    report = lower_bound(
        instance, time_limit=bound_time, upper=min(baseline.objective, engine.objective)
    )
    return {
        "greedy": schedule_metrics(instance, baseline),
        "engine": schedule_metrics(instance, engine),
        "bounds": report.as_dict(),
        "rebooking": rebook_figures(instance, engine, 50, seed),
    }


def run_network(
    tier: Tier, time_limit: float, bound_time: float, seed: int
) -> dict[str, Any]:
    """T4: 20 clinics of 4-12 clinicians, solved as independent jobs in a 2-process pool.

    Phase 1 books every clinic with the baseline (the network's first valid schedule); phase 2
    improves each clinic with the engine, the time split so the whole network fits `time_limit`.
    """
    sizes = [4, 8, 12, 4, 6]
    configs = []
    for i in range(tier.clinics):
        k = sizes[i % len(sizes)]
        configs.append(
            replace(
                tier.config,
                clinicians=k,
                rooms=k,
                recovery=(3 * k + 1) // 2,
                seed=seed * 100 + i,
                clinic_id=f"clinic-{i + 1:02d}",
            )
        )
    workers = 2
    load_before = load_average()
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        phase1 = list(pool.map(_greedy_job, configs))
    first_valid = time.perf_counter() - started
    per_clinic = max(
        1.0, (time_limit - first_valid - 5.0) * workers / tier.clinics - 1.5
    )
    with ProcessPoolExecutor(max_workers=workers, max_tasks_per_child=1) as pool:
        futures = [pool.submit(_engine_job, c, per_clinic, seed) for c in configs]
        solved = [f.result() for f in futures]
    wall = time.perf_counter() - started
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(_score_job, c, r["schedule"], bound_time, seed)
            for c, r in zip(configs, solved, strict=True)
        ]
        clinics = []
        for r, f in zip(solved, futures, strict=True):
            scored = f.result()
            del r["schedule"]
            clinics.append({**r, **scored})
    g = sum(c["greedy"]["objective"] for c in clinics)
    e = sum(c["engine"]["objective"] for c in clinics)
    b = sum(c["bounds"]["bound"] for c in clinics)
    lb0 = sum(c["bounds"]["chain_bound"] for c in clinics)
    p99 = max(c["rebooking"]["p99_ms"] for c in clinics)
    return {
        "tier": tier.name,
        "load_average_before": load_before,
        "patients": sum(c.patients for c in configs),
        "clinicians": sum(c.clinicians for c in configs),
        "appointments": sum(c["engine"]["sessions"] for c in clinics),
        "time_limit": time_limit,
        "per_clinic_time_limit": round(per_clinic, 2),
        "network_wall_seconds": round(wall, 2),
        "first_valid_seconds": round(first_valid, 3),
        "greedy": {
            "objective": g,
            "courses_scheduled": sum(c["greedy"]["courses_scheduled"] for c in clinics),
            "valid": all(c["greedy"]["valid"] for c in clinics),
        },
        "engine": {
            "objective": e,
            "courses_scheduled": sum(c["engine"]["courses_scheduled"] for c in clinics),
            "valid": all(c["engine"]["valid"] for c in clinics),
            "avg_days_to_start": round(
                statistics.fmean(c["engine"]["avg_days_to_start"] for c in clinics), 2
            ),
            "continuity": round(
                statistics.fmean(c["engine"]["continuity"] for c in clinics), 4
            ),
        },
        "bounds": {
            "bound": b,
            "chain_bound": lb0,
            "note": "sum over clinics of each clinic's best bound (chain, capacity, Lagrangian within --bound-time)",
        },
        "avoidable_excess_greedy": g - lb0,
        "avoidable_excess_engine": e - lb0,
        "closed_fraction": closed(g, e, b),
        "gap_greedy": round((g - b) / g, 7),
        "gap_engine": round((e - b) / e, 7),
        "rebooking": {
            "p99_ms_worst_clinic": p99,
            **{
                key: round(statistics.fmean(c["rebooking"][key] for c in clinics), 4)
                for key in (
                    "repaired_without_moves",
                    "failed_with_proposal",
                    "unrepairable",
                )
            },
            "other_patients_moved": sum(
                c["rebooking"]["other_patients_moved"] for c in clinics
            ),
        },
        "peak_rss_mb": round(
            max(max(p[2] for p in phase1), max(c["peak_rss_mb"] for c in clinics)), 1
        ),
        "peak_rss_note": "largest single process; the pool runs 2 at a time",
        "clinics": clinics,
    }


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem, 1),
        "python": platform.python_version(),
        "ortools": getattr(ortools, "__version__", "unknown"),
        "os": platform.platform(),
    }


def fmt(value: Any, pct: bool = False) -> str:
    if value is None:
        return "-"
    if pct:
        return f"{100 * value:.1f}%" if abs(value) >= 0.001 else f"{100 * value:.4f}%"
    return str(value)


def table(results: list[dict[str, Any]]) -> str:
    head = (
        "| tier | appointments | first valid (s) | objective greedy → engine | LB0 / best bound | "
        "avoidable excess greedy → engine | closed | gap greedy → engine | courses greedy → engine | "
        "avg days to start | continuity | peak RSS (MB) | rebook p50 / p99 (ms) | "
        "rebook repaired / proposal / none | load avg |\n|" + "---|" * 15
    )
    lines = [head]
    for r in results:
        e, g, b = r["engine"], r["greedy"], r["bounds"]
        first = r.get("first_valid_seconds", e.get("first_valid_seconds"))
        rb = r["rebooking"]
        rebook_cell = (
            f"{rb['p50_ms']} / {rb['p99_ms']}"
            if "p50_ms" in rb
            else f"worst clinic p99 {rb['p99_ms_worst_clinic']}"
        )
        lines.append(
            f"| {r['tier']} | {r['appointments']} | {first} | {g['objective']} → {e['objective']} | "
            f"{b['chain_bound']} / {b['bound']} | {r['avoidable_excess_greedy']} → {r['avoidable_excess_engine']} | "
            f"{fmt(r['closed_fraction'], True)} | {fmt(r['gap_greedy'], True)} → {fmt(r['gap_engine'], True)} | "
            f"{g['courses_scheduled']} → {e['courses_scheduled']} | {e.get('avg_days_to_start')} | "
            f"{fmt(e.get('continuity'), True)} | {r['peak_rss_mb']} | {rebook_cell} | "
            f"{fmt(rb.get('repaired_without_moves'), True)} / "
            f"{fmt(rb.get('failed_with_proposal'), True)} / {fmt(rb.get('unrepairable'), True)} | "
            f"{r.get('load_average_before', ['-'])[0]} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tiers", default="T0,T1,T2")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="Override every tier's time limit.",
    )
    parser.add_argument(
        "--bound-time",
        type=float,
        default=20.0,
        help="Seconds for the Lagrangian bound.",
    )
    parser.add_argument(
        "--rebook", type=int, default=200, help="Random cancellations per tier."
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    names = [t.strip() for t in args.tiers.split(",") if t.strip()]
    unknown = [n for n in names if n not in TIERS]
    if unknown:
        parser.error(f"unknown tiers: {', '.join(unknown)} (known: {', '.join(TIERS)})")
    results = []
    for name in names:
        tier = TIERS[name]
        limit = args.time_limit if args.time_limit is not None else tier.time_limit
        print(
            f"{name}: running (time limit {limit} s) ...", file=sys.stderr, flush=True
        )
        if tier.clinics > 1:
            result = run_network(tier, limit, args.bound_time, args.seed)
        else:
            with ProcessPoolExecutor(max_workers=1) as pool:
                result = pool.submit(
                    run_clinic, tier, limit, args.bound_time, args.rebook, args.seed
                ).result()
        results.append(result)
        print(table([result]).splitlines()[-1], file=sys.stderr, flush=True)
    out = {
        "command": " ".join(
            [
                ".venv/bin/python",
                "bench/scheduling.py",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = args.out or RESULTS / f"scheduling-{'-'.join(names)}.json"
    path.write_text(json.dumps(out, indent=2, default=str) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nmachine: {out['machine']}\nwritten: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
