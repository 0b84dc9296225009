"""Glow's affine coupling layer, on vectors and on images."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from flowjax.bijections import AbstractBijection

from glowlab._conv3x3 import Conv3x3
from glowlab._shapes import check_event_shape, check_floating

_LOG_OFFSET = 2.0  # Glow's sigmoid(h + 2): a scale near 1 for small h


def log_scale_from(raw: jax.Array, min_scale: float) -> jax.Array:
    r"""The coupling's log-scale, bounded on both sides and 0 where ``raw`` is 0.

    .. math::

        \begin{aligned}
        \log s ={}& \log\bigl(\epsilon + (1 - \epsilon)\,\sigma(h + 2)\bigr) \\
        &- \log\bigl(\epsilon + (1 - \epsilon)\,\sigma(2)\bigr),
        \end{aligned}

    Glow's :math:`\sigma(h + 2)` with a floor :math:`\epsilon` (``min_scale``),
    divided by its value at :math:`h = 0`. So :math:`s` lies in
    :math:`(\epsilon / c, 1 / c)` with :math:`c = \epsilon + (1-\epsilon)\sigma(2)
    \approx 0.88`: it can neither reach 0 nor overflow, and it is exactly 1 when the
    network's output is 0. Computed in log space, so it stays finite for any
    finite ``raw``.
    """
    log_floor, log_rest = jnp.log(min_scale), jnp.log1p(-min_scale)

    def log_s(h):
        return jnp.logaddexp(log_floor, log_rest + jax.nn.log_sigmoid(h + _LOG_OFFSET))

    return log_s(raw) - log_s(jnp.zeros((), raw.dtype))


class _ConvNet(eqx.Module):
    """Glow's conditioner for images: 3x3 conv, ReLU, 1x1 conv, ReLU, 3x3 conv.

    Channels last throughout. The 1x1 convolution is a ``Linear`` layer on the
    channels, mapped over the pixels.
    """

    layers: tuple[Conv3x3, eqx.nn.Linear, Conv3x3]

    def __init__(self, key, in_channels, out_channels, hidden_channels):
        k1, k2, k3 = jr.split(key, 3)
        self.layers = (
            Conv3x3(in_channels, hidden_channels, key=k1),
            eqx.nn.Linear(hidden_channels, hidden_channels, key=k2),
            Conv3x3(hidden_channels, out_channels, key=k3),
        )

    def __call__(self, x):
        first, middle, last = self.layers
        h = jax.nn.relu(first(x))
        h = jax.nn.relu(jax.vmap(jax.vmap(middle))(h))
        return last(h)


class AffineCoupling(AbstractBijection):
    r"""Affine coupling (Dinh et al., 2017; Kingma & Dhariwal, 2018).

    The channels are split in two, :math:`x = (x_a, x_b)` with
    :math:`x_a` the first :math:`\lfloor C/2 \rfloor`. A network reads
    :math:`x_a` and returns a shift :math:`t` and a raw scale :math:`h` for every
    entry of :math:`x_b`:

    .. math::

        \begin{aligned}
        y_a &= x_a, \\
        y_b &= s(h) \odot x_b + t, \\
        \log\lvert\det J\rvert &= \sum \log s(h),
        \end{aligned}

    summed over every pixel and channel of :math:`x_b`; :math:`s` is
    :func:`~glowlab.log_scale_from`'s bounded scale. The inverse is
    :math:`x_b = (y_b - t) / s(h)` with the same :math:`t, h`, since
    :math:`y_a = x_a`. The network's last layer starts at zero, so the layer
    starts as the identity. The network is an MLP for vectors and Glow's small
    convolutional net (3x3, 1x1, 3x3) for images.

    Args:
        key: JAX random key for the network.
        shape: Event shape, ``(C,)`` or ``(H, W, C)``, with ``C >= 2``.
        hidden: Width of the network (units, or channels for images).
        depth: Hidden layers of the MLP (vectors only).
        min_scale: The floor :math:`\epsilon` of the scale.

    Example:
        >>> import jax.numpy as jnp, jax.random as jr
        >>> from glowlab import AffineCoupling
        >>> coupling = AffineCoupling(jr.key(0), (4, 4, 2), hidden=8)
        >>> x = jr.normal(jr.key(1), (4, 4, 2))
        >>> y, log_det = coupling.transform_and_log_det(x)
        >>> bool(jnp.all(y == x)), float(log_det)  # it starts as the identity
        (True, 0.0)
    """

    shape: tuple[int, ...]
    cond_shape: ClassVar[None] = None
    network: eqx.nn.MLP | _ConvNet
    split: int = eqx.field(static=True)
    min_scale: float = eqx.field(static=True)

    def __init__(
        self,
        key: jax.Array,
        shape: tuple[int, ...],
        *,
        hidden: int = 64,
        depth: int = 2,
        min_scale: float = 1e-3,
    ):
        self.shape = check_event_shape(shape)
        channels = self.shape[-1]
        if channels < 2:
            raise ValueError(
                f"AffineCoupling splits the channels in two, so it needs at least 2; "
                f"shape {self.shape} has {channels}. Squeeze the image first, or use "
                "a layer that mixes a single channel."
            )
        if not 0 < min_scale < 1:
            raise ValueError(f"min_scale must be in (0, 1); got {min_scale}.")
        self.split = channels // 2
        self.min_scale = min_scale
        out = 2 * (channels - self.split)
        if len(self.shape) == 1:
            network = eqx.nn.MLP(self.split, out, hidden, depth, jax.nn.relu, key=key)
        else:
            network = _ConvNet(key, self.split, out, hidden)
        # The last layer starts at zero, so the coupling starts as the identity.
        self.network = eqx.tree_at(
            lambda n: (n.layers[-1].weight, n.layers[-1].bias),
            network,
            replace_fn=jnp.zeros_like,
        )

    def _shift_and_log_scale(self, x_a):
        h = self.network(x_a)
        shift, raw = jnp.split(h, 2, axis=-1)
        return shift, log_scale_from(raw, self.min_scale)

    def transform_and_log_det(self, x, condition=None):
        check_floating(x)
        x_a, x_b = x[..., : self.split], x[..., self.split :]
        shift, log_scale = self._shift_and_log_scale(x_a)
        y_b = x_b * jnp.exp(log_scale) + shift
        return jnp.concatenate([x_a, y_b], axis=-1), jnp.sum(log_scale)

    def inverse_and_log_det(self, y, condition=None):
        check_floating(y)
        y_a, y_b = y[..., : self.split], y[..., self.split :]
        shift, log_scale = self._shift_and_log_scale(y_a)
        x_b = (y_b - shift) * jnp.exp(-log_scale)
        return jnp.concatenate([y_a, x_b], axis=-1), -jnp.sum(log_scale)
