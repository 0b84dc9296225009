"""glowlab.printing: results printed in the stable form a re-run compares."""

import pytest

from glowlab import printing


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0, "+0.0000"), (-0.0, "+0.0000"), (-1e-9, "+0.0000"), (-1.23456, "-1.2346")],
)
def test_format_signed_never_prints_minus_zero(value, text):
    assert printing.format_signed(value) == text


def test_assert_below_prints_and_passes(capsys):
    printing.assert_below("round-trip error", 2.2e-16, 1e-12)
    assert capsys.readouterr().out == "round-trip error: 2e-16 (< 1e-12)\n"


@pytest.mark.parametrize("value", [1e-3, float("nan"), float("inf")])
def test_assert_below_raises_when_the_bound_fails(value):
    with pytest.raises(AssertionError, match="not below"):
        printing.assert_below("error", value, 1e-6)


def test_assert_above_prints_and_raises(capsys):
    printing.assert_above("condition number", 3.2e13, 1e10)
    assert capsys.readouterr().out == "condition number: 3e+13 (> 1e+10)\n"
    for value in (1.0, float("nan")):
        with pytest.raises(AssertionError, match="not above"):
            printing.assert_above("condition number", value, 1e10)
