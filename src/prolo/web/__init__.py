"""prolo.web."""
