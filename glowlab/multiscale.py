"""A multi-scale Glow: squeeze, K steps, factor out half the channels, repeat."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from flowjax.bijections import AbstractBijection, Chain

from glowlab._conv3x3 import Conv3x3
from glowlab._shapes import check_event_shape, check_floating
from glowlab.squeeze import Squeeze
from glowlab.step import GlowStep

_LOGSCALE_FACTOR = 3.0  # Glow's conv2d_zeros: output times exp(3 * logs)


class SplitPrior(eqx.Module):
    r"""Glow's learned prior for a factored-out half (Kingma & Dhariwal, 2018).

    At a split the channels are cut into the half :math:`a` that goes on and
    the half :math:`z` that leaves. Instead of a standard normal, :math:`z`
    gets a Gaussian whose mean and log-scale are read from :math:`a` by a
    3x3 convolution, as in openai/glow's ``split2d_prior``:

    .. math::

        \begin{aligned}
        (\mu, \log\sigma) &= \operatorname{conv}(a)\,
            e^{3 \ell}, \\
        \log p(z \mid a) &= \log \mathcal{N}\!\left(
            \frac{z - \mu}{\sigma}\right) - \sum \log\sigma .
        \end{aligned}

    glowlab writes this as a bijection, :math:`\varepsilon = (z - \mu) /
    \sigma` with log-det :math:`-\sum \log\sigma` over every pixel and
    channel of :math:`z`, so that the flow's latent stays standard normal:
    scoring :math:`\varepsilon` under :math:`\mathcal{N}(0, I)` is scoring
    :math:`z` under :math:`\mathcal{N}(\mu, \sigma^2)`, and sampling
    :math:`\varepsilon` at temperature :math:`T` is Glow's ``eps_std``.

    The convolution's weight and bias and the per-channel :math:`\ell`
    start at zero (Glow's ``conv2d_zeros``), so the prior starts as the
    standard normal. The output channels alternate, mean then log-scale, as
    in Glow. Unlike Glow's convolution, glowlab's pads with zeros and has no
    extra channel marking the border.

    Args:
        key: JAX random key (the weights start at zero; kept for symmetry
            with the other layers).
        shape: Shape ``(H, W, C)`` of the half that goes on.
        out_channels: Channels of the factored-out half.
    """

    conv: Conv3x3
    log_gain: jax.Array  # Glow's per-channel logs, times _LOGSCALE_FACTOR
    shape: tuple[int, int, int] = eqx.field(static=True)
    out_channels: int = eqx.field(static=True)

    def __init__(self, key: jax.Array, shape: tuple[int, int, int], out_channels: int):
        shape = check_event_shape(shape)
        if len(shape) != 3:
            raise ValueError(f"SplitPrior reads an image (H, W, C); got shape {shape}.")
        if not isinstance(out_channels, int) or out_channels < 1:
            raise ValueError(
                f"out_channels must be a positive int; got {out_channels!r}."
            )
        self.shape, self.out_channels = shape, out_channels
        conv = Conv3x3(shape[-1], 2 * out_channels, key=key)
        self.conv = eqx.tree_at(
            lambda c: (c.weight, c.bias), conv, replace_fn=jnp.zeros_like
        )
        self.log_gain = jnp.zeros(2 * out_channels)

    def mean_and_log_scale(self, kept):
        """The Gaussian's mean and log-scale for the factored-out half, each
        of shape ``(H, W, out_channels)``, from the half ``kept``."""
        if kept.shape != self.shape:
            raise ValueError(
                f"SplitPrior expects the kept half of shape {self.shape}; "
                f"got {kept.shape}."
            )
        h = self.conv(kept) * jnp.exp(_LOGSCALE_FACTOR * self.log_gain)
        return h[..., 0::2], h[..., 1::2]

    def standardise(self, z, kept):
        """``((z - mean) / scale, log-det)``: the forward direction."""
        mean, log_scale = self.mean_and_log_scale(kept)
        return (z - mean) * jnp.exp(-log_scale), -jnp.sum(log_scale)

    def unstandardise(self, eps, kept):
        """``(mean + scale * eps, log-det)``: the inverse direction."""
        mean, log_scale = self.mean_and_log_scale(kept)
        return mean + jnp.exp(log_scale) * eps, jnp.sum(log_scale)


class MultiScaleGlow(AbstractBijection):
    r"""Glow's multi-scale architecture (Dinh et al., 2017; Kingma & Dhariwal, 2018).

    Level :math:`l` squeezes its input, applies :math:`K` :class:`~glowlab.GlowStep`\ s,
    and, except at the last level, factors out half of the channels: they go
    straight to the latent, and only the other half continues to level
    :math:`l + 1`. So later levels work on fewer, coarser numbers.

    Each level's steps are a FlowJAX ``Chain``. The latent keeps the input's
    shape ``(H, W, C)``: at each level the continuing half's latent and the
    factored-out half are concatenated along channels and un-squeezed, a
    rearrangement with log-det 0. The log-det of the whole flow is the sum of
    its steps'. With a standard normal base, the density is
    ``Transformed(StandardNormal(shape), Invert(flow))``; sampling at a
    temperature :math:`T` is sampling ``Transformed(Normal(zeros, T),
    Invert(flow))`` (Kingma & Dhariwal, 2018).

    With ``priors`` (one :class:`~glowlab.SplitPrior` per split, Glow's learned prior
    for the factored-out half), each factored-out half is standardised by the
    mean and scale its prior reads from the half that goes on, before it joins
    the latent; without, it joins as it is: a standard normal prior.

    Build one with :func:`~glowlab.glow`.
    """

    shape: tuple[int, int, int]
    cond_shape: ClassVar[None] = None
    squeezes: tuple[Squeeze, ...]
    levels: tuple[Chain, ...]  # each level's steps
    priors: tuple[SplitPrior, ...] | None  # one per split, or None

    def __init__(self, squeezes, levels, priors=None):
        self.squeezes = tuple(squeezes)
        self.levels = tuple(
            level if isinstance(level, Chain) else Chain(level) for level in levels
        )
        self.shape = self.squeezes[0].shape
        if priors is not None:
            priors = tuple(priors)
            if len(priors) != len(self.levels) - 1:
                raise ValueError(
                    f"priors needs one SplitPrior per split, "
                    f"{len(self.levels) - 1} for {len(self.levels)} levels; "
                    f"got {len(priors)}."
                )
        self.priors = priors

    def _descend(self, h, through=None, *, batched=False, priors=True):
        """Walk down the levels: squeeze ``h``, pass it through the level
        (``through(level, h) -> (level, h, log_det)``; by default the level is
        skipped), and, but at the last level, factor out the second half of the
        channels and go on with the first. The one walk down behind the forward
        map, the inverse, :meth:`level_latents` and :func:`~glowlab.data_init`
        (``batched``: ``h`` is a batch of images).

        With ``priors`` (and split priors in the flow), each factored-out
        half is standardised by its prior; ``priors=False`` only cuts a latent
        into its levels' pieces.

        Returns the levels as ``through`` gave them back, the latent of each
        level (the factored-out halves, then the last level's output) and the
        summed log-det.
        """
        through = through or _skip
        levels, latents, total = [], [], 0.0
        last = len(self.levels) - 1
        for index, (squeeze, level) in enumerate(
            zip(self.squeezes, self.levels, strict=True)
        ):
            squeezed = (
                jax.vmap(squeeze.transform)(h) if batched else squeeze.transform(h)
            )
            level, h, log_det = through(level, squeezed)
            levels.append(level)
            total = total + log_det
            if index < last:
                half = h.shape[-1] // 2
                out, h = h[..., half:], h[..., :half]
                if priors and self.priors is not None:
                    standardise = self.priors[index].standardise
                    if batched:
                        standardise = jax.vmap(standardise)
                    out, log_det = standardise(out, h)
                    total = total + log_det
                latents.append(out)
        return tuple(levels), [*latents, h], total

    def _ascend(self, latents, through=None, *, priors=False):
        """Walk up the levels, :meth:`_descend` reversed: from the last level's
        latent, pass through each level (``through(level, h) -> (h, log_det)``;
        by default the level is skipped), un-squeeze, and join the next level
        up's factored-out half (with ``priors``, un-standardised by its split
        prior first). Returns the result, of the flow's shape, and the summed
        log-det."""
        through = through or _skip_back
        *factored, h = latents
        total = 0.0
        for index in reversed(range(len(self.levels))):
            if index < len(factored):
                out = factored[index]
                if priors and self.priors is not None:
                    out, log_det = self.priors[index].unstandardise(out, h)
                    total = total + log_det
                h = jnp.concatenate([h, out], axis=-1)
            h, log_det = through(self.levels[index], h)
            total = total + log_det
            h = self.squeezes[index].inverse(h)
        return h, total

    def transform_and_log_det(self, x, condition=None):
        check_floating(x)
        _, latents, log_det = self._descend(x, _forward)
        z, _ = self._ascend(latents)
        return z, log_det

    def inverse_and_log_det(self, y, condition=None):
        check_floating(y)
        _, latents, _ = self._descend(y, priors=False)
        return self._ascend(latents, _inverse, priors=True)

    def level_latents(self, x) -> list[jax.Array]:
        """The latent of one image, level by level: the factored-out halves
        (standardised by their split priors, if any) and, last, the final
        level's output, each at its own (coarser) shape."""
        return self._descend(x, _forward)[1]

    def latent_from_levels(self, latents) -> jax.Array:
        """The flow's latent, of shape ``shape``, from its levels' pieces:
        the rearrangement that :meth:`level_latents` undoes, with no layer
        applied. So ``flow.latent_from_levels(flow.level_latents(x))`` is
        ``flow.transform(x)``, and pieces from different images can be
        combined, then decoded with ``flow.inverse``."""
        shapes = jax.eval_shape(
            self.level_latents, jax.ShapeDtypeStruct(self.shape, jnp.float32)
        )
        expected = [z.shape for z in shapes]
        got = [jnp.shape(z) for z in latents]
        if got != expected:
            raise ValueError(
                f"latents must have the levels' shapes {expected}; got {got}."
            )
        return self._ascend(list(latents))[0]

    def steps(self, level: int) -> list[GlowStep]:
        r"""The :class:`~glowlab.GlowStep`\ s of level ``level``, in the order the
        forward map applies them."""
        return list(self.levels[level].bijections)


def _forward(level, h):
    return (level, *level.transform_and_log_det(h))


def _skip(level, h):
    return level, h, 0.0


def _skip_back(level, h):
    return h, 0.0


def _inverse(level, h):
    return level.inverse_and_log_det(h)


def glow(
    key: jax.Array,
    shape: tuple[int, int, int],
    *,
    levels: int = 2,
    steps_per_level: int = 4,
    mixer: str = "lu",
    split_prior: bool = False,
    **coupling_options,
) -> MultiScaleGlow:
    """A multi-scale Glow on images of ``shape``: ``levels`` levels of
    ``steps_per_level`` steps each (a :class:`~glowlab.MultiScaleGlow`).

    Each level halves the height and width (so both must be divisible by
    ``2 ** levels``) and, but for the last, factors out half of the channels.

    Args:
        key: JAX random key.
        shape: The image shape ``(H, W, C)``.
        levels: Number of levels, at least 1.
        steps_per_level: Glow steps per level, at least 1.
        mixer: Every step's channel mixer (see :class:`~glowlab.GlowStep`):
            ``"lu"``, ``"dense"``, ``"rotation"`` (dense's random start,
            never trained), ``"reverse"`` or ``"shuffle"``.
        split_prior: Give each factored-out half Glow's learned prior, a
            :class:`~glowlab.SplitPrior` (zero-initialised, so the flow
            starts as without it). Off by default: a standard normal prior.
        **coupling_options: Passed to every :class:`~glowlab.AffineCoupling`
            (``hidden``, ``min_scale``).

    Example:
        >>> import jax.random as jr
        >>> from flowjax.bijections import Invert
        >>> from flowjax.distributions import StandardNormal, Transformed
        >>> from glowlab import data_init, glow
        >>> images = jr.uniform(jr.key(0), (32, 8, 8, 1))
        >>> flow = data_init(glow(jr.key(1), (8, 8, 1), hidden=8), images)
        >>> model = Transformed(StandardNormal((8, 8, 1)), Invert(flow))
        >>> model.log_prob(images).shape
        (32,)
    """
    shape = check_event_shape(shape)
    if len(shape) != 3:
        raise ValueError(f"glow builds a flow on images (H, W, C); got shape {shape}.")
    if not isinstance(split_prior, bool):
        raise TypeError(f"split_prior must be True or False; got {split_prior!r}.")
    if levels < 1 or steps_per_level < 1:
        raise ValueError(
            f"levels and steps_per_level must be at least 1; got {levels} and "
            f"{steps_per_level}."
        )
    height, width, _ = shape
    factor = 2**levels
    if height % factor or width % factor:
        raise ValueError(
            f"{levels} levels halve the image {levels} times, so its height and "
            f"width must be divisible by {factor}; got {height} x {width}."
        )
    squeezes, level_steps, priors, current = [], [], [], shape
    for level in range(levels):
        squeeze = Squeeze(current)
        squeezes.append(squeeze)
        keys = jr.split(jr.fold_in(key, level), steps_per_level)
        level_steps.append(
            Chain(
                [
                    GlowStep(k, squeeze.out_shape, mixer=mixer, **coupling_options)
                    for k in keys
                ]
            )
        )
        h, w, c = squeeze.out_shape
        current = (h, w, c // 2)
        if split_prior and level < levels - 1:
            prior_key = jr.fold_in(jr.fold_in(key, level), steps_per_level)
            priors.append(SplitPrior(prior_key, current, c - c // 2))
    return MultiScaleGlow(squeezes, level_steps, priors if split_prior else None)
