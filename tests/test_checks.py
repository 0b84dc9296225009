"""glowlab.checks: the checks agree with a correct layer and catch a wrong one."""

from typing import ClassVar

import jax.numpy as jnp
import jax.random as jr
import pytest
from flowjax.bijections import AbstractBijection

from glowlab import ActNorm, Invertible1x1Conv, checks


class WrongLogDet(AbstractBijection):
    """Doubles x but claims a log-det of 0: the mistake a student can make."""

    shape: tuple[int, ...] = (3,)
    cond_shape: ClassVar[None] = None

    def transform_and_log_det(self, x, condition=None):
        return 2 * x, jnp.zeros(())

    def inverse_and_log_det(self, y, condition=None):
        return y / 2, jnp.zeros(())


class WrongInverse(AbstractBijection):
    """Correct log-det, but an inverse that is off by one."""

    shape: tuple[int, ...] = (3,)
    cond_shape: ClassVar[None] = None

    def transform_and_log_det(self, x, condition=None):
        return 2 * x, 3 * jnp.log(2.0)

    def inverse_and_log_det(self, y, condition=None):
        return y / 2 + 1, -3 * jnp.log(2.0)


def test_autodiff_log_det_of_a_known_map():
    x = jnp.ones(3)
    assert float(checks.log_det_by_autodiff(WrongLogDet(), x)) == pytest.approx(
        3 * jnp.log(2)
    )


def test_report_catches_a_wrong_log_det():
    report = checks.check_bijection(WrongLogDet(), jnp.ones(3))
    assert not report.passed
    assert report.log_det_error == pytest.approx(1.0)  # all of 2 log 2 is missing
    assert "FAILED" in str(report)


def test_report_catches_a_wrong_inverse():
    report = checks.check_bijection(WrongInverse(), jnp.ones(3))
    assert not report.passed
    assert report.round_trip_error == pytest.approx(1.0)
    assert checks.round_trip_error(WrongInverse(), jnp.ones(3)) == pytest.approx(1.0)


def test_report_judges_the_promoted_dtype():
    layer = Invertible1x1Conv(jr.key(0), (4,))  # float64 parameters
    report = checks.check_bijection(layer, jnp.ones(4, dtype=jnp.float32))
    assert report.dtype == "float64" and report.tolerance == 1e-9


def test_report_prints_stable_lines():
    report = checks.check_bijection(ActNorm((2,)), jnp.ones(2))
    text = str(report)
    assert text.splitlines()[0] == "ActNorm on (2,) float64"
    assert "-0.0000" not in text and "all checks passed" in text
