"""Outcome charts: the data drawn is the data given, and PNG/SVG files are written."""

from __future__ import annotations

import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from prolo.domain.errors import InvalidInputError
from prolo.domain.instruments import get_instrument
from prolo.domain.instruments.schedule import (
    Timepoint,
    TimepointKind,
    load_questionnaire_schedule,
)
from prolo.domain.outcomes import (
    CohortMember,
    Observation,
    assess_course,
    summarise_cohort,
)
from prolo.reports.charts import (
    GID_BASELINE,
    GID_MCID_BAND,
    GID_NOTE,
    GID_SCORE,
    GID_THRESHOLD,
    ChartPoint,
    CohortChart,
    CohortPoint,
    CohortSeries,
    TrajectoryChart,
    cohort_chart_from_summaries,
    cohort_figure,
    save_figure,
    trajectory_chart_from_outcome,
    trajectory_figure,
    write_cohort_chart,
    write_trajectory_chart,
)

NOTE = "No significant improvement is expected after the first session."
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def chart(**changes: object) -> TrajectoryChart:
    values: dict[str, object] = {
        "title": "ODI",
        "scale_label": "ODI score",
        "min": 0,
        "max": 100,
        "higher_is_better": False,
        "points": (
            ChartPoint("baseline", 48),
            ChartPoint("S1", 48),
            ChartPoint("S2", None),
            ChartPoint("S3", 40),
            ChartPoint("3 mo", 30),
        ),
        "baseline": 48,
        "mcid": 10,
        "note": NOTE,
    }
    values.update(changes)
    return TrajectoryChart(**values)  # type: ignore[arg-type]


def line(figure: Figure, gid: str) -> Line2D:
    found = [artist for artist in figure.axes[0].lines if artist.get_gid() == gid]
    assert len(found) == 1, gid
    return found[0]


def before(session: int) -> Timepoint:
    return Timepoint(TimepointKind.pre_session, session=session)


class TestTrajectoryFigure:
    def test_score_line_holds_the_given_values_with_gaps(self) -> None:
        figure = trajectory_figure(chart())
        ys = list(line(figure, GID_SCORE).get_ydata())
        assert ys[:2] == [48, 48]
        assert math.isnan(ys[2])
        assert ys[3:] == [40, 30]
        assert list(line(figure, GID_SCORE).get_xdata()) == [0, 1, 2, 3, 4]
        labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
        assert labels == ["baseline", "S1", "S2", "S3", "3 mo"]

    def test_baseline_threshold_and_mcid_band(self) -> None:
        figure = trajectory_figure(chart())
        assert list(line(figure, GID_BASELINE).get_ydata()) == [48, 48]
        assert list(line(figure, GID_THRESHOLD).get_ydata()) == [
            38,
            38,
        ]  # lower is better: 48 - 10
        bands = [p for p in figure.axes[0].patches if p.get_gid() == GID_MCID_BAND]
        assert len(bands) == 1
        band = bands[0]
        assert (band.get_y(), band.get_y() + band.get_height()) == (38, 48)  # type: ignore[attr-defined]

    def test_higher_is_better_puts_the_threshold_above_and_clips_it(self) -> None:
        figure = trajectory_figure(chart(higher_is_better=True, baseline=95, mcid=8))
        assert list(line(figure, GID_THRESHOLD).get_ydata()) == [100, 100]

    def test_expected_course_note_is_shown(self) -> None:
        figure = trajectory_figure(chart())
        notes = [t for t in figure.texts if t.get_gid() == GID_NOTE]
        assert [t.get_text() for t in notes] == [NOTE]

    def test_without_mcid_there_is_no_band(self) -> None:
        figure = trajectory_figure(chart(mcid=None))
        assert [p for p in figure.axes[0].patches if p.get_gid() == GID_MCID_BAND] == []
        assert all(artist.get_gid() != GID_THRESHOLD for artist in figure.axes[0].lines)

    def test_axis_range_is_the_instrument_range(self) -> None:
        assert trajectory_figure(chart(min=36, max=78, baseline=60, mcid=6)).axes[
            0
        ].get_ylim() == (36, 78)

    def test_no_points_is_bad_input(self) -> None:
        with pytest.raises(InvalidInputError, match="at least one point"):
            trajectory_figure(chart(points=()))


class TestCohortFigure:
    def test_one_line_per_condition_with_rates_in_percent(self) -> None:
        data = CohortChart(
            "Responders",
            (
                CohortSeries(
                    "low_back_pain", (CohortPoint(1, 0.0, 10), CohortPoint(2, 0.25, 8))
                ),
                CohortSeries("knee_oa", (CohortPoint(2, 0.5, 4),)),
            ),
        )
        figure = cohort_figure(data)
        back = line(figure, "low_back_pain")
        assert list(back.get_xdata()) == [1, 2]
        assert list(back.get_ydata()) == [0, 25]
        assert list(line(figure, "knee_oa").get_ydata()) == [50]
        assert "n judged: 10, 8" in str(back.get_label())

    def test_empty_cohort_draws_a_message(self) -> None:
        figure = cohort_figure(CohortChart("Responders", ()))
        assert [t.get_text() for t in figure.axes[0].texts] == ["no courses to show"]


class TestFromDomain:
    def test_trajectory_from_an_odi_course(self) -> None:
        odi = get_instrument("odi")
        observations = [
            Observation(before(1), odi.score([5, 5, 5, 5, 4, 0, 0, 0, 0, 0])),
            Observation(before(2), odi.score([5, 5, 5, 5, 2, 0, 0, 0, 0, 0])),
            Observation(
                Timepoint(TimepointKind.follow_up, months=3),
                odi.score([5, 5, 0, 0, 0, 0, 0, 0, 0, 0]),
            ),
        ]
        outcome = assess_course(odi, observations, sessions_done=4)
        data = trajectory_chart_from_outcome(outcome, odi, note=NOTE)
        assert [(p.label, p.value) for p in data.points] == [
            ("S1", 48),
            ("S2", 44),
            ("3 mo", 20),
        ]
        assert (data.baseline, data.mcid, data.threshold) == (48, 10, 38)
        assert (data.min, data.max, data.higher_is_better) == (0, 100, False)
        assert list(line(trajectory_figure(data), GID_SCORE).get_ydata()) == [
            48,
            44,
            20,
        ]

    def test_percent_only_mcid_is_applied_to_the_baseline(self) -> None:
        womac = get_instrument("womac")
        outcome = assess_course(
            womac, [Observation(before(1), womac.score([2] * 24))], sessions_done=0
        )
        data = trajectory_chart_from_outcome(outcome, womac, note=NOTE)
        assert data.mcid == pytest.approx(48 * 0.12)  # S42: 12% of baseline

    def test_default_note_is_the_clinic_expected_course_note(self) -> None:
        nrs = get_instrument("nrs")
        outcome = assess_course(
            nrs, [Observation(before(1), nrs.score([5]))], sessions_done=0
        )
        data = trajectory_chart_from_outcome(outcome, nrs)
        assert data.note == load_questionnaire_schedule().expected_course_note.text
        assert "first session" in data.note

    def test_mismatched_instrument_is_refused(self) -> None:
        nrs = get_instrument("nrs")
        outcome = assess_course(
            nrs, [Observation(before(1), nrs.score([5]))], sessions_done=0
        )
        with pytest.raises(InvalidInputError):
            trajectory_chart_from_outcome(outcome, get_instrument("odi"), note=NOTE)

    def test_cohort_chart_from_summaries(self) -> None:
        nrs = get_instrument("nrs")
        members = [
            CohortMember(
                "migraine",
                assess_course(
                    nrs,
                    [
                        Observation(before(1), nrs.score([8])),
                        Observation(before(2), nrs.score([s])),
                    ],
                    sessions_done=1,
                ),
            )
            for s in (8, 4)
        ]
        data = cohort_chart_from_summaries(summarise_cohort(members))
        assert data.series[0].condition == "migraine"
        assert [(p.sessions_done, p.rate, p.judged) for p in data.series[0].points] == [
            (0, 0.0, 2),
            (1, 0.5, 2),
        ]


class TestFiles:
    def test_png_and_svg_are_written_and_valid(self, tmp_path: Path) -> None:
        paths = write_trajectory_chart(chart(), tmp_path / "patient" / "odi")
        assert [p.name for p in paths] == ["odi.png", "odi.svg"]
        png, svg = (p.read_bytes() for p in paths)
        assert png.startswith(PNG_MAGIC)
        assert len(png) > 1000
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert b"Date" not in svg

    def test_cohort_files(self, tmp_path: Path) -> None:
        data = CohortChart("R", (CohortSeries("neck_pain", (CohortPoint(1, 0.2, 5),)),))
        png_path, svg_path = write_cohort_chart(data, tmp_path / "cohort")
        assert png_path.read_bytes().startswith(PNG_MAGIC)
        assert b"<svg" in svg_path.read_bytes()

    def test_one_format_only(self, tmp_path: Path) -> None:
        assert save_figure(
            trajectory_figure(chart()), tmp_path / "x", formats=("svg",)
        ) == (tmp_path / "x.svg",)
        assert not (tmp_path / "x.png").exists()

    def test_unknown_format_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInputError, match="unsupported chart format 'pdf'"):
            save_figure(trajectory_figure(chart()), tmp_path / "x", formats=("pdf",))

    def test_drawing_never_touches_pyplot(self, tmp_path: Path) -> None:
        code = (
            "import sys, pathlib\n"
            "from prolo.reports import charts as c\n"
            "d = c.CohortChart('R', (c.CohortSeries('a', (c.CohortPoint(1, 0.5, 2),)),))\n"
            f"c.write_cohort_chart(d, pathlib.Path({str(tmp_path / 'c')!r}))\n"
            "assert 'matplotlib.pyplot' not in sys.modules\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
