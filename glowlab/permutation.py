"""Fixed channel permutations: the mixers NICE and RealNVP used before Glow."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from flowjax.bijections import Permute
from jax.core import Tracer

from glowlab._shapes import check_event_shape


def permute_channels(shape: tuple[int, ...], order) -> Permute:
    r"""A FlowJAX ``Permute`` bijection that reorders the channels.

    .. math::

        y_{\ldots, c} = x_{\ldots, \pi(c)}, \qquad \log\lvert\det J\rvert = 0,

    the same :math:`\pi` at every pixel of a ``(C,)`` vector or a channels-last
    ``(H, W, C)`` image. A permutation is a 1x1 convolution whose weight is a
    permutation matrix, fixed rather than learned.

    Args:
        shape: Event shape, ``(C,)`` or ``(H, W, C)``.
        order: The new order of the channels, a permutation of ``0, ..., C - 1``.
    """
    shape = check_event_shape(shape)
    order = jnp.asarray(order)
    channels = shape[-1]
    if order.shape != (channels,) or not jnp.issubdtype(order.dtype, jnp.integer):
        raise ValueError(
            f"order must be {channels} integers, one per channel; got "
            f"{order.dtype} of shape {order.shape}."
        )
    once = jnp.all(jnp.sort(order) == jnp.arange(channels))
    message = f"order must hold each channel 0, ..., {channels - 1} once"
    if isinstance(once, Tracer):  # drawn under jax.vmap, as glow() builds steps
        order = eqx.error_if(order, ~once, message + ".")
    elif not bool(once):
        raise ValueError(f"{message}; got {order}.")
    flat = jnp.arange(math.prod(shape)).reshape(shape)
    return Permute(flat[..., order])


def reverse_channels(key: jax.Array | None, shape: tuple[int, ...]) -> Permute:
    """The channels in reverse order, RealNVP's mixer (Dinh et al., 2017).

    ``key`` is not used: it is there so that every channel mixer is built as
    ``mixer(key, shape)``."""
    channels = check_event_shape(shape)[-1]
    return permute_channels(shape, jnp.arange(channels)[::-1])


def shuffle_channels(key: jax.Array, shape: tuple[int, ...]) -> Permute:
    """The channels in a random order drawn once from ``key``, then fixed: the
    "shuffle" mixer of Glow's comparison (Kingma & Dhariwal, 2018)."""
    channels = check_event_shape(shape)[-1]
    return permute_channels(shape, jr.permutation(key, channels))
