"""prolo.api."""
