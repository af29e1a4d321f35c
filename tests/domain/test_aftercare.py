# ruff: noqa: RUF001  (Turkish text uses the dotless i, U+0131, on purpose)
"""Post-procedure instructions: settings with sources, and the patient's copy built from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prolo.domain.aftercare import (
    AftercareSettings,
    Settings,
    load_aftercare_settings,
    parse_aftercare_settings,
    patient_instructions,
)
from prolo.domain.errors import InvalidInputError, ReferenceDataError
from prolo.domain.reference import read_yaml, sources

SETTINGS = load_aftercare_settings()


class TestSettingsFile:
    def test_every_setting_and_option_names_a_known_source(self) -> None:
        known = sources()
        assert SETTINGS.source_ids()
        assert all(i in known for i in SETTINGS.source_ids())

    def test_the_disagreeing_nsaid_options_are_all_recorded(self) -> None:
        after = SETTINGS.settings.nsaid_days_after
        assert {o.source for o in after.options} == {"S23", "S24", "S25"}

    def test_ice_avoid_days_without_days_is_refused(self) -> None:
        raw = read_yaml("aftercare.yaml")
        del raw["settings"]["ice"]["days"]
        with pytest.raises(ReferenceDataError, match="days"):
            parse_aftercare_settings(raw)

    def test_unknown_source_is_refused(self) -> None:
        raw = read_yaml("aftercare.yaml")
        raw["settings"]["flare_hours"]["source"] = ["NOPE-1"]
        with pytest.raises(ReferenceDataError, match="NOPE-1"):
            parse_aftercare_settings(raw)

    def test_with_changes_validates(self) -> None:
        with pytest.raises(InvalidInputError):
            SETTINGS.with_changes(nsaid_days_before={"value": -1})
        with pytest.raises(InvalidInputError, match="unknown aftercare setting"):
            SETTINGS.with_changes(coffee={"value": 1})


class TestPatientCopy:
    def test_default_english_copy_carries_the_clinics_numbers(self) -> None:
        text = patient_instructions(SETTINGS, "en")
        assert "for 5 days before each session and for 7 days after it" in text
        assert "up to 1000 mg every 8 hours" in text
        assert "low-dose aspirin (up to 81 mg a day)" in text
        assert "ice on the treated areas for 7 days" in text
        assert "for 3 days after each session" in text
        assert "within 72 hours" in text
        assert "(112)" in text

    def test_default_turkish_copy_carries_the_clinics_numbers(self) -> None:
        text = patient_instructions(SETTINGS, "tr")
        assert "Her seanstan önceki 5 gün ve sonraki 7 gün boyunca" in text
        assert "8 saatte bir, tek seferde en fazla 1000 mg" in text
        assert "günde en fazla 81 mg" in text
        assert "sonraki 7 gün boyunca tedavi edilen bölgelere buz uygulamayınız" in text
        assert "sonraki 3 gün boyunca ağır yük" in text
        assert "72 saat" in text
        for english in ("days", "hours", "Do not", "ice"):
            assert english not in text

    def test_unknown_language_is_refused(self) -> None:
        with pytest.raises(InvalidInputError) as info:
            patient_instructions(SETTINGS, "de")
        assert info.value.field == "language"

    def test_ice_rule_changes_the_copy(self) -> None:
        course = SETTINGS.with_changes(ice={"rule": "avoid_course", "days": None})
        en = patient_instructions(course, "en")
        assert "at any time during the course" in en
        assert "for 7 days after each session" not in en
        assert "Tedavi süresince" in patient_instructions(course, "tr")
        allowed = SETTINGS.with_changes(ice={"rule": "allowed", "days": None})
        assert "Do not put ice" not in patient_instructions(allowed, "en")
        assert "buz uygulamayınız" not in patient_instructions(allowed, "tr")

    def test_whole_course_nsaid_pause(self) -> None:
        whole = SETTINGS.with_changes(
            nsaid_whole_course={"value": True}, nsaid_days_after={"value": 84}
        )
        en = patient_instructions(whole, "en")
        assert "from 5 days before your first session" in en
        assert "until 84 days after your last session" in en
        tr = patient_instructions(whole, "tr")
        assert "İlk seanstan 5 gün önce başlayarak" in tr
        assert "son seanstan sonraki 84 gün boyunca" in tr

    def test_paracetamol_without_a_dose_follows_the_pack(self) -> None:
        no_dose = SETTINGS.with_changes(
            acetaminophen={"dose_mg": None, "every_hours": None}
        )
        assert "as directed on the pack" in patient_instructions(no_dose, "en")
        assert "1000 mg" not in patient_instructions(no_dose, "en")
        assert "kullanım talimatına" in patient_instructions(no_dose, "tr")

    def test_aspirin_not_allowed_asks_the_patient_to_tell_us(self) -> None:
        strict = SETTINGS.with_changes(low_dose_aspirin={"allowed": False})
        assert "tell us before your session" in patient_instructions(strict, "en")
        assert "bize bildiriniz" in patient_instructions(strict, "tr")

    def test_clinic_phone_is_printed_when_set(self) -> None:
        data = SETTINGS.model_dump()
        data["contact"]["clinic_phone"] = "0212 555 00 00"
        with_phone = AftercareSettings.model_validate(data)
        assert "on 0212 555 00 00" in patient_instructions(with_phone, "en")
        assert "(0212 555 00 00)" in patient_instructions(with_phone, "tr")

    @given(
        before=st.integers(1, 30),
        after=st.integers(1, 90),
        ice_days=st.integers(1, 30),
        rest=st.integers(1, 14),
        flare=st.integers(1, 240),
        dose=st.integers(100, 1000),
        every=st.integers(4, 12),
        aspirin=st.integers(50, 100),
    )
    def test_every_number_in_the_copy_follows_the_settings(
        self,
        before: int,
        after: int,
        ice_days: int,
        rest: int,
        flare: int,
        dose: int,
        every: int,
        aspirin: int,
    ) -> None:
        s = SETTINGS.with_changes(
            nsaid_days_before={"value": before},
            nsaid_days_after={"value": after},
            ice={"days": ice_days},
            activity_rest_days={"value": rest},
            flare_hours={"value": flare},
            acetaminophen={"dose_mg": dose, "every_hours": every},
            low_dose_aspirin={"max_mg": aspirin},
        )

        def plural(n: int, unit: str) -> str:
            return f"{n} {unit}" if n == 1 else f"{n} {unit}s"

        en = patient_instructions(s, "en")
        assert f"for {plural(before, 'day')} before each session" in en
        assert f"for {plural(after, 'day')} after it" in en
        assert f"ice on the treated areas for {plural(ice_days, 'day')}" in en
        assert f"strain for {plural(rest, 'day')} after" in en
        assert f"within {plural(flare, 'hour')}" in en
        assert f"up to {dose} mg every {plural(every, 'hour')}" in en
        assert f"up to {aspirin} mg a day" in en

        tr = patient_instructions(s, "tr")
        assert f"önceki {before} gün ve sonraki {after} gün" in tr
        assert f"sonraki {ice_days} gün boyunca tedavi edilen bölgelere buz" in tr
        assert f"sonraki {rest} gün boyunca ağır yük" in tr
        assert f"{flare} saat içinde" in tr
        assert f"{every} saatte bir, tek seferde en fazla {dose} mg" in tr
        assert f"günde en fazla {aspirin} mg" in tr

    @pytest.mark.parametrize("language", ["en", "tr"])
    def test_no_nsaid_pause_means_no_nsaid_line(self, language: str) -> None:
        none = SETTINGS.with_changes(
            nsaid_days_before={"value": 0}, nsaid_days_after={"value": 0}
        )
        text = patient_instructions(none, language)
        assert "ibuprofen" not in text


def test_docs_list_every_setting() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "course-rules.md").read_text(
        encoding="utf-8"
    )
    for name in Settings.model_fields:
        assert f"`{name}`" in doc, name
