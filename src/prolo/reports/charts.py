"""Outcome charts (matplotlib, Agg canvas, no pyplot): a patient's trajectory and a cohort chart.

Both are drawn from plain data (`TrajectoryChart`, `CohortChart`), which the `*_from_*` helpers build
from the domain's `CourseOutcome` and `ConditionSummary`. Figures are created as `Figure` objects
bound to an Agg canvas, so nothing touches pyplot's global state; `save_figure` writes PNG and SVG.

- Trajectory: the judged score per timepoint (baseline, before each session, follow-ups), the
  baseline as a dashed line, the MCID band (the zone between the baseline and the responder
  threshold: changes inside it are not yet meaningful) and the expected-course note (no improvement
  is expected after the first session).
- Cohort: per condition, the responder rate (%) by number of sessions done; the legend gives the
  number of courses judged at each point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from prolo.domain.errors import InvalidInputError
from prolo.domain.instruments.base import Instrument
from prolo.domain.instruments.schedule import load_questionnaire_schedule
from prolo.domain.outcomes import ConditionSummary, CourseOutcome

FORMATS: tuple[str, ...] = ("png", "svg")

#: gids of the drawn artists, so that callers and tests can find them.
GID_SCORE = "score"
GID_BASELINE = "baseline"
GID_THRESHOLD = "responder-threshold"
GID_MCID_BAND = "mcid-band"
GID_NOTE = "expected-course-note"


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One x position: a label (e.g. "S3") and the value there (None = no score)."""

    label: str
    value: float | None


@dataclass(frozen=True, slots=True)
class TrajectoryChart:
    title: str
    scale_label: str
    min: float
    max: float
    higher_is_better: bool
    points: tuple[ChartPoint, ...]
    baseline: float | None
    mcid: float | None
    note: str

    @property
    def threshold(self) -> float | None:
        """The value a responder reaches: baseline improved by the MCID, clipped to the range."""
        if self.baseline is None or self.mcid is None:
            return None
        target = (
            self.baseline + self.mcid
            if self.higher_is_better
            else self.baseline - self.mcid
        )
        return min(max(target, self.min), self.max)


@dataclass(frozen=True, slots=True)
class CohortPoint:
    sessions_done: int
    rate: float  # 0-1
    judged: int


@dataclass(frozen=True, slots=True)
class CohortSeries:
    condition: str
    points: tuple[CohortPoint, ...]


@dataclass(frozen=True, slots=True)
class CohortChart:
    title: str
    series: tuple[CohortSeries, ...]


# --------------------------------------------------------------------------- from domain values


def _short_label(key: str) -> str:
    if key == "baseline":
        return "baseline"
    if key.startswith("session-"):
        return "S" + key.removeprefix("session-")
    return key.removeprefix("follow-up-").replace("m", " mo")


def trajectory_chart_from_outcome(
    outcome: CourseOutcome,
    instrument: Instrument,
    *,
    note: str | None = None,
    title: str | None = None,
) -> TrajectoryChart:
    """Chart data for one course. The MCID band uses the primary absolute MCID of the judged
    scale, or the primary percent MCID applied to the baseline when only that exists. `note`
    defaults to the expected-course note of the default questionnaire schedule (CLINIC)."""
    if outcome.instrument != instrument.id:
        raise InvalidInputError(
            f"outcome of {outcome.instrument} drawn with {instrument.id}",
            field="instrument",
        )
    lo, hi = instrument.scale_range(outcome.scale)
    primary = [m for m in outcome.mcids if m.primary and m.tier == "mcid"]
    mcid: float | None = next((m.value for m in primary if m.kind == "absolute"), None)
    if mcid is None and outcome.baseline:
        percent = next((m.value for m in primary if m.kind == "percent"), None)
        mcid = None if percent is None else abs(outcome.baseline) * percent / 100
    scale_name = "score" if outcome.scale == "score" else f"{outcome.scale} subscale"
    return TrajectoryChart(
        title=title or f"{instrument.name}: {scale_name} per timepoint",
        scale_label=f"{instrument.id.upper()} {scale_name}",
        min=lo,
        max=hi,
        higher_is_better=outcome.higher_is_better,
        points=tuple(
            ChartPoint(_short_label(p.timepoint.key), p.value) for p in outcome.points
        ),
        baseline=outcome.baseline,
        mcid=mcid,
        note=note
        if note is not None
        else load_questionnaire_schedule().expected_course_note.text,
    )


def cohort_chart_from_summaries(
    summaries: Sequence[ConditionSummary],
    *,
    title: str = "Responder rate by sessions done",
) -> CohortChart:
    return CohortChart(
        title=title,
        series=tuple(
            CohortSeries(
                s.condition,
                tuple(
                    CohortPoint(r.key, r.rate, r.judged)
                    for r in s.by_session
                    if r.rate is not None
                ),
            )
            for s in summaries
        ),
    )


# --------------------------------------------------------------------------- drawing


def _new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def trajectory_figure(chart: TrajectoryChart) -> Figure:
    """Draw a patient's trajectory; the score line has gid `score`."""
    if not chart.points:
        raise InvalidInputError(
            "a trajectory chart needs at least one point", field="points"
        )
    figure = _new_figure(7.5, 4.5)
    axes = figure.add_subplot()
    xs = list(range(len(chart.points)))
    ys = [math.nan if p.value is None else p.value for p in chart.points]
    threshold = chart.threshold
    if chart.baseline is not None and threshold is not None:
        band = axes.axhspan(
            min(chart.baseline, threshold),
            max(chart.baseline, threshold),
            color="#f2c94c",
            alpha=0.25,
            label=f"within the MCID ({chart.mcid:g}) of baseline",
        )
        band.set_gid(GID_MCID_BAND)
        (line,) = axes.plot(
            [xs[0], xs[-1]],
            [threshold, threshold],
            ":",
            color="#b7791f",
            label="responder threshold",
        )
        line.set_gid(GID_THRESHOLD)
    if chart.baseline is not None:
        (line,) = axes.plot(
            [xs[0], xs[-1]],
            [chart.baseline, chart.baseline],
            "--",
            color="#555555",
            label=f"baseline ({chart.baseline:g})",
        )
        line.set_gid(GID_BASELINE)
    (score,) = axes.plot(
        xs, ys, "o-", color="#1f5fa8", linewidth=2, label=chart.scale_label
    )
    score.set_gid(GID_SCORE)
    axes.set_xticks(xs, [p.label for p in chart.points])
    axes.set_xlim(-0.3, max(xs) + 0.3)
    axes.set_ylim(chart.min, chart.max)
    better = "higher is better" if chart.higher_is_better else "lower is better"
    axes.set_ylabel(f"{chart.scale_label} ({better})")
    axes.set_title(chart.title)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    text = figure.text(
        0.01, 0.005, chart.note, fontsize="small", style="italic", wrap=True
    )
    text.set_gid(GID_NOTE)
    figure.get_layout_engine().set(rect=(0, 0.06, 1, 0.94))  # type: ignore[union-attr, call-arg]
    return figure


def cohort_figure(chart: CohortChart) -> Figure:
    """Draw responder rate (%) by sessions done, one line per condition (gid = condition)."""
    figure = _new_figure(7.5, 4.5)
    axes = figure.add_subplot()
    for series in chart.series:
        xs = [p.sessions_done for p in series.points]
        ys = [p.rate * 100 for p in series.points]
        counts = ", ".join(str(p.judged) for p in series.points)
        (line,) = axes.plot(
            xs, ys, "o-", label=f"{series.condition} (n judged: {counts})"
        )
        line.set_gid(series.condition)
    axes.set_ylim(-5, 105)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("sessions done")
    axes.set_ylabel("responders (% of courses judged)")
    axes.set_title(chart.title)
    axes.grid(alpha=0.3)
    if chart.series:
        axes.legend(loc="best", fontsize="small")
    else:
        axes.text(0.5, 0.5, "no courses to show", ha="center", transform=axes.transAxes)
    return figure


def save_figure(
    figure: Figure, stem: Path, formats: Sequence[str] = FORMATS
) -> tuple[Path, ...]:
    """Write `stem.png` / `stem.svg` (no timestamps in the files); return the paths written."""
    written: list[Path] = []
    for fmt in formats:
        if fmt not in FORMATS:
            raise InvalidInputError(
                f"unsupported chart format {fmt!r}; use png or svg", field="format"
            )
        path = stem.with_suffix(f".{fmt}")
        path.parent.mkdir(parents=True, exist_ok=True)
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(path, format=fmt, metadata=metadata)
        written.append(path)
    return tuple(written)


def write_trajectory_chart(
    chart: TrajectoryChart, stem: Path, formats: Sequence[str] = FORMATS
) -> tuple[Path, ...]:
    return save_figure(trajectory_figure(chart), stem, formats)


def write_cohort_chart(
    chart: CohortChart, stem: Path, formats: Sequence[str] = FORMATS
) -> tuple[Path, ...]:
    return save_figure(cohort_figure(chart), stem, formats)
