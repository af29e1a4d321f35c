"""Prolo domain: pure clinical rules and reference data."""
