"""Hypothesis fuzzing of the CLI's readers of outside files: `prolo screen` (intake JSON),
`prolo schedule validate` / `solve` (instance and schedule JSON), `prolo score` (answers) and
`prolo fhir import` (a FHIR Bundle). Valid documents are mutated (a value replaced or removed,
the text cut short, the whole thing replaced): every run must end with exit 0, 1 or 2 and, when
it is not 0, a message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from prolo.cli import app
from prolo.domain.screening import example_intake

runner = CliRunner()
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "2025-13-45", "9999-12-31T23:59:59Z", "-1", "nan"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc[:5]):
            found += _paths(value, (*prefix, index))
    return found


def _replace(doc: Any, path: tuple[Any, ...], value: Any, *, delete: bool) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(doc))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


@st.composite
def mutated(draw: st.DrawFn, valid: Any) -> str:
    """The JSON text of a mutation of `valid`."""
    how = draw(st.sampled_from(["replace", "delete", "truncate", "whole", "same"]))
    text = json.dumps(valid)
    if how == "truncate":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    if how == "whole":
        return json.dumps(draw(json_values))
    if how == "same":
        return text
    paths = [p for p in _paths(valid) if p] or [()]
    path = draw(st.sampled_from(paths))
    return json.dumps(_replace(valid, path, draw(json_values), delete=how == "delete"))


def _run(args: list[str], env: dict[str, str] | None = None) -> None:
    result = runner.invoke(app, args, env=env)
    output = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    assert "Traceback" not in output, output[-2000:]
    assert result.exit_code in (0, 1, 2), (result.exit_code, output[-500:])
    if result.exit_code != 0:
        assert result.stderr.strip() or result.stdout.strip(), "no message"


def test_screen_never_crashes_on_a_mutated_intake(tmp_path: Path) -> None:
    valid = example_intake().model_dump(mode="json")
    source = tmp_path / "intake.json"

    @FUZZ
    @given(text=mutated(valid))
    def check(text: str) -> None:
        source.write_text(text, encoding="utf-8")
        _run(["screen", str(source), "--format", "json"])

    check()


@pytest.fixture(scope="module")
def instance_and_schedule(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    folder = tmp_path_factory.mktemp("schedule")
    generated = runner.invoke(
        app,
        ["schedule", "generate", "--patients", "3", "--weeks", "6", "--seed", "1"],
    )
    assert generated.exit_code == 0, generated.stderr
    instance = json.loads(generated.stdout)
    (folder / "instance.json").write_text(generated.stdout, encoding="utf-8")
    solved = runner.invoke(
        app,
        [
            "schedule",
            "solve",
            str(folder / "instance.json"),
            "--method",
            "greedy",
            "--format",
            "json",
        ],
    )
    assert solved.exit_code == 0, solved.stderr
    return instance, json.loads(solved.stdout)


def test_schedule_validate_never_crashes_on_mutated_files(
    tmp_path: Path, instance_and_schedule: tuple[Any, Any]
) -> None:
    instance, schedule = instance_and_schedule
    instance_file, schedule_file = tmp_path / "i.json", tmp_path / "s.json"

    @FUZZ
    @given(
        which=st.sampled_from(["instance", "schedule"]),
        instance_text=mutated(instance),
        schedule_text=mutated(schedule),
    )
    def check(which: str, instance_text: str, schedule_text: str) -> None:
        instance_file.write_text(
            instance_text if which == "instance" else json.dumps(instance),
            encoding="utf-8",
        )
        schedule_file.write_text(
            schedule_text if which == "schedule" else json.dumps(schedule),
            encoding="utf-8",
        )
        _run(["schedule", "validate", str(instance_file), str(schedule_file)])

    check()


def test_schedule_solve_never_crashes_on_a_mutated_instance(
    tmp_path: Path, instance_and_schedule: tuple[Any, Any]
) -> None:
    instance, _ = instance_and_schedule
    source = tmp_path / "i.json"

    @settings(FUZZ, max_examples=25)
    @given(text=mutated(instance))
    def check(text: str) -> None:
        source.write_text(text, encoding="utf-8")
        _run(
            ["schedule", "solve", str(source), "--method", "greedy", "--format", "json"]
        )

    check()


@FUZZ
@given(
    instrument=st.sampled_from(
        [
            "nrs",
            "odi",
            "ndi",
            "quickdash",
            "womac",
            "koos",
            "bctq",
            "prtee",
            "ffi",
            "hit6",
            "fiqr",
            "",
            "NRS",
            "../nrs",
        ]
    ),
    answers=st.lists(
        st.one_of(
            st.integers(-3, 12).map(str),
            st.sampled_from(["", " ", "x", "nan", "inf", "1e309", "-0", "3.5", "null"]),
        ),
        max_size=60,
    ).map(",".join),
)
def test_score_never_crashes_on_any_answers(instrument: str, answers: str) -> None:
    _run(["score", instrument, "--answers", answers, "--format", "json"])


def test_fhir_import_never_crashes_on_a_mutated_bundle(
    tmp_path: Path, scratch_url: str
) -> None:
    samples = pytest.importorskip("fhir_api.samples")
    from prolo.interop.fhir import patient_bundle_json

    valid = patient_bundle_json(samples.hand_built())
    source = tmp_path / "bundle.json"

    @settings(FUZZ, max_examples=30)
    @given(text=mutated(valid))
    def check(text: str) -> None:
        source.write_text(text, encoding="utf-8")
        _run(
            ["fhir", "import", str(source), "--format", "json"],
            env={"PROLO_DATABASE_URL": scratch_url},
        )

    check()
