"""ActNorm: a per-channel affine layer with data-dependent initialisation."""

from typing import ClassVar, Literal

import equinox as eqx
import jax
import jax.numpy as jnp
from flowjax.bijections import AbstractBijection
from jax.core import Tracer
from paramax import unwrap

from glowlab._shapes import check_batch, check_event_shape, check_floating, num_pixels


class ActNorm(AbstractBijection):
    r"""Activation normalisation (Kingma & Dhariwal, 2018).

    Each channel :math:`c` is shifted and scaled, the same way at every pixel:

    .. math::

        y_c = \frac{x_c - \mu_c}{\sigma_c}, \qquad \sigma_c = e^{\ell_c} > 0,

    so the scale is positive for any value of the trainable :math:`\ell` (stored as
    ``log_scale``), and

    .. math::

        \log\lvert\det \partial y / \partial x\rvert = -N \sum_c \ell_c,

    with :math:`N` the number of pixels (1 for a vector).

    ``ActNorm(shape)`` is the identity. :meth:`from_data` returns the layer whose
    output on a batch has per-channel mean 0 and standard deviation 1: the
    data-dependent initialisation, as a pure function of the batch, with no
    "initialised" flag.

    Args:
        shape: Event shape, a vector ``(C,)`` or a channels-last image ``(H, W, C)``.

    Example:
        >>> import jax, jax.numpy as jnp, jax.random as jr
        >>> from glowlab import ActNorm
        >>> batch = 3.0 + 2.0 * jr.normal(jr.key(0), (256, 4, 4, 2))
        >>> layer = ActNorm.from_data(batch)
        >>> out = jax.vmap(layer.transform)(batch)
        >>> bool(jnp.allclose(out.mean((0, 1, 2)), 0, atol=1e-5))
        True
        >>> bool(jnp.allclose(out.std((0, 1, 2)), 1, atol=1e-5))
        True
    """

    shape: tuple[int, ...]
    cond_shape: ClassVar[None] = None
    loc: jax.Array
    log_scale: jax.Array

    def __init__(self, shape: tuple[int, ...]):
        self.shape = check_event_shape(shape)
        self.loc = jnp.zeros(self.shape[-1])
        self.log_scale = jnp.zeros(self.shape[-1])

    @property
    def scale(self) -> jax.Array:
        """The per-channel scale ``exp(log_scale)``, positive by construction.

        Works on a wrapped layer too (``paramax.non_trainable``, ``Parameterize``).
        """
        return jnp.exp(unwrap(self.log_scale))

    @classmethod
    def from_data(
        cls,
        batch: jax.Array,
        *,
        constant_channels: Literal["raise", "centre"] = "raise",
    ) -> "ActNorm":
        r"""The ActNorm whose output on ``batch`` is standardised, channel by channel.

        ``loc`` is the per-channel mean and ``scale`` the per-channel standard
        deviation, both over the batch and every pixel. The event shape is read off
        ``batch.shape[1:]``.

        A channel is constant when its standard deviation is at most
        :math:`100\,\epsilon\,|\mu_c|` (rounding in the mean of equal values), with
        :math:`\epsilon` the machine epsilon of the batch's dtype: no scale can give
        it unit variance. The test is relative, so a channel of tiny but varying
        values is not constant.
        ``constant_channels="raise"`` (the default) raises a ``ValueError`` naming
        those channels; ``"centre"`` subtracts their mean and leaves their scale at
        1, so the layer stays finite and invertible.

        Args:
            batch: Events with a leading batch axis, ``(N, C)`` or ``(N, H, W, C)``,
                finite and floating point, with ``N >= 1``.
            constant_channels: What to do with a constant channel.
        """
        if constant_channels not in ("raise", "centre"):
            raise ValueError(
                'constant_channels must be "raise" or "centre"; '
                f"got {constant_channels!r}."
            )
        batch = check_batch(batch)
        reduce_axes = tuple(range(batch.ndim - 1))
        mean = jnp.mean(batch, axis=reduce_axes)
        std = jnp.std(batch, axis=reduce_axes)
        tolerance = 100 * jnp.finfo(batch.dtype).eps * jnp.abs(mean)
        constant = std <= tolerance
        if constant_channels == "raise":
            advice = (
                "ActNorm cannot scale a constant channel (standard deviation 0) to "
                "unit variance. Pass constant_channels='centre' to only centre such "
                "channels, or use a batch that varies."
            )
            if isinstance(constant, Tracer):
                mean = eqx.error_if(
                    mean,
                    jnp.any(constant),
                    "the batch has a constant channel. " + advice,
                )
            elif bool(jnp.any(constant)):
                channels = [int(c) for c in jnp.flatnonzero(constant)]
                count = batch.shape[0]
                detail = f" (a batch of {count} event)" if count == 1 else ""
                raise ValueError(
                    f"channel(s) {channels} are constant in the batch{detail}. "
                    + advice
                )
        log_scale = jnp.where(constant, 0.0, jnp.log(jnp.where(constant, 1.0, std)))
        layer = cls(batch.shape[1:])
        return eqx.tree_at(
            lambda a: (a.loc, a.log_scale), layer, (mean, log_scale.astype(mean.dtype))
        )

    def transform_and_log_det(self, x, condition=None):
        check_floating(x)
        y = (x - self.loc) * jnp.exp(-self.log_scale)
        return y, -num_pixels(self.shape) * jnp.sum(self.log_scale)

    def inverse_and_log_det(self, y, condition=None):
        check_floating(y)
        x = y * jnp.exp(self.log_scale) + self.loc
        return x, num_pixels(self.shape) * jnp.sum(self.log_scale)
