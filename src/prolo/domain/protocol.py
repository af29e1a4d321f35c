"""The prolotherapy session: its rules, its injection protocol templates and its state machine.

A session moves through these steps (each entered by one event, each timestamped)::

    check_in --consent--> consent --preparation--> preparation --local_anaesthesia--> local_anaesthesia
        --injection--> injections (--injection--> injections ...) --rest--> rest --discharge--> discharged

and from any step that is not final, `abort` (with a reason) leads to `aborted`. Adverse events may be
reported in any step, including after discharge. When the session rules do not require the
local-anaesthesia step, `injection` may follow `preparation` directly.

`transition(record, event, now, rules)` is pure: it returns a new record and the notes the event
raised, or raises RuleViolationError (an illegal step, discharge before the minimum rest) or
InvalidInputError (a bad site, laterality, time...). The rules' numbers come from
`session_rules.yaml` (`load_session_rules()`), or from a clinic's own SessionRules in the same shape:

- preparation start -> end of injections longer than `procedure.max_minutes` is FLAGGED (a warning);
- discharge before `rest.min_minutes` of rest is REFUSED unless a clinician overrides with a reason;
- a rest longer than `rest.max_minutes` is NOTED.

Injection protocol templates (`protocols.yaml`, `load_protocol_templates()`) are per-condition data
the clinic edits: published protocols as reported, with their sources.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from prolo.domain.catalog import Catalog, load_catalog
from prolo.domain.clock import require_aware
from prolo.domain.errors import (
    InvalidInputError,
    ReferenceDataError,
    RuleViolationError,
    UnknownIdError,
)
from prolo.domain.reference import load_model, require_sources

RULES_FILE = "session_rules.yaml"
PROTOCOLS_FILE = "protocols.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


NonEmpty = Annotated[str, BeforeValidator(_strip), Field(min_length=1)]


# --------------------------------------------------------------------------------------------------
# Session rules (session_rules.yaml)
# --------------------------------------------------------------------------------------------------


class ProcedureRule(_Frozen):
    max_minutes: int = Field(gt=0)
    source: str


class RestRule(_Frozen):
    min_minutes: int = Field(ge=0)
    max_minutes: int = Field(gt=0)
    heat_packs: bool
    source: str

    @model_validator(mode="after")
    def _ordered(self) -> RestRule:
        if self.min_minutes > self.max_minutes:
            raise ValueError("rest.min_minutes must not exceed rest.max_minutes")
        return self


class AnaesthesiaRule(_Frozen):
    required: bool
    source: str


class AdverseEventKind(_Frozen):
    id: str
    name: str
    sources: list[str] = Field(min_length=1)
    requires_description: bool


class CodeSet(_Frozen):
    source: str
    codes: list[str] = Field(min_length=1)


class SessionRules(_Frozen):
    """The timing rules of a session and the adverse events it can record."""

    version: int
    procedure: ProcedureRule
    rest: RestRule
    local_anaesthesia: AnaesthesiaRule
    adverse_event_kinds: list[AdverseEventKind] = Field(min_length=1)
    adverse_event_severities: CodeSet
    adverse_event_outcomes: CodeSet

    def adverse_event_kind(self, kind_id: str) -> AdverseEventKind:
        for kind in self.adverse_event_kinds:
            if kind.id == kind_id:
                return kind
        known = ", ".join(k.id for k in self.adverse_event_kinds)
        raise InvalidInputError(
            f"unknown adverse event kind {kind_id!r} (known: {known})", field="kind"
        )

    def sources(self) -> list[str]:
        found = [
            self.procedure.source,
            self.rest.source,
            self.local_anaesthesia.source,
            self.adverse_event_severities.source,
            self.adverse_event_outcomes.source,
        ]
        found += [s for k in self.adverse_event_kinds for s in k.sources]
        return list(dict.fromkeys(found))


def check_session_rules(rules: SessionRules) -> SessionRules:
    """Check the rules' source ids and unique adverse-event kinds; return the rules."""
    require_sources(rules.sources(), RULES_FILE)
    ids = [k.id for k in rules.adverse_event_kinds]
    if len(ids) != len(set(ids)):
        raise ReferenceDataError(f"{RULES_FILE}: an adverse event kind is listed twice")
    return rules


@cache
def load_session_rules() -> SessionRules:
    """The default session rules from `domain/data/session_rules.yaml` (source CLINIC)."""
    return check_session_rules(load_model(RULES_FILE, SessionRules))


# --------------------------------------------------------------------------------------------------
# Injection protocol templates (protocols.yaml)
# --------------------------------------------------------------------------------------------------


class Range(_Frozen):
    """A reported number or range; a single reported value has min == max."""

    min: float = Field(ge=0)
    max: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


def _as_range(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"min": value, "max": value}
    return value


RangeValue = Annotated[Range, BeforeValidator(_as_range)]


class TemplateGuidance(StrEnum):
    landmark = "landmark"
    ultrasound = "ultrasound"
    not_reported = "not_reported"


class ConcentrationBasis(StrEnum):
    reported = "reported"
    derived = "derived"  # computed from a reported recipe (tag D)


class IntervalUnit(StrEnum):
    days = "days"
    weeks = "weeks"
    months = "months"


class Interval(_Frozen):
    min: float = Field(gt=0)
    max: float = Field(gt=0)
    unit: IntervalUnit

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class TemplateLine(_Frozen):
    """What one site receives in one session, as reported."""

    site: str
    solution: str | None = None
    concentration_percent: RangeValue | None = None
    concentration_basis: ConcentrationBasis = ConcentrationBasis.reported
    points: RangeValue | None = None
    volume_ml_per_point: RangeValue | None = None
    total_volume_ml: RangeValue | None = None
    anaesthetic: str | None = None
    ingredients: list[str] = Field(default_factory=list)
    as_reported: str = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> TemplateLine:
        if (
            self.concentration_percent is not None
            and self.concentration_percent.max > 100
        ):
            raise ValueError("concentration_percent cannot exceed 100")
        if (
            self.concentration_basis is ConcentrationBasis.derived
            and self.concentration_percent is None
        ):
            raise ValueError("a derived concentration needs a value")
        per_point, points, total = (
            self.volume_ml_per_point,
            self.points,
            self.total_volume_ml,
        )
        if per_point is not None and points is not None and total is not None:
            lowest, highest = per_point.min * points.min, per_point.max * points.max
            if total.max < lowest or total.min > highest:
                raise ValueError(
                    "total_volume_ml disagrees with points x volume_ml_per_point"
                )
        return self


class TemplateSessions(_Frozen):
    count: RangeValue | None = None
    interval: Interval | None = None
    as_reported: str = Field(min_length=1)


class ProtocolTemplate(_Frozen):
    """A published injection protocol for one condition, as reported in its source(s)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    condition: str
    title: str
    sources: list[str] = Field(min_length=1)
    guidance: TemplateGuidance
    total_injections: RangeValue | None = None
    total_volume_ml: RangeValue | None = None
    lines: list[TemplateLine] = Field(min_length=1)
    sessions: TemplateSessions
    evidence_note: str | None = None

    @property
    def sites(self) -> list[str]:
        return list(dict.fromkeys(line.site for line in self.lines))


class NoPublishedProtocol(_Frozen):
    note: str
    source: str
    conditions: list[str]


class ProtocolTemplates(_Frozen):
    version: int
    templates: list[ProtocolTemplate]
    conditions_without_published_protocol: NoPublishedProtocol

    def for_condition(self, condition_id: str) -> list[ProtocolTemplate]:
        """The templates of one condition (empty when no published protocol exists)."""
        return [t for t in self.templates if t.condition == condition_id]

    def template(self, template_id: str) -> ProtocolTemplate:
        for template in self.templates:
            if template.id == template_id:
                return template
        raise UnknownIdError(
            f"unknown protocol template id {template_id!r}", field="template"
        )


def check_protocol_templates(
    templates: ProtocolTemplates, catalog: Catalog
) -> ProtocolTemplates:
    """Check templates against the catalog (conditions, sites) and the sources registry."""
    seen: set[str] = set()
    for template in templates.templates:
        where = f"{PROTOCOLS_FILE}: template {template.id}"
        if template.id in seen:
            raise ReferenceDataError(f"{where}: id defined twice")
        seen.add(template.id)
        if template.condition not in catalog.conditions:
            raise ReferenceDataError(
                f"{where}: unknown condition {template.condition!r}"
            )
        allowed = set(catalog.condition(template.condition).sites)
        for line in template.lines:
            if line.site not in allowed:
                raise ReferenceDataError(
                    f"{where}: site {line.site!r} is not a catalog site of {template.condition}"
                )
        require_sources(template.sources, where)
    without = templates.conditions_without_published_protocol
    require_sources([without.source], PROTOCOLS_FILE)
    with_template = {t.condition for t in templates.templates}
    for condition_id in without.conditions:
        if condition_id not in catalog.conditions:
            raise ReferenceDataError(
                f"{PROTOCOLS_FILE}: unknown condition {condition_id!r}"
            )
        if condition_id in with_template:
            raise ReferenceDataError(
                f"{PROTOCOLS_FILE}: {condition_id} has a template and is listed without one"
            )
    unaccounted = sorted(
        set(catalog.conditions) - with_template - set(without.conditions)
    )
    if unaccounted:
        raise ReferenceDataError(
            f"{PROTOCOLS_FILE}: say whether these conditions have a published protocol: "
            + ", ".join(unaccounted)
        )
    return templates


@cache
def _default_templates() -> ProtocolTemplates:
    return check_protocol_templates(
        load_model(PROTOCOLS_FILE, ProtocolTemplates), load_catalog()
    )


def load_protocol_templates(catalog: Catalog | None = None) -> ProtocolTemplates:
    """The injection protocol templates from `domain/data/protocols.yaml`, checked against the catalog."""
    if catalog is None:
        return _default_templates()
    return check_protocol_templates(
        load_model(PROTOCOLS_FILE, ProtocolTemplates), catalog
    )


# --------------------------------------------------------------------------------------------------
# The session state machine
# --------------------------------------------------------------------------------------------------


class SessionStep(StrEnum):
    check_in = "check_in"
    consent = "consent"
    preparation = "preparation"
    local_anaesthesia = "local_anaesthesia"
    injections = "injections"
    rest = "rest"
    discharged = "discharged"
    aborted = "aborted"


FINAL_STEPS = frozenset({SessionStep.discharged, SessionStep.aborted})


class Laterality(StrEnum):
    left = "left"
    right = "right"
    bilateral = "bilateral"
    none = "none"


class Guidance(StrEnum):
    landmark = "landmark"
    ultrasound = "ultrasound"


class NoteSeverity(StrEnum):
    info = "info"
    warning = "warning"


class Override(_Frozen):
    """A clinician's override of a refusing rule: who and why (the role check is the services')."""

    by: NonEmpty
    reason: NonEmpty


class GiveConsent(_Frozen):
    kind: Literal["consent"] = "consent"
    by: NonEmpty  # who obtained the consent


class StartPreparation(_Frozen):
    kind: Literal["preparation"] = "preparation"
    by: str | None = None


class GiveLocalAnaesthesia(_Frozen):
    kind: Literal["local_anaesthesia"] = "local_anaesthesia"
    agent: NonEmpty
    concentration_percent: float | None = Field(default=None, gt=0, le=100)
    volume_ml: float | None = Field(default=None, gt=0)
    by: str | None = None


class GiveInjection(_Frozen):
    kind: Literal["injection"] = "injection"
    site: str
    laterality: Laterality
    solution: NonEmpty
    concentration_percent: float = Field(gt=0, le=100)
    volume_ml: float = Field(gt=0)
    anaesthetic: str | None = None
    guidance: Guidance
    lot_number: str | None = None  # traceability; the store requires it
    points: int = Field(default=1, ge=1)
    by: str | None = None


class StartRest(_Frozen):
    kind: Literal["rest"] = "rest"
    heat_packs_applied: bool = True
    by: str | None = None


class Discharge(_Frozen):
    kind: Literal["discharge"] = "discharge"
    override: Override | None = None
    by: str | None = None


class Abort(_Frozen):
    kind: Literal["abort"] = "abort"
    reason: NonEmpty
    by: str | None = None


class ReportAdverseEvent(_Frozen):
    kind: Literal["adverse_event"] = "adverse_event"
    event: str  # an adverse_event_kinds id of the session rules
    description: str | None = None
    severity: str
    onset: AwareDatetime
    action: str | None = None
    outcome: str
    site: str | None = None
    by: str | None = None


SessionEvent = Annotated[
    GiveConsent
    | StartPreparation
    | GiveLocalAnaesthesia
    | GiveInjection
    | StartRest
    | Discharge
    | Abort
    | ReportAdverseEvent,
    Field(discriminator="kind"),
]


class LogEntry(_Frozen):
    """One accepted event: what, when, by whom, and the step the session was in afterwards."""

    kind: str
    at: AwareDatetime
    step: SessionStep
    by: str | None = None


class LocalAnaesthetic(_Frozen):
    agent: str
    concentration_percent: float | None
    volume_ml: float | None
    given_at: AwareDatetime


class InjectionRecord(_Frozen):
    site: str
    laterality: Laterality
    solution: str
    concentration_percent: float
    volume_ml: float
    anaesthetic: str | None
    guidance: Guidance
    lot_number: str | None
    points: int
    given_at: AwareDatetime
    by: str | None


class AdverseEventRecord(_Frozen):
    kind: str
    description: str | None
    severity: str
    onset: AwareDatetime
    action: str | None
    outcome: str
    site: str | None
    recorded_at: AwareDatetime
    by: str | None


class OverrideRecord(_Frozen):
    by: str
    reason: str
    at: AwareDatetime
    rule: str
    rest_minutes: float


class SessionNote(_Frozen):
    code: str
    severity: NoteSeverity
    message: str
    at: AwareDatetime
    source: str | None = None


class SessionRecord(_Frozen):
    """The state of one session. Immutable: `transition` returns a new record."""

    condition_ids: tuple[str, ...]
    step: SessionStep
    log: tuple[LogEntry, ...]
    consent_by: str | None = None
    anaesthetic: LocalAnaesthetic | None = None
    injections: tuple[InjectionRecord, ...] = ()
    heat_packs_applied: bool | None = None
    adverse_events: tuple[AdverseEventRecord, ...] = ()
    discharge_override: OverrideRecord | None = None
    abort_reason: str | None = None
    notes: tuple[SessionNote, ...] = ()

    def entered_at(self, step: SessionStep) -> datetime | None:
        """When the session first entered `step` (None if it never did)."""
        for entry in self.log:
            if entry.step is step:
                return entry.at
        return None

    @property
    def checked_in_at(self) -> datetime:
        return self.log[0].at

    @property
    def preparation_started_at(self) -> datetime | None:
        return self.entered_at(SessionStep.preparation)

    @property
    def rest_started_at(self) -> datetime | None:
        """Also the end of the injections."""
        return self.entered_at(SessionStep.rest)

    @property
    def discharged_at(self) -> datetime | None:
        return self.entered_at(SessionStep.discharged)

    @property
    def last_event_at(self) -> datetime:
        return self.log[-1].at

    @property
    def is_final(self) -> bool:
        return self.step in FINAL_STEPS

    @property
    def flagged(self) -> bool:
        """True when any note is a warning (over-long procedure, override, adverse event...)."""
        return any(n.severity is NoteSeverity.warning for n in self.notes)


def check_in(
    condition_ids: list[str] | tuple[str, ...],
    now: datetime,
    *,
    by: str | None = None,
    catalog: Catalog | None = None,
) -> SessionRecord:
    """Open a session record at check-in for the conditions treated."""
    require_aware(now, "now")
    if not condition_ids:
        raise InvalidInputError(
            "a session treats at least one condition", field="condition_ids"
        )
    known = catalog or load_catalog()
    for condition_id in condition_ids:
        known.condition(condition_id)
    return SessionRecord(
        condition_ids=tuple(dict.fromkeys(condition_ids)),
        step=SessionStep.check_in,
        log=(LogEntry(kind="check_in", at=now, step=SessionStep.check_in, by=by),),
    )


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def procedure_minutes(record: SessionRecord, now: datetime) -> float | None:
    """Minutes from the start of preparation to the end of injections (or to `now` if still running)."""
    started = record.preparation_started_at
    if started is None:
        return None
    ended = record.rest_started_at
    if ended is None:
        ended = record.discharged_at or (
            record.last_event_at if record.is_final else now
        )
    return _minutes(ended - started)


def rest_minutes(record: SessionRecord, now: datetime) -> float | None:
    """Minutes of rest so far (or in total, once discharged)."""
    started = record.rest_started_at
    if started is None:
        return None
    ended = record.discharged_at or (record.last_event_at if record.is_final else now)
    return _minutes(ended - started)


def earliest_discharge(record: SessionRecord, rules: SessionRules) -> datetime | None:
    """The first moment discharge is allowed without an override (None before the rest starts)."""
    started = record.rest_started_at
    if started is None:
        return None
    return started + timedelta(minutes=rules.rest.min_minutes)


# step -> event kind -> next step (abort and adverse_event are handled for every step)
_NEXT: dict[SessionStep, dict[str, SessionStep]] = {
    SessionStep.check_in: {"consent": SessionStep.consent},
    SessionStep.consent: {"preparation": SessionStep.preparation},
    SessionStep.preparation: {
        "local_anaesthesia": SessionStep.local_anaesthesia,
        "injection": SessionStep.injections,
    },
    SessionStep.local_anaesthesia: {"injection": SessionStep.injections},
    SessionStep.injections: {
        "injection": SessionStep.injections,
        "rest": SessionStep.rest,
    },
    SessionStep.rest: {"discharge": SessionStep.discharged},
    SessionStep.discharged: {},
    SessionStep.aborted: {},
}


def allowed_events(record: SessionRecord, rules: SessionRules) -> list[str]:
    """The event kinds `transition` accepts in the record's current step under `rules`."""
    kinds = list(_NEXT[record.step])
    if record.step is SessionStep.preparation and rules.local_anaesthesia.required:
        kinds.remove("injection")
    if not record.is_final:
        kinds.append("abort")
    kinds.append("adverse_event")
    return kinds


def _illegal(record: SessionRecord, kind: str, why: str = "") -> RuleViolationError:
    message = (
        f"cannot record {kind!r} while the session is in step {record.step.value!r}"
    )
    return RuleViolationError(message + (f": {why}" if why else ""), field="event")


def _note(
    code: str, severity: NoteSeverity, message: str, at: datetime, source: str | None
) -> SessionNote:
    return SessionNote(
        code=code, severity=severity, message=message, at=at, source=source
    )


def _advance(
    record: SessionRecord,
    kind: str,
    step: SessionStep,
    now: datetime,
    by: str | None,
    notes: list[SessionNote],
    **changes: Any,
) -> tuple[SessionRecord, list[SessionNote]]:
    entry = LogEntry(kind=kind, at=now, step=step, by=by)
    updated = record.model_copy(
        update={
            "step": step,
            "log": (*record.log, entry),
            "notes": (*record.notes, *notes),
            **changes,
        }
    )
    return updated, notes


def _injection(
    record: SessionRecord,
    event: GiveInjection,
    now: datetime,
    catalog: Catalog,
) -> tuple[SessionRecord, list[SessionNote]]:
    allowed = {
        site.id: site for c in record.condition_ids for site in catalog.sites_for(c)
    }
    site = allowed.get(event.site)
    if site is None:
        raise InvalidInputError(
            f"site {event.site!r} is not an injection site of "
            f"{', '.join(record.condition_ids)} (allowed: {', '.join(allowed)})",
            field="site",
        )
    if site.lateral and event.laterality is Laterality.none:
        raise InvalidInputError(
            f"site {site.id!r} has a left and a right: laterality must be left, right or bilateral",
            field="laterality",
        )
    if not site.lateral and event.laterality is not Laterality.none:
        raise InvalidInputError(
            f"site {site.id!r} has no side: laterality must be 'none'",
            field="laterality",
        )
    injection = InjectionRecord(
        site=site.id,
        laterality=event.laterality,
        solution=event.solution,
        concentration_percent=event.concentration_percent,
        volume_ml=event.volume_ml,
        anaesthetic=event.anaesthetic,
        guidance=event.guidance,
        lot_number=event.lot_number,
        points=event.points,
        given_at=now,
        by=event.by,
    )
    return _advance(
        record,
        "injection",
        SessionStep.injections,
        now,
        event.by,
        [],
        injections=(*record.injections, injection),
    )


def _rest(
    record: SessionRecord, event: StartRest, now: datetime, rules: SessionRules
) -> tuple[SessionRecord, list[SessionNote]]:
    notes: list[SessionNote] = []
    started = record.preparation_started_at
    if started is None:  # a record built by hand, not by transition()
        raise _illegal(record, "rest", "the record has no preparation step")
    minutes = _minutes(now - started)
    limit = rules.procedure.max_minutes
    if now - started > timedelta(minutes=limit):
        notes.append(
            _note(
                "procedure_over_time",
                NoteSeverity.warning,
                f"preparation to end of injections took {minutes:.1f} min, over the "
                f"{limit} min the clinic allows",
                now,
                rules.procedure.source,
            )
        )
    if rules.rest.heat_packs and not event.heat_packs_applied:
        notes.append(
            _note(
                "rest_without_heat_packs",
                NoteSeverity.info,
                "the rest began without heat packs on the injection areas",
                now,
                rules.rest.source,
            )
        )
    return _advance(
        record,
        "rest",
        SessionStep.rest,
        now,
        event.by,
        notes,
        heat_packs_applied=event.heat_packs_applied,
    )


def _discharge(
    record: SessionRecord, event: Discharge, now: datetime, rules: SessionRules
) -> tuple[SessionRecord, list[SessionNote]]:
    started = record.rest_started_at
    if started is None:  # a record built by hand, not by transition()
        raise _illegal(record, "discharge", "the record has no rest step")
    rested = now - started
    minutes = _minutes(rested)
    minimum = rules.rest.min_minutes
    notes: list[SessionNote] = []
    override_record: OverrideRecord | None = None
    if rested < timedelta(minutes=minimum):
        if event.override is None:
            raise RuleViolationError(
                f"discharge refused: the patient has rested {minutes:.1f} min, the minimum is "
                f"{minimum} min; a clinician may override with a reason",
                field="override",
            )
        override_record = OverrideRecord(
            by=event.override.by,
            reason=event.override.reason,
            at=now,
            rule="rest.min_minutes",
            rest_minutes=minutes,
        )
        notes.append(
            _note(
                "discharge_override",
                NoteSeverity.warning,
                f"discharged after {minutes:.1f} min of rest (minimum {minimum} min) on "
                f"{event.override.by}'s override: {event.override.reason}",
                now,
                rules.rest.source,
            )
        )
    elif event.override is not None:
        notes.append(
            _note(
                "override_not_needed",
                NoteSeverity.info,
                "an override was given but the minimum rest was met; it was not recorded",
                now,
                None,
            )
        )
    if rested > timedelta(minutes=rules.rest.max_minutes):
        notes.append(
            _note(
                "rest_over_time",
                NoteSeverity.info,
                f"the rest lasted {minutes:.1f} min, longer than the "
                f"{rules.rest.max_minutes} min the clinic plans",
                now,
                rules.rest.source,
            )
        )
    return _advance(
        record,
        "discharge",
        SessionStep.discharged,
        now,
        event.by,
        notes,
        discharge_override=override_record,
    )


def _adverse_event(
    record: SessionRecord,
    event: ReportAdverseEvent,
    now: datetime,
    rules: SessionRules,
    catalog: Catalog,
) -> tuple[SessionRecord, list[SessionNote]]:
    kind = rules.adverse_event_kind(event.event)
    description = (event.description or "").strip() or None
    if kind.requires_description and description is None:
        raise InvalidInputError(
            f"adverse event {kind.id!r} needs a description", field="description"
        )
    if event.severity not in rules.adverse_event_severities.codes:
        raise InvalidInputError(
            f"unknown severity {event.severity!r} (known: "
            f"{', '.join(rules.adverse_event_severities.codes)})",
            field="severity",
        )
    if event.outcome not in rules.adverse_event_outcomes.codes:
        raise InvalidInputError(
            f"unknown outcome {event.outcome!r} (known: "
            f"{', '.join(rules.adverse_event_outcomes.codes)})",
            field="outcome",
        )
    if event.onset > now:
        raise InvalidInputError(
            "the onset of an adverse event cannot be in the future", field="onset"
        )
    if event.onset < record.checked_in_at:
        raise InvalidInputError(
            "the onset of a session's adverse event cannot precede the check-in",
            field="onset",
        )
    if event.site is not None:
        catalog.site(event.site)
    recorded = AdverseEventRecord(
        kind=kind.id,
        description=description,
        severity=event.severity,
        onset=event.onset,
        action=event.action,
        outcome=event.outcome,
        site=event.site,
        recorded_at=now,
        by=event.by,
    )
    note = _note(
        "adverse_event",
        NoteSeverity.warning,
        f"adverse event recorded: {kind.name} ({event.severity}, outcome {event.outcome})",
        now,
        kind.sources[0],
    )
    return _advance(
        record,
        "adverse_event",
        record.step,
        now,
        event.by,
        [note],
        adverse_events=(*record.adverse_events, recorded),
    )


def transition(
    record: SessionRecord,
    event: SessionEvent,
    now: datetime,
    rules: SessionRules,
    *,
    catalog: Catalog | None = None,
) -> tuple[SessionRecord, list[SessionNote]]:
    """Apply `event` at `now` under `rules`; return the new record and the notes the event raised.

    Raises RuleViolationError for an event the current step does not allow (naming the step and the
    event) and for a discharge before the minimum rest without an override; InvalidInputError for a
    naive or backwards `now` and for bad event values (site, laterality, adverse-event codes).
    """
    require_aware(now, "now")
    if now < record.last_event_at:
        raise InvalidInputError(
            f"time runs backwards: {now.isoformat()} is before the last event at "
            f"{record.last_event_at.isoformat()}",
            field="now",
        )
    known = catalog or load_catalog()
    if isinstance(event, ReportAdverseEvent):
        return _adverse_event(record, event, now, rules, known)
    if isinstance(event, Abort):
        if record.is_final:
            raise _illegal(record, "abort", "the session is already closed")
        note = _note(
            "aborted",
            NoteSeverity.warning,
            f"session aborted: {event.reason}",
            now,
            None,
        )
        return _advance(
            record,
            "abort",
            SessionStep.aborted,
            now,
            event.by,
            [note],
            abort_reason=event.reason,
        )
    if event.kind not in allowed_events(record, rules):
        why = ""
        if isinstance(event, GiveInjection) and record.step is SessionStep.preparation:
            why = "the session rules require the local-anaesthesia step first"
        raise _illegal(record, event.kind, why)
    if isinstance(event, GiveConsent):
        return _advance(
            record,
            "consent",
            SessionStep.consent,
            now,
            event.by,
            [],
            consent_by=event.by,
        )
    if isinstance(event, StartPreparation):
        return _advance(
            record, "preparation", SessionStep.preparation, now, event.by, []
        )
    if isinstance(event, GiveLocalAnaesthesia):
        anaesthetic = LocalAnaesthetic(
            agent=event.agent,
            concentration_percent=event.concentration_percent,
            volume_ml=event.volume_ml,
            given_at=now,
        )
        return _advance(
            record,
            "local_anaesthesia",
            SessionStep.local_anaesthesia,
            now,
            event.by,
            [],
            anaesthetic=anaesthetic,
        )
    if isinstance(event, GiveInjection):
        return _injection(record, event, now, known)
    if isinstance(event, StartRest):
        return _rest(record, event, now, rules)
    return _discharge(record, event, now, rules)
