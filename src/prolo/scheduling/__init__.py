"""prolo.scheduling."""
