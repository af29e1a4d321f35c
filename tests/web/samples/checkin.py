"""Sample contexts of the self check-in pages."""

from __future__ import annotations

from collections.abc import Callable

from prolo.domain.instruments import get_instrument
from prolo.web.contexts import TemplateContext
from prolo.web.contexts.checkin import (
    CheckinDonePage,
    CheckinFormPage,
    CheckinQuestion,
    CheckinStartPage,
)
from prolo.web.i18n import Lang
from prolo.web.routes.portal import build_form
from prolo.web.shell import build_shell

from . import make_request


def start(lang: Lang) -> CheckinStartPage:
    return CheckinStartPage(
        lang=lang,
        shell=build_shell(make_request("/check-in/x"), lang),
        kiosk=False,
        clinic_name="Prolo Demo Clinic",
        when="2025-06-03 · 10:00",
        on_the_day=True,
        action="/check-in/x/identity",
        error="mismatch",
        family_name="Aslan",
        birth_date="1985-01-13",
    )


def form(lang: Lang) -> CheckinFormPage:
    return CheckinFormPage(
        lang=lang,
        shell=build_shell(make_request("/check-in/x"), lang),
        kiosk=True,
        given_name="Burak",
        when="2025-06-03 · 10:00",
        session_number=2,
        action="/check-in/x",
        proof="1.p",
        questions=(
            CheckinQuestion("systemic_infection", "no"),
            CheckinQuestion("infection_at_site", None),
            CheckinQuestion("anticoagulant", "yes"),
            CheckinQuestion("pregnant", None),
        ),
        forms=tuple(
            build_form(
                get_instrument(i),
                timepoint="session-2",
                action="/check-in/x",
                lang=lang,
                prefix=f"{i}.",
            )
            for i in ("nrs", "odi")
        ),
        error_field="infection_at_site",
        already_done=True,
    )


def done(lang: Lang) -> CheckinDonePage:
    return CheckinDonePage(
        lang=lang,
        shell=build_shell(make_request("/kiosk"), lang),
        kiosk=True,
        given_name="Burak",
        flagged=True,
        next_href="/kiosk",
    )


SAMPLES: dict[type[TemplateContext], Callable[[Lang], TemplateContext]] = {
    CheckinStartPage: start,
    CheckinFormPage: form,
    CheckinDonePage: done,
}
