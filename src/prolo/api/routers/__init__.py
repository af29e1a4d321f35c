"""One router per resource family, all mounted under /api/v1 by `prolo.api.router`."""
