r"""Checks a notebook or a student runs on any bijection.

Each compares what a layer says about itself with an independent computation:
its log-det with the log-determinant of the Jacobian that ``jax.jacobian``
builds, its inverse with its forward map.
"""

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from flowjax.bijections import AbstractBijection

from glowlab.printing import format_signed

TOLERANCE = {jnp.dtype("float64"): 1e-9, jnp.dtype("float32"): 1e-4}
"""Relative tolerances of :func:`~glowlab.check_bijection` and of glowlab's own
tests, by dtype: 1e-9 in float64 (about 1e7 machine epsilons), 1e-4 in float32
(what it reaches on a 1,000-dimensional Jacobian)."""


def log_det_by_autodiff(layer: AbstractBijection, x: jax.Array) -> jax.Array:
    r""":math:`\log|\det J|` of the full Jacobian of ``layer.transform`` at ``x``.

    The Jacobian of an event of :math:`D` numbers is built as a :math:`D \times D`
    matrix by ``jax.jacobian``, so this costs :math:`O(D^3)`: use it on small
    events, to check a layer's own log-det.
    """
    x = jnp.asarray(x)
    jacobian = jax.jacobian(layer.transform)(x)
    return jnp.linalg.slogdet(jacobian.reshape(x.size, x.size))[1]


def round_trip_error(layer: AbstractBijection, x: jax.Array) -> jax.Array:
    r""":math:`\max_i |f^{-1}(f(x))_i - x_i|`, the largest error of a round trip."""
    x = jnp.asarray(x)
    return jnp.max(jnp.abs(layer.inverse(layer.transform(x)) - x))


@dataclasses.dataclass(frozen=True)
class BijectionReport:
    """What :func:`check_bijection` found; ``print`` it for a short report.

    The errors are relative: divided by ``max(1, |reference|)``.
    """

    name: str
    shape: tuple[int, ...]
    dtype: str
    log_det: float
    log_det_autodiff: float
    log_det_error: float
    inverse_log_det_error: float
    round_trip_error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        """Whether every error is within the tolerance (and none is NaN)."""
        errors = (self.log_det_error, self.inverse_log_det_error, self.round_trip_error)
        return all(bool(error <= self.tolerance) for error in errors)

    def __str__(self) -> str:
        def verdict(error):
            ok = "ok" if error <= self.tolerance else "FAILED"
            return f"{error:.0e} (< {self.tolerance:.0e}) {ok}"

        lines = [
            f"{self.name} on {self.shape} {self.dtype}",
            f"  log-det, the layer's own      {format_signed(self.log_det)}",
            f"  log-det, autodiff Jacobian    {format_signed(self.log_det_autodiff)}",
            f"  relative difference           {verdict(self.log_det_error)}",
            f"  inverse log-det + forward     {verdict(self.inverse_log_det_error)}",
            f"  round-trip error              {verdict(self.round_trip_error)}",
            "  all checks passed" if self.passed else "  SOME CHECKS FAILED",
        ]
        return "\n".join(lines)


def check_bijection(layer: AbstractBijection, x: jax.Array) -> BijectionReport:
    """Check a layer at one event ``x``: its log-det and its inverse.

    Compares the layer's forward log-det with :func:`log_det_by_autodiff`, checks
    that the inverse's log-det is minus the forward one, and measures the
    :func:`round_trip_error`, each relative to the size of what it is compared with
    and held to a tolerance set by the dtype the layer computes in
    (:data:`~glowlab.checks.TOLERANCE`; see :func:`glowlab.astype` to cast a layer).
    """
    # Judge the dtype the layer computes in: float32 input through float64
    # parameters is promoted to float64, so x is promoted with it.
    x = jnp.asarray(x)
    dtype = layer.transform(x).dtype
    if dtype not in TOLERANCE:
        raise TypeError(f"expected float32 or float64 arithmetic; got {dtype}.")
    log_det, inverse_log_det, autodiff, error = _measure(layer, x.astype(dtype))

    def relative(value, reference):
        return float(np.abs(value) / max(1.0, float(np.abs(reference))))

    return BijectionReport(
        name=type(layer).__name__,
        shape=tuple(layer.shape),
        dtype=str(dtype),
        log_det=float(log_det),
        log_det_autodiff=float(autodiff),
        log_det_error=relative(log_det - autodiff, autodiff),
        inverse_log_det_error=relative(inverse_log_det + log_det, log_det),
        round_trip_error=relative(error, jnp.max(jnp.abs(x))),
        tolerance=TOLERANCE[dtype],
    )


@eqx.filter_jit  # one compiled program: an eager Jacobian is slow op by op
def _measure(layer, x):
    y, log_det = layer.transform_and_log_det(x)
    _, inverse_log_det = layer.inverse_and_log_det(y)
    return (
        log_det,
        inverse_log_det,
        log_det_by_autodiff(layer, x),
        (round_trip_error(layer, x)),
    )
