"""What is particular to the 1x1 convolutions: the matrix, the factors, the init."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from glowlab import (
    DenseInvertible1x1Conv,
    Invertible1x1Conv,
    moved_from_init,
    split_trainable,
)
from tests.layer_table import LAYERS


@pytest.mark.parametrize("cls", [Invertible1x1Conv, DenseInvertible1x1Conv])
def test_equals_a_1x1_lax_conv(cls):
    layer = moved_from_init(cls(jr.key(0), (5, 6, 3)), jr.key(1))
    x = jr.normal(jr.key(2), layer.shape)
    kernel = layer.weight().T[None, None]  # (1, 1, C_in, C_out), HWIO
    expected = jax.lax.conv_general_dilated(
        x[None], kernel, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )[0]
    np.testing.assert_allclose(layer.transform(x), expected, rtol=1e-12, atol=1e-12)


def test_factors_multiply_to_weight_and_have_their_structure():
    layer = LAYERS["lu-image-3x5x4"](jr.key(0))
    p, lower, upper = layer.factors()
    np.testing.assert_allclose(p @ lower @ upper, layer.weight(), atol=1e-14)
    np.testing.assert_array_equal(p.sum(0), 1)
    np.testing.assert_array_equal(p.sum(1), 1)
    np.testing.assert_array_equal(jnp.diag(lower), 1)
    np.testing.assert_array_equal(jnp.triu(lower, 1), 0)
    np.testing.assert_array_equal(jnp.tril(upper, -1), 0)
    np.testing.assert_allclose(jnp.diag(upper), layer.sign * jnp.exp(layer.log_abs_s))


def test_lu_log_det_is_read_off_the_diagonal():
    """sum(log|s|) is log|det W| for the W the layer applies (the dense layer's
    is slogdet itself: the layer tests compare it with the Jacobian)."""
    layer = LAYERS["lu-image-3x5x4"](jr.key(0))
    np.testing.assert_allclose(
        layer.log_abs_det_weight(), jnp.linalg.slogdet(layer.weight())[1], rtol=1e-12
    )


def test_entries_outside_the_triangles_are_ignored():
    """Parameters are constrained by construction: a gradient step that writes
    into the wrong triangle of ``lower`` or ``upper`` changes nothing."""
    layer = Invertible1x1Conv(jr.key(0), (4,))
    noisy = eqx.tree_at(
        lambda a: (a.lower, a.upper),
        layer,
        (
            layer.lower + jnp.triu(jnp.ones((4, 4))),
            layer.upper + jnp.tril(jnp.ones((4, 4))),
        ),
    )
    np.testing.assert_allclose(noisy.weight(), layer.weight(), atol=1e-15)


def test_permutation_and_signs_are_integers_no_optimiser_trains():
    params, _ = split_trainable(Invertible1x1Conv(jr.key(0), (4,)))
    assert params.sign is None and params.permutation is None
    assert None not in (params.lower, params.upper, params.log_abs_s)


@pytest.mark.parametrize("channels", [1, 2, 5, 32])
def test_starts_from_a_rotation(channels):
    layer = Invertible1x1Conv(jr.key(channels), (channels,))
    w = layer.weight()
    np.testing.assert_allclose(w @ w.T, jnp.eye(channels), atol=1e-12)
    np.testing.assert_allclose(layer.log_abs_det_weight(), 0.0, atol=1e-12)
    np.testing.assert_allclose(jnp.linalg.det(w), 1.0, atol=1e-12)


def test_the_same_key_gives_the_same_rotation_for_both_layers():
    lu = Invertible1x1Conv(jr.key(3), (6,))
    dense = DenseInvertible1x1Conv(jr.key(3), (6,))
    np.testing.assert_allclose(lu.weight(), dense.weight(), atol=1e-12)


def test_lu_inverse_stays_finite_where_dense_cannot():
    """With a diagonal entry near 0, the LU layer is nearly singular yet still
    invertible: its log-det is exact and its inverse finite."""
    layer = Invertible1x1Conv(jr.key(0), (6,))
    layer = eqx.tree_at(lambda a: a.log_abs_s, layer, layer.log_abs_s.at[0].set(-20.0))
    x = jr.normal(jr.key(1), (6,))
    y, log_det = layer.transform_and_log_det(x)
    np.testing.assert_allclose(log_det, jnp.sum(layer.log_abs_s))
    # det W = prod of the diagonal, about exp(-20) here, and the solve stays exact.
    x_back = layer.inverse(y)
    assert bool(jnp.all(jnp.isfinite(x_back)))
    np.testing.assert_allclose(x_back, x, rtol=1e-5, atol=1e-5)


def test_condition_number_grows_as_log_abs_s_drifts_negative():
    layer = Invertible1x1Conv(jr.key(0), (4,))
    np.testing.assert_allclose(layer.condition_number(), 1.0, rtol=1e-10)
    drifted = eqx.tree_at(lambda a: a.log_abs_s, layer, jnp.array([0, 0, 0, -10.0]))
    assert float(drifted.condition_number()) > 1e4
    assert float(jnp.linalg.det(drifted.weight())) != 0.0
    dense = DenseInvertible1x1Conv(jr.key(0), (4,))
    np.testing.assert_allclose(dense.condition_number(), 1.0, rtol=1e-10)


# A few channels, and enough for W's condition number to test the solves.
@pytest.mark.parametrize("channels", [3, 129])
def test_inverse_by_solves_and_inverse_matrix_agree_with_a_dense_solve(channels):
    layer = Invertible1x1Conv(jr.key(0), (2, 3, channels))
    layer = eqx.tree_at(
        lambda a: a.log_abs_s, layer, 0.3 * jr.normal(jr.key(1), (channels,))
    )
    # Off the rotation, W's condition number reaches 1e7 at C = 129: a float64
    # inverse is then good to about cond * 1e-16.
    tolerance = 1e-15 * max(float(layer.condition_number()), 100.0)
    y = jr.normal(jr.key(2), layer.shape)
    expected = np.linalg.solve(layer.weight(), y.reshape(-1, channels).T).T
    x, log_det = layer.inverse_and_log_det(y)
    np.testing.assert_allclose(x.reshape(-1, channels), expected, atol=tolerance)
    np.testing.assert_allclose(log_det, -6 * jnp.sum(layer.log_abs_s), rtol=1e-12)
    np.testing.assert_allclose(
        layer.inverse_matrix() @ layer.weight(), jnp.eye(channels), atol=tolerance
    )
