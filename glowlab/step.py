"""One step of Glow: ActNorm, then an invertible 1x1 convolution, then a coupling."""

from typing import ClassVar

import jax
import jax.numpy as jnp
import jax.random as jr
from flowjax.bijections import AbstractBijection

from glowlab._shapes import check_event_shape
from glowlab.actnorm import ActNorm
from glowlab.conv1x1 import Invertible1x1Conv
from glowlab.coupling import AffineCoupling


class GlowStep(AbstractBijection):
    r"""One Glow step: ActNorm, then a 1x1 convolution, then an affine coupling.

    .. math::

        y = g(W\,a(x)), \qquad
        \log\lvert\det J\rvert = \log\lvert\det J_a\rvert
        + \log\lvert\det J_W\rvert + \log\lvert\det J_g\rvert,

    the log-dets of the three layers (:class:`ActNorm`,
    :class:`Invertible1x1Conv`, :class:`AffineCoupling`), added. The 1x1
    convolution mixes the channels, so that successive couplings transform
    different halves. At construction the ActNorm is the identity (use
    :func:`glowlab.data_init` on a batch) and so is the coupling, so the step
    starts as a rotation.

    Args:
        key: JAX random key.
        shape: Event shape, ``(C,)`` or ``(H, W, C)``, with ``C >= 2``.
        **coupling_options: Passed to :class:`AffineCoupling` (``hidden``,
            ``depth``, ``min_scale``).
    """

    shape: tuple[int, ...]
    cond_shape: ClassVar[None] = None
    actnorm: ActNorm
    conv: Invertible1x1Conv
    coupling: AffineCoupling

    def __init__(self, key: jax.Array, shape: tuple[int, ...], **coupling_options):
        self.shape = check_event_shape(shape)
        conv_key, coupling_key = jr.split(key)
        self.actnorm = ActNorm(self.shape)
        self.conv = Invertible1x1Conv(conv_key, self.shape)
        self.coupling = AffineCoupling(coupling_key, self.shape, **coupling_options)

    @property
    def layers(self) -> tuple[AbstractBijection, ...]:
        """The three layers, in the order the forward map applies them."""
        return (self.actnorm, self.conv, self.coupling)

    def transform_and_log_det(self, x, condition=None):
        total = jnp.zeros((), x.dtype)
        for layer in self.layers:
            x, log_det = layer.transform_and_log_det(x)
            total = total + log_det
        return x, total

    def inverse_and_log_det(self, y, condition=None):
        total = jnp.zeros((), y.dtype)
        for layer in reversed(self.layers):
            y, log_det = layer.inverse_and_log_det(y)
            total = total + log_det
        return y, total
