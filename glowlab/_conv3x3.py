"""The coupling network's 3x3 convolution, channels last."""

import math

import equinox as eqx
import jax
import jax.random as jr


class Conv3x3(eqx.Module):
    r"""A 3x3 "same" convolution with bias, for channels-last images ``(H, W, C)``.

    .. math::

        y[p] = b + \sum_{k=0}^{8} W_k^\top x[p + o_k],
        \qquad o_k = (\lfloor k/3 \rfloor - 1,\; k \bmod 3 - 1),

    with zeros outside the image: ``jax.lax.conv_general_dilated``, so every
    transformation (``jax.grad``, ``jax.jacfwd``, ``jax.hessian``) works.
    Initialised as ``equinox.nn.Conv2d`` is, uniform in
    :math:`\pm 1/\sqrt{9 C_\text{in}}`; unlike it, channels come last, as
    everywhere in glowlab, so the coupling needs no transposes.
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
        y = jax.lax.conv_general_dilated(
            x[None], self.weight, (1, 1), "SAME",
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
        )[0]  # fmt: skip
        return y + self.bias
