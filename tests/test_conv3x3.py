"""The coupling's 3x3 convolution against XLA's, forward and gradients (float64)."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from glowlab.conv3x3 import Conv3x3, conv3x3, neighbours

# (height, width, in channels, out channels): both branches (fewer inputs or
# fewer outputs), a single pixel, a non-square image, equal channel counts.
SHAPES = [(5, 4, 2, 7), (4, 6, 7, 3), (1, 1, 3, 5), (3, 3, 4, 4), (2, 7, 6, 1)]


def reference(x, weight):
    return jax.lax.conv_general_dilated(
        x[None], weight, (1, 1), "SAME",
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        precision=jax.lax.Precision.HIGHEST,
    )[0]  # fmt: skip


def draw(shape, seed=0):
    height, width, c_in, c_out = shape
    kx, kw, kd = jr.split(jr.key(seed), 3)
    x = jr.normal(kx, (height, width, c_in))
    weight = jr.normal(kw, (3, 3, c_in, c_out))
    cotangent = jr.normal(kd, (height, width, c_out))
    return x, weight, cotangent


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_equals_xla_convolution(shape):
    x, weight, _ = draw(shape)
    np.testing.assert_allclose(conv3x3(x, weight), reference(x, weight), atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_gradients_equal_those_of_xla_convolution(shape):
    x, weight, cotangent = draw(shape)
    _, ours = jax.vjp(conv3x3, x, weight)
    _, theirs = jax.vjp(reference, x, weight)
    for got, want in zip(ours(cotangent), theirs(cotangent), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES[:2])
def test_second_derivatives_equal_those_of_xla_convolution(shape):
    x, weight, cotangent = draw(shape)

    def gradient_norm(conv):
        def f(x, weight):
            grad = jax.grad(lambda w: jnp.sum(jnp.tanh(conv(x, w)) * cotangent))
            return jnp.sum(grad(weight) ** 2)

        return jax.grad(f, argnums=(0, 1))(x, weight)

    for got, want in zip(gradient_norm(conv3x3), gradient_norm(reference), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_leading_batch_axes_and_vmap_agree():
    x, weight, _ = draw(SHAPES[0])
    batch = jnp.stack([x, 2 * x, -x])
    expected = jnp.stack([reference(b, weight) for b in batch])
    np.testing.assert_allclose(conv3x3(batch, weight), expected, atol=1e-12)
    vmapped = jax.vmap(conv3x3, in_axes=(0, None))(batch, weight)
    np.testing.assert_allclose(vmapped, expected, atol=1e-12)
    jacobian = jax.jacobian(lambda b: jnp.sum(conv3x3(b, weight) ** 2))(batch)
    by_reference = jax.jacobian(
        lambda b: jnp.sum(jax.vmap(reference, (0, None))(b, weight) ** 2)
    )(batch)
    np.testing.assert_allclose(jacobian, by_reference, atol=1e-10)


def test_neighbours_reads_the_offset_pixel_and_zero_outside():
    x = jnp.arange(12.0).reshape(3, 4, 1)
    n = neighbours(x)
    assert n.shape == (3, 4, 9, 1)
    assert n[1, 1, 4, 0] == x[1, 1, 0]  # centre
    assert n[1, 1, 0, 0] == x[0, 0, 0]  # up-left
    assert n[1, 1, 8, 0] == x[2, 2, 0]  # down-right
    assert n[0, 0, 0, 0] == 0  # outside the image


def test_module_adds_its_bias_and_starts_like_equinox():
    layer = Conv3x3(3, 5, key=jr.key(0))
    x = jr.normal(jr.key(1), (4, 4, 3))
    np.testing.assert_allclose(
        layer(x), reference(x, layer.weight) + layer.bias, atol=1e-12
    )
    bound = 1 / np.sqrt(27)
    assert layer.weight.shape == (3, 3, 3, 5) and layer.bias.shape == (5,)
    assert float(jnp.max(jnp.abs(layer.weight))) <= bound


def test_forward_mode_is_refused_not_silently_wrong():
    x, weight, _ = draw(SHAPES[0])
    with pytest.raises(TypeError, match="forward-mode"):
        jax.jvp(lambda x: conv3x3(x, weight), (x,), (x,))
