"""Printing results so that a re-run can compare them as text.

A notebook's printed numbers are verified by comparing them with the stored
ones (nbval). So a value prints with a sign and fixed decimals, never as
rounding noise such as ``-0.0000``; and a bound prints with the value it bounds
and raises where it fails, so the claim on the page is also a check.
"""


def format_signed(value, decimals: int = 4) -> str:
    """``value`` with a sign and fixed decimals, never printing ``-0.0000``."""
    rounded = round(float(value), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:+.{decimals}f}"


def assert_below(label: str, value, bound: float) -> None:
    """Print ``label: value (< bound)`` and raise ``AssertionError`` if it is not.

    The notebooks print every error bound this way, so a claim on the page is
    also a check that stops the notebook when it fails.
    """
    value = float(value)
    print(f"{label}: {value:.0e} (< {bound:.0e})")
    if not value < bound:  # also catches NaN
        raise AssertionError(f"{label} is {value!r}, not below {bound!r}.")


def assert_above(label: str, value, bound: float) -> None:
    """Print ``label: value (> bound)`` and raise ``AssertionError`` if it is not.

    For claims that something grew: a condition number, an error that blew up.
    """
    value = float(value)
    print(f"{label}: {value:.0e} (> {bound:.0e})")
    if not value > bound:  # also catches NaN
        raise AssertionError(f"{label} is {value!r}, not above {bound!r}.")
