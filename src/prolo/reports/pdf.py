"""A patient's course summary as a PDF, for the referring doctor (fpdf2; the chart by matplotlib).

The summary is plain data (`CourseSummaryDoc`), which the services build from the records: the
patient, the condition with its ICD-10-CM and SNOMED CT codes, every session with its date and
injections, an outcome table per instrument (baseline, each timepoint, change, responder by the
instrument's MCID) with the primary instrument's chart, and the adverse events. `course_summary_pdf`
only lays it out.

Text is set in DejaVu Sans, the TrueType font matplotlib ships (`mpl-data/fonts/ttf`), so Turkish
letters (ş, ğ, dotless i, İ) print; the PDF core fonts are Latin-1 only. The file carries no creation
time of its own (`created_at` is the summary's), so the same summary gives the same text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from prolo.domain.errors import InvalidInputError
from prolo.reports.charts import TrajectoryChart, trajectory_figure

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVuSans"


@dataclass(frozen=True, slots=True)
class CodeLine:
    system: str  # "ICD-10-CM" / "SNOMED CT"
    code: str
    display: str


@dataclass(frozen=True, slots=True)
class InjectionLine:
    site: str
    laterality: str | None
    solution: str
    concentration_pct: float
    volume_ml: float
    lot_number: str


@dataclass(frozen=True, slots=True)
class SessionLine:
    number: int
    on: date
    status: str
    injections: tuple[InjectionLine, ...]


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    label: str
    value: float | None
    change: float | None
    responded: bool | None


@dataclass(frozen=True, slots=True)
class OutcomeTable:
    instrument: str
    name: str
    higher_is_better: bool
    baseline: float | None
    rows: tuple[OutcomeRow, ...]


@dataclass(frozen=True, slots=True)
class AdverseLine:
    on: date
    kind: str
    severity: str
    description: str | None
    action: str | None


@dataclass(frozen=True, slots=True)
class CourseSummaryDoc:
    clinic_name: str
    created_at: datetime
    patient_name: str
    birth_date: date | None
    condition_name: str
    codes: tuple[CodeLine, ...]
    body_site: str | None
    planned_sessions: int
    sessions_done: int
    status: str
    sessions: tuple[SessionLine, ...]
    outcomes: tuple[OutcomeTable, ...]
    chart: TrajectoryChart | None
    adverse_events: tuple[AdverseLine, ...]
    note: str


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}".removesuffix(".0")


def _signed(value: float | None) -> str:
    if value is None:
        return "-"
    text = _number(value)
    return text if value <= 0 else f"+{text}"


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


class _Document(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer_text = footer_text
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(16, 16, 16)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(90)
        self.cell(
            0, 5, f"{self._footer_text} · page {self.page_no()}/{{nb}}", align="C"
        )
        self.set_text_color(0)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(FONT, "B", 12)
        self.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 9.5)

    def line_text(self, text: str) -> None:
        self.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(
        self,
        header: tuple[str, ...],
        rows: list[tuple[str, ...]],
        widths: tuple[int, ...],
    ) -> None:
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=5.5,
            first_row_as_headings=True,
        ) as table:
            for values in (header, *rows):
                row = table.row()
                for value in values:
                    row.cell(value)


def course_summary_pdf(doc: CourseSummaryDoc) -> bytes:
    """The summary as PDF bytes (A4)."""
    if doc.planned_sessions < 1:
        raise InvalidInputError(
            "a course summary needs the planned sessions", field="planned_sessions"
        )
    pdf = _Document(f"{doc.clinic_name} · course summary · {doc.patient_name}")
    pdf.set_title(f"Course summary: {doc.patient_name}")
    pdf.set_author(doc.clinic_name)
    pdf.set_creator("Prolo")
    pdf.set_creation_date(doc.created_at)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, "Prolotherapy course summary", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9.5)
    pdf.line_text(
        f"{doc.clinic_name} · prepared {doc.created_at:%Y-%m-%d %H:%M} for the referring doctor"
    )

    pdf.heading("Patient")
    born = doc.birth_date.isoformat() if doc.birth_date else "not recorded"
    pdf.line_text(f"{doc.patient_name}, born {born}")

    pdf.heading("Condition")
    pdf.line_text(
        doc.condition_name
        + (f" · injection site: {doc.body_site}" if doc.body_site else "")
    )
    if doc.codes:
        pdf.grid(
            ("System", "Code", "Description"),
            [(c.system, c.code, c.display) for c in doc.codes],
            (30, 30, 118),
        )
    pdf.line_text(
        f"Course: {doc.sessions_done} of {doc.planned_sessions} planned sessions done"
        f" · status: {doc.status}"
    )

    pdf.heading("Sessions and injections")
    rows: list[tuple[str, ...]] = []
    for session in doc.sessions:
        if not session.injections:
            rows.append(
                (
                    str(session.number),
                    session.on.isoformat(),
                    session.status,
                    "-",
                    "-",
                    "-",
                )
            )
        for injection in session.injections:
            site = injection.site + (
                f" ({injection.laterality})"
                if injection.laterality and injection.laterality != "none"
                else ""
            )
            rows.append(
                (
                    str(session.number),
                    session.on.isoformat(),
                    session.status,
                    site,
                    f"{injection.solution} {_number(injection.concentration_pct)}%"
                    f" {_number(injection.volume_ml)} ml",
                    injection.lot_number,
                )
            )
    pdf.grid(
        ("Session", "Date", "Status", "Site", "Injection", "Lot"),
        rows,
        (16, 24, 22, 54, 38, 24),
    )

    pdf.heading("Outcomes")
    for table in doc.outcomes:
        direction = "higher is better" if table.higher_is_better else "lower is better"
        pdf.set_font(FONT, "B", 10)
        pdf.line_text(
            f"{table.name} ({table.instrument.upper()}; {direction});"
            f" baseline {_number(table.baseline)}"
        )
        pdf.set_font(FONT, "", 9.5)
        pdf.grid(
            ("Timepoint", "Score", "Change from baseline", "Responder (MCID)"),
            [
                (r.label, _number(r.value), _signed(r.change), _yes_no(r.responded))
                for r in table.rows
            ],
            (50, 30, 50, 48),
        )
        pdf.ln(2)
    if doc.chart is not None and doc.chart.points:
        buffer = io.BytesIO()
        trajectory_figure(doc.chart).savefig(
            buffer, format="png", dpi=150, metadata={"Software": None}
        )
        buffer.seek(0)
        if pdf.get_y() > 180:
            pdf.add_page()
        pdf.image(buffer, w=170)
    pdf.line_text(doc.note)

    pdf.heading("Adverse events")
    if doc.adverse_events:
        pdf.grid(
            ("Date", "Event", "Severity", "Description", "Action"),
            [
                (
                    a.on.isoformat(),
                    a.kind,
                    a.severity,
                    a.description or "-",
                    a.action or "-",
                )
                for a in doc.adverse_events
            ],
            (24, 34, 22, 58, 40),
        )
    else:
        pdf.line_text("None recorded.")
    return bytes(pdf.output())
