"""A multi-scale Glow: squeeze, K steps, factor out half the channels, repeat."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from flowjax.bijections import AbstractBijection, Chain

from glowlab._shapes import check_event_shape, check_floating
from glowlab.squeeze import Squeeze
from glowlab.step import GlowStep


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

    Build one with :func:`~glowlab.glow`.
    """

    shape: tuple[int, int, int]
    cond_shape: ClassVar[None] = None
    squeezes: tuple[Squeeze, ...]
    levels: tuple[Chain, ...]  # each level's steps

    def __init__(self, squeezes, levels):
        self.squeezes = tuple(squeezes)
        self.levels = tuple(
            level if isinstance(level, Chain) else Chain(level) for level in levels
        )
        self.shape = self.squeezes[0].shape

    def _forward(self, x, level):
        squeeze = self.squeezes[level]
        h, total = self.levels[level].transform_and_log_det(squeeze.transform(x))
        if level + 1 < len(self.levels):
            half = h.shape[-1] // 2
            kept, log_det = self._forward(h[..., :half], level + 1)
            h, total = jnp.concatenate([kept, h[..., half:]], axis=-1), total + log_det
        return squeeze.inverse(h), total

    def _inverse(self, z, level):
        squeeze = self.squeezes[level]
        h, total = squeeze.transform(z), jnp.zeros((), z.dtype)
        if level + 1 < len(self.levels):
            half = h.shape[-1] // 2
            kept, total = self._inverse(h[..., :half], level + 1)
            h = jnp.concatenate([kept, h[..., half:]], axis=-1)
        h, log_det = self.levels[level].inverse_and_log_det(h)
        return squeeze.inverse(h), total + log_det

    def transform_and_log_det(self, x, condition=None):
        check_floating(x)
        return self._forward(x, 0)

    def inverse_and_log_det(self, y, condition=None):
        check_floating(y)
        return self._inverse(y, 0)

    def level_latents(self, x) -> list[jax.Array]:
        """The latent of one image, level by level: the factored-out halves and,
        last, the final level's output, each at its own (coarser) shape."""
        latents, h = [], x
        for level, (squeeze, steps) in enumerate(
            zip(self.squeezes, self.levels, strict=True)
        ):
            h = steps.transform(squeeze.transform(h))
            if level + 1 < len(self.levels):
                half = h.shape[-1] // 2
                latents.append(h[..., half:])
                h = h[..., :half]
        return [*latents, h]

    def data_init(self, batch, init):
        """Support for :func:`~glowlab.data_init`: initialise each level's steps
        (``init``, which knows ``Chain``) on the activations that reach them, and
        continue with the half that is not factored out. Returns the new flow
        and its output on ``batch``."""
        inputs, new_levels = batch, []
        for squeeze, steps in zip(self.squeezes, self.levels, strict=True):
            steps, batch = init(steps, jax.vmap(squeeze.transform)(batch))
            new_levels.append(steps)
            batch = batch[..., : batch.shape[-1] // 2]  # the half that continues
        new = eqx.tree_at(lambda g: g.levels, self, tuple(new_levels))
        return new, jax.vmap(new.transform)(inputs)


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
    squeezes, level_steps, current = [], [], shape
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
    return MultiScaleGlow(squeezes, level_steps)
