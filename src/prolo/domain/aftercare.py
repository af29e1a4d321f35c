# ruff: noqa: RUF001  (the Turkish copy uses the dotless i, U+0131, on purpose)
"""Post-procedure instructions: clinic settings, and the patient's copy generated from them.

The settings live in `data/aftercare.yaml` (`load_aftercare_settings()`): NSAID pause before and
after each session, the ice rule, heat, paracetamol (acetaminophen), the low-dose aspirin
exception, days without heavy activity, and how long the usual post-injection soreness lasts.
Each setting keeps the clinic's choice and the published options it was chosen from (the sources
disagree: clinical-reference.md section 1.3).

`patient_instructions(settings, language)` renders the patient's copy in English ("en") or Turkish
("tr"). Every number in the copy comes from the settings. The warning signs it lists come from the
adverse events the sources name: infection (S2, S28), allergic reaction up to anaphylaxis (S24),
pneumothorax after chest injections (S24, S32).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prolo.domain.errors import InvalidInputError, ReferenceDataError
from prolo.domain.reference import read_yaml, require_sources

AFTERCARE_FILE = "aftercare.yaml"

Language = Literal["en", "tr"]
LANGUAGES: tuple[Language, ...] = ("en", "tr")


class Option(BaseModel):
    """A published alternative a clinic may choose."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    source: str


class _Sourced(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: tuple[str, ...] = Field(min_length=1)
    options: tuple[Option, ...] = ()


class DaysSetting(_Sourced):
    value: int = Field(ge=0, le=365)


class HoursSetting(_Sourced):
    value: int = Field(ge=1, le=24 * 30)


class FlagSetting(_Sourced):
    value: bool


class IceSetting(_Sourced):
    rule: Literal["avoid_days", "avoid_course", "allowed"]
    days: int | None = Field(default=None, ge=1, le=365)

    @model_validator(mode="after")
    def _days_when_needed(self) -> IceSetting:
        if self.rule == "avoid_days" and self.days is None:
            raise ValueError("ice rule avoid_days needs `days`")
        return self


class AcetaminophenSetting(_Sourced):
    allowed: bool
    # Upper limit: the single dose published for post-prolotherapy pain, 1000 mg (S23).
    dose_mg: int | None = Field(default=None, ge=1, le=1000)
    every_hours: int | None = Field(default=None, ge=1, le=24)

    @model_validator(mode="after")
    def _dose_and_interval_together(self) -> AcetaminophenSetting:
        if (self.dose_mg is None) != (self.every_hours is None):
            raise ValueError("give both dose_mg and every_hours, or neither")
        return self


class AspirinSetting(_Sourced):
    allowed: bool
    max_mg: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _max_when_allowed(self) -> AspirinSetting:
        if self.allowed and self.max_mg is None:
            raise ValueError("low-dose aspirin allowed needs `max_mg`")
        return self


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    nsaid_days_before: DaysSetting
    nsaid_days_after: DaysSetting
    nsaid_whole_course: FlagSetting
    ice: IceSetting
    heat_after: FlagSetting
    acetaminophen: AcetaminophenSetting
    low_dose_aspirin: AspirinSetting
    activity_rest_days: DaysSetting
    keep_moving: FlagSetting
    flare_hours: HoursSetting


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    clinic_phone: str | None = None
    emergency_number: str = Field(min_length=1)


class AftercareSettings(BaseModel):
    """The clinic's post-procedure settings (the layout of aftercare.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    settings: Settings
    contact: Contact

    def source_ids(self) -> list[str]:
        ids: list[str] = []
        for name in Settings.model_fields:
            item: _Sourced = getattr(self.settings, name)
            ids.extend(item.source)
            ids.extend(o.source for o in item.options)
        return ids

    def with_changes(self, **changes: dict[str, Any]) -> AftercareSettings:
        """A copy with some settings replaced by (partial) mappings, validated again."""
        data = self.model_dump()
        for name, update in changes.items():
            if name not in data["settings"]:
                raise InvalidInputError(
                    f"unknown aftercare setting: {name}", field=name
                )
            data["settings"][name] = {**data["settings"][name], **update}
        try:
            return AftercareSettings.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise InvalidInputError(f"{loc}: {err['msg']}", field=loc) from exc


def parse_aftercare_settings(
    raw: object, where: str = AFTERCARE_FILE
) -> AftercareSettings:
    """Validate a parsed aftercare document and check that every source id is known."""
    try:
        settings = AftercareSettings.model_validate(raw)
    except ValidationError as exc:
        raise ReferenceDataError(f"{where} is malformed: {exc}") from exc
    require_sources(settings.source_ids(), where)
    return settings


@cache
def load_aftercare_settings() -> AftercareSettings:
    """The clinic's aftercare settings shipped in `data/aftercare.yaml`."""
    return parse_aftercare_settings(read_yaml(AFTERCARE_FILE))


# --------------------------------------------------------------------------- the patient's copy


def _en_count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _english(a: AftercareSettings) -> list[tuple[str, list[str]]]:
    s, contact = a.settings, a.contact
    before, after = s.nsaid_days_before.value, s.nsaid_days_after.value
    medicines: list[str] = []
    nsaids = "anti-inflammatory painkillers (NSAIDs such as ibuprofen, naproxen or diclofenac)"
    why = "They can weaken the healing reaction the treatment relies on."
    if s.nsaid_whole_course.value:
        start = (
            f"from {_en_count(before, 'day')} before your first session"
            if before
            else "from your first session"
        )
        end = (
            f"until {_en_count(after, 'day')} after your last session"
            if after
            else "until your last session"
        )
        medicines.append(
            f"Do not take {nsaids} {start}, throughout the course and {end}. {why}"
        )
    elif before or after:
        spans = []
        if before:
            spans.append(f"for {_en_count(before, 'day')} before each session")
        if after:
            spans.append(f"for {_en_count(after, 'day')} after it")
        medicines.append(f"Do not take {nsaids} {' and '.join(spans)}. {why}")
    acet = s.acetaminophen
    if acet.allowed and acet.dose_mg is not None and acet.every_hours is not None:
        medicines.append(
            "For pain you may take paracetamol (acetaminophen): up to "
            f"{acet.dose_mg} mg every {_en_count(acet.every_hours, 'hour')} if you need it."
        )
    elif acet.allowed:
        medicines.append(
            "For pain you may take paracetamol (acetaminophen) as directed on the pack."
        )
    else:
        medicines.append("Ask us before you take any painkiller.")
    asp = s.low_dose_aspirin
    if asp.allowed and asp.max_mg is not None:
        medicines.append(
            f"If your doctor has prescribed low-dose aspirin (up to {asp.max_mg} mg a day), "
            "keep taking it."
        )
    else:
        medicines.append(
            "If you take aspirin, tell us before your session; do not stop it without asking "
            "the doctor who prescribed it."
        )

    heat_ice: list[str] = []
    if s.heat_after.value:
        heat_ice.append(
            "Warmth is good for the treated areas: it increases blood flow. You may put a warm "
            "compress on them."
        )
    if s.ice.rule == "avoid_days" and s.ice.days is not None:
        heat_ice.append(
            f"Do not put ice on the treated areas for {_en_count(s.ice.days, 'day')} after "
            "each session."
        )
    elif s.ice.rule == "avoid_course":
        heat_ice.append(
            "Do not put ice on the treated areas at any time during the course."
        )
    else:
        heat_ice.append(
            "You may use a cold pack for short periods if it eases the pain."
        )

    activity: list[str] = []
    if s.keep_moving.value:
        activity.append(
            "Keep moving gently. Do not keep the treated area still or in a brace unless we "
            "tell you to."
        )
    if s.activity_rest_days.value:
        activity.append(
            "Avoid heavy lifting, strenuous sport and repetitive strain for "
            f"{_en_count(s.activity_rest_days.value, 'day')} after each session."
        )

    hours = _en_count(s.flare_hours.value, "hour")
    expect = [
        "Soreness, stiffness, a feeling of fullness and some bruising at the injection sites "
        f"are common. They usually settle within {hours}."
    ]
    phone = f" on {contact.clinic_phone}" if contact.clinic_phone else ""
    call = [
        f"Call the clinic{phone} if you have a fever; if redness, warmth or swelling at an "
        "injection site gets worse, or fluid comes out of it; or if your pain keeps getting "
        f"worse or lasts longer than {hours}.",
        f"Call the emergency number ({contact.emergency_number}) at once if you have "
        "difficulty breathing, chest pain, swelling of the face or lips, or a widespread "
        "itchy rash.",
    ]
    return [
        ("Medicines", medicines),
        ("Heat and ice", heat_ice),
        ("Activity", activity),
        ("What to expect", expect),
        ("When to contact us", call),
    ]


def _turkish(a: AftercareSettings) -> list[tuple[str, list[str]]]:
    s, contact = a.settings, a.contact
    before, after = s.nsaid_days_before.value, s.nsaid_days_after.value
    medicines: list[str] = []
    nsaids = (
        "ibuprofen, naproksen, diklofenak gibi ağrı kesici ve iltihap giderici ilaçları "
        "(NSAİİ)"
    )
    why = "Bu ilaçlar, tedavinin dayandığı iyileşme tepkisini zayıflatabilir."
    if s.nsaid_whole_course.value:
        start = (
            f"İlk seanstan {before} gün önce başlayarak"
            if before
            else "İlk seanstan itibaren"
        )
        end = (
            f"son seanstan sonraki {after} gün boyunca" if after else "son seansa kadar"
        )
        medicines.append(
            f"{start} tedavi süresince ve {end} {nsaids} kullanmayınız. {why}"
        )
    elif before and after:
        medicines.append(
            f"Her seanstan önceki {before} gün ve sonraki {after} gün boyunca {nsaids} "
            f"kullanmayınız. {why}"
        )
    elif before:
        medicines.append(
            f"Her seanstan önceki {before} gün boyunca {nsaids} kullanmayınız. {why}"
        )
    elif after:
        medicines.append(
            f"Her seanstan sonraki {after} gün boyunca {nsaids} kullanmayınız. {why}"
        )
    acet = s.acetaminophen
    if acet.allowed and acet.dose_mg is not None and acet.every_hours is not None:
        medicines.append(
            "Ağrınız olursa parasetamol alabilirsiniz: gerektiğinde "
            f"{acet.every_hours} saatte bir, tek seferde en fazla {acet.dose_mg} mg."
        )
    elif acet.allowed:
        medicines.append(
            "Ağrınız olursa kutusundaki kullanım talimatına uyarak parasetamol "
            "kullanabilirsiniz."
        )
    else:
        medicines.append("Herhangi bir ağrı kesici almadan önce bize danışınız.")
    asp = s.low_dose_aspirin
    if asp.allowed and asp.max_mg is not None:
        medicines.append(
            "Doktorunuzun önerdiği düşük doz aspirini (günde en fazla "
            f"{asp.max_mg} mg) kullanıyorsanız, kullanmaya devam ediniz."
        )
    else:
        medicines.append(
            "Aspirin kullanıyorsanız seanstan önce bize bildiriniz; reçete eden doktorunuza "
            "danışmadan bırakmayınız."
        )

    heat_ice: list[str] = []
    if s.heat_after.value:
        heat_ice.append(
            "Sıcak uygulama bölgedeki kan dolaşımını artırır; tedavi edilen bölgelere sıcak "
            "kompres uygulayabilirsiniz."
        )
    if s.ice.rule == "avoid_days" and s.ice.days is not None:
        heat_ice.append(
            f"Her seanstan sonraki {s.ice.days} gün boyunca tedavi edilen bölgelere buz "
            "uygulamayınız."
        )
    elif s.ice.rule == "avoid_course":
        heat_ice.append("Tedavi süresince tedavi edilen bölgelere buz uygulamayınız.")
    else:
        heat_ice.append(
            "Ağrınızı azaltıyorsa kısa süreli soğuk uygulama yapabilirsiniz."
        )

    activity: list[str] = []
    if s.keep_moving.value:
        activity.append(
            "Günlük hareketlerinize devam ediniz. Size söylenmedikçe tedavi edilen bölgeyi "
            "hareketsiz bırakmayınız, bandaj veya atelle sabitlemeyiniz."
        )
    if s.activity_rest_days.value:
        activity.append(
            f"Her seanstan sonraki {s.activity_rest_days.value} gün boyunca ağır yük kaldırmaktan, "
            "zorlayıcı spordan ve aynı hareketi tekrar tekrar yapmaktan kaçınınız."
        )

    hours = s.flare_hours.value
    expect = [
        "Enjeksiyon yapılan yerlerde ağrı, sertlik, dolgunluk hissi ve hafif morarma sık "
        f"görülür. Bu yakınmalar genellikle {hours} saat içinde geçer."
    ]
    phone = f" ({contact.clinic_phone})" if contact.clinic_phone else ""
    call = [
        "Ateşiniz çıkarsa, enjeksiyon yerinde kızarıklık, sıcaklık veya şişlik giderek artarsa "
        f"ya da akıntı olursa, ağrınız giderek artar veya {hours} saatten uzun sürerse "
        f"kliniğimizi arayınız{phone}.",
        "Nefes darlığı, göğüs ağrısı, yüzde veya dudaklarda şişlik ya da vücudunuza yayılan "
        f"kaşıntılı döküntü olursa hemen acil yardım hattını ({contact.emergency_number}) "
        "arayınız.",
    ]
    return [
        ("İlaçlar", medicines),
        ("Sıcak ve soğuk uygulama", heat_ice),
        ("Hareket", activity),
        ("Neler olabilir?", expect),
        ("Hangi durumlarda bize ulaşmalısınız?", call),
    ]


_TITLES: dict[Language, str] = {
    "en": "After your prolotherapy session",
    "tr": "Proloterapi sonrası dikkat etmeniz gerekenler",
}

_RENDERERS: dict[
    Language, Callable[[AftercareSettings], list[tuple[str, list[str]]]]
] = {
    "en": _english,
    "tr": _turkish,
}


def patient_instructions(settings: AftercareSettings, language: str) -> str:
    """The patient's copy of the post-procedure instructions, as plain text (Markdown-friendly)."""
    if language not in _RENDERERS:
        raise InvalidInputError(
            f"language: expected one of {', '.join(LANGUAGES)}, got {language!r}",
            field="language",
        )
    lang: Language = "en" if language == "en" else "tr"
    lines = [_TITLES[lang], ""]
    for heading, items in _RENDERERS[lang](settings):
        if not items:
            continue
        lines.append(heading)
        lines.extend(f"- {item}" for item in items)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
