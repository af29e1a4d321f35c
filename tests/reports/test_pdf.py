"""The course summary PDF: its text, extracted with pypdf, holds the numbers it was given."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from prolo.domain.errors import InvalidInputError
from prolo.reports.charts import ChartPoint, TrajectoryChart
from prolo.reports.pdf import (
    AdverseLine,
    CodeLine,
    CourseSummaryDoc,
    InjectionLine,
    OutcomeRow,
    OutcomeTable,
    SessionLine,
    course_summary_pdf,
)


def summary(**changes: object) -> CourseSummaryDoc:
    values: dict[str, object] = {
        "clinic_name": "Prolo Demo Clinic",
        "created_at": datetime(2025, 6, 2, 9, 30, tzinfo=UTC),
        "patient_name": "İbrahim Şimşek",
        "birth_date": date(1955, 9, 10),
        "condition_name": "Knee osteoarthritis",
        "codes": (
            CodeLine(
                "ICD-10-CM", "M17.11", "Unilateral primary osteoarthritis, right knee"
            ),
            CodeLine("SNOMED CT", "239873007", "Osteoarthritis of knee"),
        ),
        "body_site": "Knee, intra-articular",
        "planned_sessions": 5,
        "sessions_done": 2,
        "status": "active",
        "sessions": (
            SessionLine(
                1,
                date(2025, 4, 1),
                "done",
                (
                    InjectionLine(
                        "Knee, intra-articular", "right", "dextrose", 25, 6, "DX25-0401"
                    ),
                ),
            ),
            SessionLine(2, date(2025, 4, 16), "done", ()),
            SessionLine(3, date(2025, 5, 2), "booked", ()),
        ),
        "outcomes": (
            OutcomeTable(
                "nrs",
                "Numeric Rating Scale for pain intensity (0-10)",
                False,
                7,
                (
                    OutcomeRow("baseline", 7, 0, None),
                    OutcomeRow("before session 2", 6, -1, False),
                    OutcomeRow("before session 3", 4.5, -2.5, True),
                ),
            ),
        ),
        "chart": TrajectoryChart(
            "NRS",
            "NRS score",
            0,
            10,
            False,
            (ChartPoint("baseline", 7), ChartPoint("S2", 6), ChartPoint("S3", 4.5)),
            7,
            2,
            "No significant improvement is expected after the first session.",
        ),
        "adverse_events": (
            AdverseLine(date(2025, 4, 1), "pain_flare", "mild", None, "ice pack"),
        ),
        "note": "No significant improvement is expected after the first session.",
    }
    values.update(changes)
    return CourseSummaryDoc(**values)  # type: ignore[arg-type]


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_holds_patient_codes_sessions_outcomes_and_adverse_events():
    data = course_summary_pdf(summary())
    assert data.startswith(b"%PDF-")
    text = text_of(data)
    for expected in (
        "İbrahim Şimşek",
        "1955-09-10",
        "M17.11",
        "239873007",
        "2025-04-01",
        "2025-04-16",
        "DX25-0401",
        "dextrose 25% 6 ml",
        "2 of 5 planned sessions done",
        "baseline 7",
        "4.5",
        "-2.5",
        "pain_flare",
        "ice pack",
    ):
        assert expected in text, expected


def test_the_chart_is_embedded_as_an_image():
    with_chart = PdfReader(io.BytesIO(course_summary_pdf(summary())))
    without = PdfReader(io.BytesIO(course_summary_pdf(summary(chart=None))))
    assert sum(len(p.images) for p in with_chart.pages) == 1
    assert sum(len(p.images) for p in without.pages) == 0


def test_no_adverse_events_says_so():
    assert "None recorded." in text_of(course_summary_pdf(summary(adverse_events=())))


def test_the_same_summary_gives_the_same_text():
    assert text_of(course_summary_pdf(summary())) == text_of(
        course_summary_pdf(summary())
    )


def test_a_summary_without_planned_sessions_is_refused():
    with pytest.raises(InvalidInputError):
        course_summary_pdf(summary(planned_sessions=0))
