"""The book's maintenance scripts, each run from the repository root as
`python -m tools.NAME` (the Makefile's targets name each one), so that they and
the tests import each other, and `tests`, the same way: as packages of the root.
"""
