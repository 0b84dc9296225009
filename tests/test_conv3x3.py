"""The coupling's 3x3 convolution: the formula in its docstring, and every
autodiff mode through an image coupling (float64)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from glowlab import AffineCoupling
from glowlab._conv3x3 import Conv3x3


def by_formula(x, weight, bias):
    r""":math:`y[p] = b + \sum_k W_k^\top x[p + o_k]`, zeros outside, in loops."""
    height, width, _ = x.shape
    y = np.tile(np.asarray(bias), (height, width, 1))
    for i in range(height):
        for j in range(width):
            for di in (-1, 0, 1):
                for dj in (-1, 0, 1):
                    if 0 <= i + di < height and 0 <= j + dj < width:
                        y[i, j] += x[i + di, j + dj] @ weight[di + 1, dj + 1]
    return y


def test_convolution_is_the_docstring_formula():
    # A non-square image, fewer and more output channels than input ones.
    for height, width, c_in, c_out in [(4, 6, 3, 5), (3, 2, 4, 2)]:
        layer = Conv3x3(c_in, c_out, key=jr.key(0))
        x = np.asarray(jr.normal(jr.key(1), (height, width, c_in)))
        expected = by_formula(x, np.asarray(layer.weight), layer.bias)
        np.testing.assert_allclose(layer(x), expected, atol=1e-12)


def test_starts_like_equinox_conv2d():
    """Weights and bias uniform in +-1/sqrt(9 C_in), as equinox.nn.Conv2d draws
    them: within the bound, and spread over it as a uniform draw is."""
    c_in, c_out = 8, 64
    layer = Conv3x3(c_in, c_out, key=jr.key(0))
    assert layer.weight.shape == (3, 3, c_in, c_out) and layer.bias.shape == (c_out,)
    reference = eqx.nn.Conv2d(c_in, c_out, 3, key=jr.key(0))
    bound = 1 / np.sqrt(9 * c_in)  # equinox's 1 / sqrt(fan in)
    for values in (layer.weight, layer.bias, reference.weight, reference.bias):
        assert 0.9 * bound < float(jnp.max(jnp.abs(values))) <= bound
        np.testing.assert_allclose(jnp.std(values), bound / np.sqrt(3), rtol=0.15)


# Compiled, as each mode traces the layer as it does eagerly: run eagerly, every
# operation compiled on its own, which took most of this test's time.
@eqx.filter_jit
def jacobian_by(mode, layer, x):
    return mode(layer.transform)(x)


@eqx.filter_jit
def hessian_of_log_det(layer, x):
    return jax.hessian(lambda x: layer.transform_and_log_det(x)[1])(x)


def test_forward_and_reverse_mode_agree_through_an_image_coupling():
    coupling = AffineCoupling(jr.key(0), (3, 4, 4), hidden=6)
    # The last layer starts at zero (an identity coupling): move it.
    coupling = eqx.tree_at(
        lambda c: c.network.layers[-1].weight,
        coupling,
        replace_fn=lambda w: 0.1 * jr.normal(jr.key(2), w.shape),
    )
    x = jr.normal(jr.key(1), (3, 4, 4))
    forward = jacobian_by(jax.jacfwd, coupling, x).reshape(48, 48)
    reverse = jacobian_by(jax.jacrev, coupling, x).reshape(48, 48)
    np.testing.assert_allclose(forward, reverse, atol=1e-12)
    _, log_det = coupling.transform_and_log_det(x)
    np.testing.assert_allclose(jnp.linalg.slogdet(forward)[1], log_det, rtol=1e-10)
    hessian = hessian_of_log_det(coupling, x)
    assert hessian.shape == (3, 4, 4, 3, 4, 4) and jnp.all(jnp.isfinite(hessian))
