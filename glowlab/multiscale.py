"""A multi-scale Glow: squeeze, K steps, factor out half the channels, repeat."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from flowjax.bijections import AbstractBijection, Scan

from glowlab._shapes import check_event_shape, check_floating
from glowlab._stacking import unstack
from glowlab.squeeze import Squeeze
from glowlab.step import GlowStep


class MultiScaleGlow(AbstractBijection):
    r"""Glow's multi-scale architecture (Dinh et al., 2017; Kingma & Dhariwal, 2018).

    Level :math:`l` squeezes its input, applies :math:`K` :class:`~glowlab.GlowStep`\ s,
    and, except at the last level, factors out half of the channels: they go
    straight to the latent, and only the other half continues to level
    :math:`l + 1`. So later levels work on fewer, coarser numbers.

    Each level's steps share one structure, so they are stacked the FlowJAX way:
    a ``Scan`` over one ``GlowStep`` whose arrays have a leading axis of length
    :math:`K` (:meth:`steps` takes them apart). The latent keeps the input's
    shape ``(H, W, C)``: at each level the continuing half's latent and the
    factored-out half are concatenated along channels and un-squeezed, a
    rearrangement with log-det 0. The log-det of the whole flow is the sum of
    its steps'. With a standard normal base, the density is
    ``Transformed(StandardNormal(shape), Invert(flow))``; sampling at a
    temperature :math:`T` is sampling ``Transformed(Normal(zeros, T),
    Invert(flow))`` (Kingma & Dhariwal, 2018).

    Build one with :func:`~glowlab.glow`.
    """

    shape: tuple[int, int, int]
    cond_shape: ClassVar[None] = None
    squeezes: tuple[Squeeze, ...]
    levels: tuple[Scan, ...]  # each level's steps, stacked

    def __init__(self, squeezes, levels):
        self.squeezes = tuple(squeezes)
        self.levels = tuple(levels)
        self.shape = self.squeezes[0].shape

    def _descend(self, h, through=None, *, batched=False):
        """Walk down the levels: squeeze ``h``, pass it through the level
        (``through(level, h) -> (level, h, log_det)``; by default the level is
        skipped), and, but at the last level, factor out the second half of the
        channels and go on with the first. The one walk down behind the forward
        map, the inverse, :meth:`level_latents` and :func:`~glowlab.data_init`
        (``batched``: ``h`` is a batch of images).

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
                latents.append(h[..., half:])
                h = h[..., :half]
        return tuple(levels), [*latents, h], total

    def _ascend(self, latents, through=None):
        """Walk up the levels, :meth:`_descend` reversed: from the last level's
        latent, pass through each level (``through(level, h) -> (h, log_det)``;
        by default the level is skipped), un-squeeze, and join the next level
        up's factored-out half. Returns the result, of the flow's shape, and the
        summed log-det."""
        through = through or _skip_back
        *factored, h = latents
        total = 0.0
        for index in reversed(range(len(self.levels))):
            if index < len(factored):
                h = jnp.concatenate([h, factored[index]], axis=-1)
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
        _, latents, _ = self._descend(y)
        return self._ascend(latents, _inverse)

    def level_latents(self, x) -> list[jax.Array]:
        """The latent of one image, level by level: the factored-out halves and,
        last, the final level's output, each at its own (coarser) shape."""
        return self._descend(x, _forward)[1]

    def steps(self, level: int) -> list[GlowStep]:
        r"""The :class:`~glowlab.GlowStep`\ s of level ``level``, one by one, in
        the order the forward map applies them (copies taken from its ``Scan``)."""
        return unstack(self.levels[level].bijection)


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
            ``"lu"`` (Glow's), ``"dense"``, ``"reverse"`` or ``"shuffle"``.
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
    squeezes, scans, current = [], [], shape
    for level in range(levels):
        squeeze = Squeeze(current)
        squeezes.append(squeeze)

        def step(key, shape=squeeze.out_shape):
            return GlowStep(key, shape, mixer=mixer, **coupling_options)

        # One step built for each key at once: a GlowStep of stacked arrays.
        keys = jr.split(jr.fold_in(key, level), steps_per_level)
        scans.append(Scan(eqx.filter_vmap(step)(keys)))
        h, w, c = squeeze.out_shape
        current = (h, w, c // 2)
    return MultiScaleGlow(squeezes, scans)
