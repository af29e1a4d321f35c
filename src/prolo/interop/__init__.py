"""prolo.interop."""
