"""Interoperability: pure mappings between Prolo records and FHIR R4 / iCalendar.

- `prolo.interop.records`  the frozen records the mappings take and return (the contract with services)
- `prolo.interop.fhir`     FHIR R4 export (collection Bundles, single resources), import, CapabilityStatement
- `prolo.interop.ical`     RFC 5545 feeds per patient and per clinician
- `prolo.interop.scores`   instruments registry -> questionnaire definitions, responses, score observations

Imports only `prolo.domain`, `fhir.resources`, `icalendar` and the standard library (docs/interop.md).
"""
