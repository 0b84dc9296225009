"""Property-based tests: random shapes, channel counts, seeds and dtypes.

Hypothesis draws the layer kind, the event shape (a vector or an image), the
seed and the dtype; every draw must round-trip, match the autodiff log-det and
have an inverse log-det of minus the forward one. `derandomize=True` makes the
draws the same on every run, so `make test` is deterministic.

The tolerances are glowlab's (``glowlab.TOLERANCE``, by dtype), relative to
max(1, |reference|); the log-det is compared with float64 autodiff.
"""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from glowlab import TOLERANCE, astype
from tests.layer_table import KINDS, log_det_by_autodiff, round_trip_error

shapes = st.one_of(
    st.tuples(st.integers(2, 8)),
    st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(2, 4)),
)


# The layers that handle shapes. A GlowStep is an ActNorm, a 1x1 convolution
# and a coupling in a FlowJAX Chain, with no shape logic of its own; building
# one per draw took most of this test's time, and the table's three steps and
# tests/test_glow_step.py cover it.
LAYER_KINDS = ["lu", "dense", "actnorm", "coupling"]


@settings(max_examples=16, deadline=None, derandomize=True)
@given(
    kind=st.sampled_from(LAYER_KINDS),
    shape=shapes,
    seed=st.integers(0, 2**16),
    dtype=st.sampled_from(["float64", "float32"]),
)
def test_bijection_properties(kind, shape, seed, dtype):
    key = jr.key(seed)
    layer = astype(KINDS[kind](key, shape), dtype)
    x = jr.normal(jr.fold_in(key, 2), shape, dtype)
    tolerance = TOLERANCE[jnp.dtype(dtype)]

    y, log_det = layer.transform_and_log_det(x)
    assert y.dtype == x.dtype and bool(jnp.all(jnp.isfinite(y)))

    scale = max(1.0, float(jnp.max(jnp.abs(x))))
    assert float(round_trip_error(layer, x)) / scale < tolerance

    _, inverse_log_det = layer.inverse_and_log_det(y)
    np.testing.assert_allclose(
        inverse_log_det, -log_det, rtol=tolerance, atol=tolerance
    )

    as64 = astype(layer, "float64")
    reference = float(log_det_by_autodiff(as64, x.astype("float64")))
    error = abs(float(log_det) - reference) / max(1.0, abs(reference))
    assert error < tolerance
