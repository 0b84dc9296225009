"""glowlab layers are FlowJAX bijections: they compose and they make densities."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from flowjax.bijections import Chain, Invert
from flowjax.distributions import StandardNormal, Transformed

from glowlab import ActNorm, DenseInvertible1x1Conv, Invertible1x1Conv, moved_from_init
from tests.layer_table import (
    log_det_by_autodiff,
    round_trip_error,
    sum_of_parts_log_det,
)


@pytest.fixture(params=[(4,), (2, 3, 3)], ids=["vector", "image"])
def chain(request):
    """ActNorm -> LU 1x1 conv -> dense 1x1 conv, every parameter moved from init."""
    shape, key = request.param, jr.key(0)
    return Chain(
        [
            moved_from_init(ActNorm(shape), jr.fold_in(key, 0)),
            moved_from_init(Invertible1x1Conv(jr.fold_in(key, 1), shape), key),
            moved_from_init(DenseInvertible1x1Conv(jr.fold_in(key, 2), shape), key),
        ]
    )


def test_chain_log_dets_add_and_match_autodiff(chain):
    x = jr.normal(jr.key(1), chain.shape)
    _, total = chain.transform_and_log_det(x)
    parts = sum_of_parts_log_det(chain.bijections, x)
    np.testing.assert_allclose(total, parts, rtol=1e-12)
    np.testing.assert_allclose(total, log_det_by_autodiff(chain, x), rtol=1e-10)
    assert float(round_trip_error(chain, x)) < 1e-10


def test_transformed_log_prob_is_change_of_variables(chain):
    """Transformed(base, g): log p(x) = log N(g^-1(x)) + log|det J_{g^-1}(x)|."""
    dist = Transformed(StandardNormal(chain.shape), chain)
    x = jr.normal(jr.key(2), chain.shape)

    z = chain.inverse(x)
    log_base = -0.5 * jnp.sum(z**2) - 0.5 * z.size * jnp.log(2 * jnp.pi)
    inverted = Invert(chain)
    log_det_of_inverse = log_det_by_autodiff(inverted, x)  # of g^-1's Jacobian
    by_hand = log_base + log_det_of_inverse
    np.testing.assert_allclose(dist.log_prob(x), by_hand, rtol=1e-10)

    # The same density read the other way, through Invert.
    y, log_det = inverted.transform_and_log_det(x)
    np.testing.assert_allclose(log_det, log_det_of_inverse, rtol=1e-10)
    samples = dist.sample(jr.key(3), (5,))
    assert samples.shape == (5, *chain.shape)
    assert bool(jnp.all(jnp.isfinite(dist.log_prob(samples))))
