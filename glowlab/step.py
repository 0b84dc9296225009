"""One step of Glow: ActNorm, then an invertible 1x1 convolution, then a coupling."""

import jax
import jax.random as jr
from flowjax.bijections import AbstractBijection, Chain
from paramax import non_trainable

from glowlab._shapes import check_event_shape
from glowlab.actnorm import ActNorm
from glowlab.conv1x1 import DenseInvertible1x1Conv, Invertible1x1Conv
from glowlab.coupling import AffineCoupling
from glowlab.permutation import reverse_channels, shuffle_channels


def fixed_rotation(key: jax.Array, shape: tuple[int, ...]) -> DenseInvertible1x1Conv:
    r"""A random rotation drawn once from ``key``, then never trained.

    The dense 1x1 convolution with its weight wrapped in
    ``paramax.non_trainable``: the same initial :math:`\mathbf{W}` as
    ``DenseInvertible1x1Conv(key, shape)`` (and as the LU layer from the same
    key), which :func:`~glowlab.split_trainable` leaves out of training. The
    control that separates "learned against fixed" from "rotation against
    permutation" in a comparison of mixers.
    """
    return non_trainable(DenseInvertible1x1Conv(key, shape))


# The channel mixers a step can use, each built as mixer(key, shape): Glow's
# learned 1x1 convolutions, the fixed permutations of RealNVP and of Glow's
# comparison, and a fixed random rotation.
MIXERS = {
    "lu": Invertible1x1Conv,
    "dense": DenseInvertible1x1Conv,
    "reverse": reverse_channels,
    "shuffle": shuffle_channels,
    "rotation": fixed_rotation,
}


class GlowStep(Chain):
    r"""One Glow step: ActNorm, then a 1x1 convolution, then an affine coupling.

    .. math::

        \begin{aligned}
        y &= g(\mathbf{W}\,a(x)), \\
        \log\lvert\det J\rvert &= \log\lvert\det J_a\rvert
        + \log\lvert\det J_{\mathbf{W}}\rvert \\
        &\quad + \log\lvert\det J_g\rvert,
        \end{aligned}

    the log-dets of the three layers (:class:`ActNorm`,
    :class:`Invertible1x1Conv`, :class:`AffineCoupling`), added: a FlowJAX
    ``Chain`` of the three, which does the composing. The 1x1
    convolution mixes the channels, so that successive couplings transform
    different halves. At construction the ActNorm is the identity (use
    :func:`glowlab.data_init` on a batch) and so is the coupling, so the step
    starts as a rotation.

    ``mixer`` replaces the 1x1 convolution, for comparing channel mixers as the
    Glow paper does: ``"lu"`` (the default, :class:`Invertible1x1Conv`),
    ``"dense"`` (:class:`DenseInvertible1x1Conv`), a fixed permutation,
    ``"reverse"`` (RealNVP's) or ``"shuffle"`` (random, drawn from ``key``), or
    ``"rotation"``, the dense layer's initial random rotation, never trained
    (:func:`~glowlab.fixed_rotation`).

    Args:
        key: JAX random key.
        shape: Event shape, ``(C,)`` or ``(H, W, C)``, with ``C >= 2``.
        mixer: Which channel mixer, one of ``"lu"``, ``"dense"``, ``"reverse"``,
            ``"shuffle"``, ``"rotation"``.
        **coupling_options: Passed to :class:`AffineCoupling` (``hidden``,
            ``depth``, ``min_scale``).

    Example:
        >>> import jax.numpy as jnp, jax.random as jr
        >>> from glowlab import GlowStep, data_init
        >>> batch = jr.normal(jr.key(0), (64, 4, 4, 4))
        >>> step = data_init(GlowStep(jr.key(1), (4, 4, 4), hidden=8), batch)
        >>> y, log_det = step.transform_and_log_det(batch[0])
        >>> x = step.inverse(y)
        >>> bool(jnp.allclose(x, batch[0], atol=1e-5))
        True
    """

    def __init__(
        self,
        key: jax.Array,
        shape: tuple[int, ...],
        *,
        mixer: str = "lu",
        **coupling_options,
    ):
        shape = check_event_shape(shape)
        if mixer not in MIXERS:
            raise ValueError(
                f"mixer must be one of {', '.join(map(repr, MIXERS))}; got {mixer!r}."
            )
        mixer_key, coupling_key = jr.split(key)
        super().__init__(
            [
                ActNorm(shape),
                MIXERS[mixer](mixer_key, shape),
                AffineCoupling(coupling_key, shape, **coupling_options),
            ]
        )

    @property
    def actnorm(self) -> ActNorm:
        """The step's ActNorm, its first layer."""
        return self.bijections[0]

    @property
    def mixer(self) -> AbstractBijection:
        """The channel mixer, a 1x1 convolution or a fixed permutation."""
        return self.bijections[1]

    @property
    def coupling(self) -> AffineCoupling:
        """The affine coupling, its last layer."""
        return self.bijections[2]

    @property
    def layers(self) -> tuple[AbstractBijection, ...]:
        """The three layers, in the order the forward map applies them."""
        return self.bijections
