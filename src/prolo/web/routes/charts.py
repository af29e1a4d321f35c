"""Outcome chart images for the patient chart, drawn on the server (no script on the page).

    GET /clinician/patients/{patient_id}/courses/{course_id}/charts/{instrument}.svg   (or .png)

The numbers come from `prolo.services.questionnaires.course_outcomes` (the course's stored
answers rescored exactly); the drawing is `prolo.reports.charts` (baseline, MCID band, the note
that no improvement is expected after the first session). The page shows the same numbers as a
table next to the image.
"""

from __future__ import annotations

import io
import threading
import uuid
from typing import Final, Literal

import matplotlib
from fastapi import APIRouter
from starlette.responses import Response

from prolo.domain.instruments import get_instrument
from prolo.domain.outcomes import CourseOutcome
from prolo.reports.charts import (
    TrajectoryChart,
    trajectory_chart_from_outcome,
    trajectory_figure,
)
from prolo.services import courses as course_service
from prolo.services import questionnaires
from prolo.services.errors import NotFoundError
from prolo.web.deps import PageDep

router = APIRouter()

MEDIA_TYPES: Final = {"svg": "image/svg+xml", "png": "image/png"}

# rcParams are global: one drawing at a time keeps the SVG text setting to this thread's figure.
_DRAWING = threading.Lock()


def trajectory(outcome: CourseOutcome) -> TrajectoryChart:
    """The chart data of one course outcome (the image and the page's table share it)."""
    return trajectory_chart_from_outcome(outcome, get_instrument(outcome.instrument))


def render_chart(chart: TrajectoryChart, fmt: Literal["svg", "png"]) -> bytes:
    """The chart as SVG (text kept as text, so it is searchable and scales) or PNG."""
    figure = trajectory_figure(chart)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with _DRAWING, matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


@router.get(
    "/clinician/patients/{patient_id}/courses/{course_id}/charts/{instrument}.{fmt}",
    name="clinician_outcome_chart",
)
def outcome_chart(
    page: PageDep,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    instrument: str,
    fmt: Literal["svg", "png"],
) -> Response:
    """One instrument's trajectory over the course's sessions."""
    detail = course_service.get_course(page.uow, page.actor, course_id=course_id)
    if detail.course.patient_id != patient_id:
        raise NotFoundError(f"no course {course_id} for this patient")
    outcomes = questionnaires.course_outcomes(page.uow, page.actor, course_id=course_id)
    found = [o for o in outcomes.outcomes if o.instrument == instrument]
    if not found or not found[0].points:
        raise NotFoundError(f"no {instrument} answers in this course")
    body = render_chart(trajectory(found[0]), fmt)
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Cache-Control": "private, no-store"},
    )
