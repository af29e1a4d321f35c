"""prolo.reports: outcome charts (`charts.py`); reports are drawn from domain values, never from the database."""
