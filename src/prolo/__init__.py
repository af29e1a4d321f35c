"""Prolo: run a prolotherapy practice end to end."""

__version__ = "0.1.0"
