"""pytest's root configuration: nbval compares the book with stated tolerances.

Loaded for every pytest run in this repository, so `pytest --nbval notebooks/`
applies the tolerances that cells declare (see tests/nbval_tolerance.py).
"""

pytest_plugins = ["tests.nbval_tolerance"]
