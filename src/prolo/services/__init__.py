"""prolo.services."""
