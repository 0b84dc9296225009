"""glowlab's 3x3 convolution before it used XLA's: matrix products, by hand.

glowlab's couplings used to compute their 3x3 convolutions this way, with a
hand-written gradient, because it had measured faster on the CPU.
bench_conv3x3.py measures it against ``jax.lax.conv_general_dilated`` (glowlab's
convolution now), and bench_glow.py reports both; this module is benchmark
code, not part of glowlab. :func:`with_products` swaps it into a flow.
"""

import equinox as eqx
import jax
import jax.numpy as jnp

from glowlab._conv3x3 import Conv3x3


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
def conv3x3_by_products(x: jax.Array, weight: jax.Array) -> jax.Array:
    r"""A 3x3 "same" convolution of a channels-last image, without bias.

    .. math::

        y[p] = \sum_{k=0}^{8} W_k^\top x[p + o_k],

    for ``x`` of shape ``(..., H, W, C_in)`` and ``weight`` of shape
    ``(3, 3, C_in, C_out)`` (``W_k = weight[k // 3, k % 3]``); the same numbers as
    ``jax.lax.conv_general_dilated`` with ``"SAME"`` padding and ``("NHWC", "HWIO",
    "NHWC")``, written as matrix products, forward and backward. The gradient is
    defined by hand (``jax.custom_vjp``): reverse mode (``jax.grad``,
    ``jax.jacobian``) works; forward mode (``jax.jvp``, ``jax.jacfwd``) raises.
    """
    return _conv3x3_forward(x, weight)


def _conv3x3_vjp_forward(x, weight):
    return _conv3x3_forward(x, weight), (x, weight)


def _conv3x3_vjp_backward(saved, dy):
    x, weight = saved
    in_channels, out_channels = weight.shape[2:]
    # The input's cotangent is the convolution of dy with the kernel mirrored in
    # space and transposed in channels.
    dx = conv3x3_by_products(dy, jnp.swapaxes(weight[::-1, ::-1], 2, 3))
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


conv3x3_by_products.defvjp(_conv3x3_vjp_forward, _conv3x3_vjp_backward)


class ProductsConv3x3(eqx.Module):
    """glowlab's ``Conv3x3`` computed by :func:`conv3x3_by_products`."""

    weight: jax.Array  # (3, 3, C_in, C_out)
    bias: jax.Array

    def __call__(self, x):
        return conv3x3_by_products(x, self.weight) + self.bias


def with_products(flow):
    """``flow`` with every coupling's 3x3 convolution computed by matrix products:
    the same parameters, so the same function."""

    def is_conv(node):
        return isinstance(node, Conv3x3)

    def convs(tree):
        return [n for n in jax.tree.leaves(tree, is_leaf=is_conv) if is_conv(n)]

    replacements = [ProductsConv3x3(c.weight, c.bias) for c in convs(flow)]
    return eqx.tree_at(convs, flow, replacements)


def conv3x3_xla(x, weight):
    """glowlab's ``Conv3x3`` with this ``weight`` and no bias, on a batch ``x``."""
    conv = Conv3x3(*weight.shape[2:], key=jax.random.key(0))
    conv = eqx.tree_at(lambda c: (c.weight, c.bias), conv, (weight, 0 * conv.bias))
    return jax.vmap(conv)(x)


def check_agrees(x, weight, cotangent, rtol=1e-4):
    """Raise unless both convolutions give the same output and gradients on a
    batch ``x`` of images."""

    def output_and_gradients(conv):
        y, vjp = jax.vjp(conv, x, weight)
        return [y, *vjp(cotangent)]

    pairs = zip(
        ["output", "dx", "dweight"],
        output_and_gradients(conv3x3_by_products),
        output_and_gradients(conv3x3_xla),
        strict=True,
    )
    for what, got, want in pairs:
        error = float(jnp.max(jnp.abs(got - want)) / jnp.max(jnp.abs(want)))
        if not error < rtol:
            raise AssertionError(
                f"3x3 convolution by products and XLA's differ in {what} by "
                f"{error:.1e} (relative) on shape {x.shape} -> {weight.shape}."
            )
