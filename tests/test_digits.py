"""glowlab.digits: the split, dequantisation, logit and bits/dim of chapter 5."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from glowlab.digits import (
    GREY_LEVELS,
    LOGIT_ALPHA,
    bits_per_dim,
    dequantise,
    digit_splits,
    to_logit,
)


def test_the_split_is_fixed_disjoint_and_complete():
    train, val, test = digit_splits(jr.key(1))
    assert (len(train), len(val), len(test)) == (1197, 300, 300)
    assert train.shape[1:] == (8, 8, 1) and train.dtype == jnp.float32
    again = digit_splits(jr.key(1))
    np.testing.assert_array_equal(again[2], test)
    everything = np.concatenate([train, val, test]).reshape(1797, -1)
    # Every image once: the three splits hold the data set's images, reordered.
    from sklearn.datasets import load_digits

    original = load_digits().images.reshape(1797, -1)
    assert sorted(map(tuple, everything)) == sorted(map(tuple, original))
    assert everything.min() == 0 and everything.max() == GREY_LEVELS - 1


def test_dequantised_pixels_stay_in_their_bin():
    pixels = jnp.arange(17.0).reshape(1, 17, 1, 1)
    x = dequantise(jr.key(0), pixels)
    np.testing.assert_array_equal(jnp.floor(x * GREY_LEVELS), pixels)


def test_logit_log_det_is_the_jacobian_diagonal():
    x = jr.uniform(jr.key(0), (2, 3, 3, 1))
    _, log_det = to_logit(x)
    derivative = jax.vmap(jax.grad(lambda v: to_logit(v.reshape(1, 1, 1, 1))[0].sum()))
    expected = jnp.log(derivative(x.ravel())).reshape(2, -1).sum(axis=1)
    np.testing.assert_allclose(log_det, expected, rtol=1e-5)


def test_the_uniform_density_scores_log2_17():
    """p(x) = 1 on [0, 1), so p(y) = |dx/dy|, here by hand from y: bits/dim are
    log2 17 exactly when to_logit's log-det is log|dy/dx|."""
    y, log_det = to_logit(jr.uniform(jr.key(0), (3, 8, 8, 1)))
    s = jax.nn.sigmoid(y)  # alpha + (1 - 2 alpha) x
    log_dx_dy = jnp.log(s) + jnp.log1p(-s) - jnp.log(1 - 2 * LOGIT_ALPHA)
    log_p_y = jnp.sum(log_dx_dy, axis=(1, 2, 3))
    np.testing.assert_allclose(
        bits_per_dim(log_p_y, log_det, 64), np.log2(17), rtol=1e-9
    )


def test_batches_of_images_only():
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        to_logit(jnp.zeros((8, 8, 1)))
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        dequantise(jr.key(0), jnp.zeros((64,)))
