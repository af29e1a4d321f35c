"""prolo.store."""
