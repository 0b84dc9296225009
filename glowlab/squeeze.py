"""Squeeze: space to depth, (H, W, C) -> (H/2, W/2, 4C)."""

import equinox as eqx
import jax
import jax.numpy as jnp

from glowlab._shapes import check_event_shape, check_floating


class Squeeze(eqx.Module):
    r"""Space to depth: each 2x2 block of pixels becomes one pixel of 4C channels.

    .. math::

        y_{i, j, (2a + b) C + c} = x_{2i + a,\, 2j + b,\, c}

    for :math:`a, b \in \{0, 1\}`: a permutation of the entries, so
    :math:`\log\lvert\det J\rvert = 0`. It gives the 1x1 convolutions and
    couplings of the next steps more channels to mix, at a coarser scale.

    It has the interface of a FlowJAX bijection (``transform_and_log_det``,
    ``inverse_and_log_det``, ``transform``, ``inverse``) but is not an
    ``AbstractBijection``: FlowJAX bijections keep their shape, and this one
    changes it, from ``shape`` to ``out_shape``. Compose it with the multi-scale
    builder rather than inside a ``Chain``.

    Args:
        shape: The image shape ``(H, W, C)``, with ``H`` and ``W`` even.
    """

    shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]

    def __init__(self, shape: tuple[int, int, int]):
        shape = check_event_shape(shape)
        if len(shape) != 3:
            raise ValueError(f"Squeeze acts on images (H, W, C); got shape {shape}.")
        height, width, channels = shape
        if height % 2 or width % 2:
            raise ValueError(
                f"Squeeze needs an even height and width; got {height} x {width}."
            )
        self.shape = shape
        self.out_shape = (height // 2, width // 2, 4 * channels)

    def _check(self, x, expected, name):
        x = jnp.asarray(x)
        if x.shape != expected:
            raise ValueError(f"Expected {name} shape {expected}; got {x.shape}")
        check_floating(x)
        return x

    def transform_and_log_det(self, x, condition=None):
        """The squeezed image, ``(H/2, W/2, 4C)``, and its log-det, 0."""
        x = self._check(x, self.shape, "input")
        height, width, channels = self.shape
        blocks = x.reshape(height // 2, 2, width // 2, 2, channels)
        y = blocks.transpose(0, 2, 1, 3, 4).reshape(self.out_shape)
        return y, jnp.zeros((), x.dtype)

    def inverse_and_log_det(self, y, condition=None):
        """The image ``(H, W, C)`` back from a squeezed one, and the log-det, 0."""
        y = self._check(y, self.out_shape, "inverse input")
        height, width, channels = self.shape
        blocks = y.reshape(height // 2, width // 2, 2, 2, channels)
        x = blocks.transpose(0, 2, 1, 3, 4).reshape(self.shape)
        return x, jnp.zeros((), y.dtype)

    def transform(self, x, condition=None) -> jax.Array:
        """The squeezed image alone."""
        return self.transform_and_log_det(x)[0]

    def inverse(self, y, condition=None) -> jax.Array:
        """The image back from a squeezed one, alone."""
        return self.inverse_and_log_det(y)[0]
