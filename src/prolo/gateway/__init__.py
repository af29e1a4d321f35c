"""Shared HTTP plumbing for the two edges, `prolo.api` and `prolo.web` (siblings that may not import
each other): the per-request unit of work, the client address, the authenticated actor from a bearer
token or a session cookie, web sessions and CSRF. It sits between the edges and the services.
"""
