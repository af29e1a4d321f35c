"""prolo.reports."""
