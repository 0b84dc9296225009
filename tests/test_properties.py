"""Property-based tests: random shapes, channel counts, seeds and dtypes.

Hypothesis draws the layer kind, the event shape (a vector or an image), the
seed and the dtype; every draw must round-trip, match the autodiff log-det and
have an inverse log-det of minus the forward one. `derandomize=True` makes the
draws the same on every run, so `make test` is deterministic.

Tolerances, relative to max(1, |reference|): float64 1e-9, float32 1e-4 for the
round trip and the inverse log-det; the autodiff log-det, a slogdet of a
Jacobian of up to 64 x 64, 1e-9 in float64 and 1e-3 in float32.
"""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from glowlab import (
    ActNorm,
    AffineCoupling,
    DenseInvertible1x1Conv,
    GlowStep,
    Invertible1x1Conv,
    astype,
    data_init,
)
from glowlab.checks import log_det_by_autodiff, round_trip_error
from tests.layer_table import moved_from_init

TOLERANCE = {"float64": (1e-9, 1e-9), "float32": (1e-4, 1e-3)}  # (round trip, log-det)

shapes = st.one_of(
    st.tuples(st.integers(2, 8)),
    st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(2, 4)),
)


def build(kind, key, shape):
    if kind == "lu":
        return Invertible1x1Conv(key, shape)
    if kind == "dense":
        return DenseInvertible1x1Conv(key, shape)
    if kind == "actnorm":
        return ActNorm.from_data(1.0 + 3.0 * jr.normal(key, (8, *shape)))
    if kind == "coupling":
        return AffineCoupling(key, shape, hidden=8)
    batch = 2.0 + jr.normal(key, (8, *shape))
    return data_init(GlowStep(key, shape, hidden=8), batch)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    kind=st.sampled_from(["lu", "dense", "actnorm", "coupling", "step"]),
    shape=shapes,
    seed=st.integers(0, 2**16),
    dtype=st.sampled_from(["float64", "float32"]),
)
def test_bijection_properties(kind, shape, seed, dtype):
    key = jr.key(seed)
    layer = moved_from_init(build(kind, key, shape), jr.fold_in(key, 1), scale=0.2)
    layer = astype(layer, dtype)
    x = jr.normal(jr.fold_in(key, 2), shape, dtype)
    round_trip_tol, log_det_tol = TOLERANCE[dtype]

    y, log_det = layer.transform_and_log_det(x)
    assert y.dtype == x.dtype and bool(jnp.all(jnp.isfinite(y)))

    scale = max(1.0, float(jnp.max(jnp.abs(x))))
    assert float(round_trip_error(layer, x)) / scale < round_trip_tol

    _, inverse_log_det = layer.inverse_and_log_det(y)
    np.testing.assert_allclose(
        inverse_log_det, -log_det, rtol=round_trip_tol, atol=round_trip_tol
    )

    as64 = astype(layer, "float64")
    reference = float(log_det_by_autodiff(as64, x.astype("float64")))
    error = abs(float(log_det) - reference) / max(1.0, abs(reference))
    assert error < log_det_tol
