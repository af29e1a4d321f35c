"""CP-SAT on small windows: re-time a few sessions jointly, everything else fixed.

variables.py (the container), constraints.py (one class per hard rule), objective.py (one function
per term), model.py (compose, hint with the current plan, solve, read back).
"""
