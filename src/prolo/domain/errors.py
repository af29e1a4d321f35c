"""Errors raised by the pure domain.

    DomainError                      base of every error the domain raises
    ├── ReferenceDataError           a reference table in domain/data is missing or malformed
    ├── UnknownIdError               an id (condition, instrument, site...) is not in the reference data
    ├── InvalidInputError            a value given to a domain function is out of range or malformed;
    │                                `field` names the offending field or item
    └── RuleViolationError           an action breaks a clinical rule (e.g. discharge before minimum rest)

Edges translate these: the CLI prints the message and exits 2, the API answers 4xx problem+json.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error raised by `prolo.domain`."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class ReferenceDataError(DomainError):
    """A reference data file is missing, malformed or lacks a source."""


class UnknownIdError(DomainError):
    """An identifier is not in the reference data."""


class InvalidInputError(DomainError):
    """An input value is malformed or out of range; `field` names it."""


class RuleViolationError(DomainError):
    """An action would break a clinical rule."""
