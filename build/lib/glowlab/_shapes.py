"""Checks shared by every layer: event shapes, dtypes and data batches.

A layer acts on one event: a vector ``(C,)`` or a channels-last image
``(H, W, C)``. Batches are handled with ``jax.vmap``, never inside a layer.
"""

import math

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer


def check_event_shape(shape) -> tuple[int, ...]:
    """Return ``shape`` as a tuple, or raise if it is not ``(C,)`` or ``(H, W, C)``."""
    if not isinstance(shape, tuple | list) or not all(
        isinstance(n, int | np.integer) and not isinstance(n, bool) for n in shape
    ):
        raise TypeError(
            f"shape must be a tuple of ints, (C,) or (H, W, C); got {shape!r}."
        )
    shape = tuple(int(n) for n in shape)
    if len(shape) not in (1, 3):
        raise ValueError(
            "shape must be a vector (C,) or a channels-last image (H, W, C); "
            f"got {shape}, with {len(shape)} axes."
        )
    if any(n <= 0 for n in shape):
        raise ValueError(f"every axis of shape must be positive; got {shape}.")
    return shape


def num_pixels(shape: tuple[int, ...]) -> int:
    """Number of positions that share the channel map: H*W for images, 1 for vectors."""
    return math.prod(shape[:-1])


def check_floating(x, name: str = "input"):
    """Raise for integer or boolean input, which a bijection cannot map invertibly."""
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise TypeError(
            f"{name} must be a floating-point array; got dtype {x.dtype}. "
            "Convert it first, for example with x.astype(jnp.float32)."
        )


def check_batch(batch, shape: tuple[int, ...] | None = None, name: str = "batch"):
    """Check a batch of events ``(N, *shape)``: floating, non-empty and finite.

    Where ``shape`` is None the event shape is read off ``batch.shape[1:]`` and must
    be ``(C,)`` or ``(H, W, C)``. Values are checked in Python where they are
    concrete and with ``equinox.error_if`` under ``jit``. Returns the batch as an
    array.
    """
    if not eqx.is_array_like(batch):
        raise TypeError(f"{name} must be an array; got {type(batch).__name__}.")
    batch = jnp.asarray(batch)
    check_floating(batch, name)
    if batch.ndim not in (2, 4):
        raise ValueError(
            f"{name} must have shape (N, C) or (N, H, W, C), a leading batch axis "
            f"then one event; got shape {batch.shape}. For a single event, add the "
            "batch axis with x[None]."
        )
    if shape is not None and batch.shape[1:] != tuple(shape):
        raise ValueError(
            f"{name} holds events of shape {batch.shape[1:]}, but the layer acts on "
            f"events of shape {tuple(shape)}."
        )
    if batch.shape[0] == 0:
        raise ValueError(f"{name} is empty: it holds no events (shape {batch.shape}).")
    if any(n == 0 for n in batch.shape[1:]):
        raise ValueError(f"{name} has an empty event axis: shape {batch.shape}.")
    if isinstance(batch, Tracer):
        batch = eqx.error_if(
            batch, ~jnp.all(jnp.isfinite(batch)), f"{name} has non-finite values."
        )
    elif not bool(jnp.all(jnp.isfinite(batch))):
        count = int(jnp.sum(~jnp.isfinite(batch)))
        raise ValueError(f"{name} has {count} non-finite value(s) (NaN or inf).")
    return batch
