"""The coupling network's 3x3 convolution, written as matrix products."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr


def neighbours(x: jax.Array) -> jax.Array:
    r"""Each pixel's 3x3 neighbourhood: ``(..., H, W, C)`` to ``(..., H, W, 9, C)``.

    .. math::

        n[p, k] = x[p + o_k], \qquad o_k = (\lfloor k/3 \rfloor - 1,\; k \bmod 3 - 1),

    with zeros outside the image ("same" padding).
    """
    height, width = x.shape[-3:-1]
    padded = jnp.pad(x, [(0, 0)] * (x.ndim - 3) + [(1, 1), (1, 1), (0, 0)])
    return jnp.stack(
        [
            padded[..., i : i + height, j : j + width, :]
            for i in range(3)
            for j in range(3)
        ],
        axis=-2,
    )


def _neighbour_sum(u: jax.Array) -> jax.Array:
    r""":math:`y[p] = \sum_k u[p + o_k, k]`, for ``u`` of shape ``(..., H, W, 9, C)``.

    The adjoint of :func:`neighbours` with mirrored offsets.
    """
    height, width = u.shape[-4:-2]
    padded = jnp.pad(u, [(0, 0)] * (u.ndim - 4) + [(1, 1), (1, 1), (0, 0), (0, 0)])
    return sum(
        padded[..., i : i + height, j : j + width, 3 * i + j, :]
        for i in range(3)
        for j in range(3)
    )


def _conv3x3_forward(x, weight):
    in_channels, out_channels = weight.shape[2:]
    # Gather the 9 neighbours on the side with fewer channels: inputs, then one
    # product with a (9 C_in, C_out) matrix; or outputs of one (C_in, 9 C_out)
    # product, then a sum of 9 shifted slices.
    if in_channels <= out_channels:
        patches = neighbours(x).reshape(*x.shape[:-1], 9 * in_channels)
        return patches @ weight.reshape(9 * in_channels, out_channels)
    per_offset = x @ jnp.moveaxis(weight, 2, 0).reshape(in_channels, 9 * out_channels)
    return _neighbour_sum(per_offset.reshape(*x.shape[:-1], 9, out_channels))


@jax.custom_vjp
def conv3x3(x: jax.Array, weight: jax.Array) -> jax.Array:
    r"""A 3x3 "same" convolution of a channels-last image, without bias.

    .. math::

        y[p] = \sum_{k=0}^{8} W_k^\top x[p + o_k],

    for ``x`` of shape ``(..., H, W, C_in)`` and ``weight`` of shape
    ``(3, 3, C_in, C_out)`` (``W_k = weight[k // 3, k % 3]``); the same numbers as
    ``jax.lax.conv_general_dilated`` with ``"SAME"`` padding and ``("NHWC", "HWIO",
    "NHWC")``. Written as matrix products, forward and backward, because XLA's CPU
    convolution is 1.5-3x slower than these for the small images and channel
    counts of a Glow coupling (``benchmarks/bench_glow.py``). The gradient is
    defined by hand (``jax.custom_vjp``): reverse mode (``jax.grad``,
    ``jax.jacobian``) works; forward mode (``jax.jvp``, ``jax.jacfwd``) does not.
    """
    return _conv3x3_forward(x, weight)


def _conv3x3_vjp_forward(x, weight):
    return _conv3x3_forward(x, weight), (x, weight)


def _conv3x3_vjp_backward(saved, dy):
    x, weight = saved
    in_channels, out_channels = weight.shape[2:]
    # The input's cotangent is the convolution of dy with the kernel mirrored in
    # space and transposed in channels.
    dx = conv3x3(dy, jnp.swapaxes(weight[::-1, ::-1], 2, 3))
    pixels_dy = dy.reshape(-1, out_channels)
    if in_channels <= out_channels:
        patches = neighbours(x).reshape(-1, 9 * in_channels)
        dweight = (patches.T @ pixels_dy).reshape(3, 3, in_channels, out_channels)
    else:
        # dW_k = sum_p x[p] dy[p - o_k]^T: the neighbours of dy, offsets mirrored.
        mirrored = neighbours(dy)[..., ::-1, :].reshape(-1, 9 * out_channels)
        dweight = x.reshape(-1, in_channels).T @ mirrored
        dweight = jnp.moveaxis(dweight.reshape(in_channels, 3, 3, out_channels), 0, 2)
    return dx, dweight


conv3x3.defvjp(_conv3x3_vjp_forward, _conv3x3_vjp_backward)


class Conv3x3(eqx.Module):
    """A 3x3 "same" convolution with bias, channels last: :func:`conv3x3` + ``bias``.

    Initialised as ``equinox.nn.Conv2d`` is: uniform in
    :math:`\\pm 1/\\sqrt{9 C_\\text{in}}`.
    """

    weight: jax.Array  # (3, 3, C_in, C_out)
    bias: jax.Array  # (C_out,)

    def __init__(self, in_channels: int, out_channels: int, *, key: jax.Array):
        bound = 1 / math.sqrt(9 * in_channels)
        k1, k2 = jr.split(key)
        self.weight = jr.uniform(
            k1, (3, 3, in_channels, out_channels), minval=-bound, maxval=bound
        )
        self.bias = jr.uniform(k2, (out_channels,), minval=-bound, maxval=bound)

    def __call__(self, x: jax.Array) -> jax.Array:
        return conv3x3(x, self.weight) + self.bias
