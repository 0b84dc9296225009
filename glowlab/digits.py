r"""scikit-learn's 8x8 digits, prepared as chapter 5 prepares them by hand.

The pixels :math:`v \in \{0, \dots, 16\}^D` are dequantised with uniform noise,
:math:`x = (v + u)/17`, and mapped to the real line by a logit,
:math:`y = \operatorname{logit}(\alpha + (1 - 2\alpha) x)`. A flow's density on
:math:`y` then bounds the code length of :math:`v`, in bits per dimension,

.. math::

    \begin{aligned}
    \text{bits/dim} &= \frac{1}{D \log 2} \bigl(-\log p(y) \\
    &\qquad - \log\lvert\det J\rvert + D \log 17\bigr),
    \end{aligned}

with :math:`J = \partial y / \partial x` the logit's Jacobian.
"""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

GREY_LEVELS = 17
"""Pixel values run from 0 to 16, so the digits have 17 grey levels."""
LOGIT_ALPHA = 0.05  # keeps the logit's argument inside [0.05, 0.95]
SPLIT = (1197, 300, 300)  # train, validation, test


def digit_splits(key: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The 1,797 digits as ``(N, 8, 8, 1)`` float32 grey levels, shuffled by ``key``
    and split into 1,197 training, 300 validation and 300 test images."""
    from sklearn.datasets import load_digits  # only this helper needs scikit-learn

    digits = load_digits().images.astype(np.float32)
    order = np.asarray(jr.permutation(key, len(digits)))
    images = jnp.asarray(digits[order])[..., None]
    train, val = SPLIT[0], SPLIT[0] + SPLIT[1]
    return images[:train], images[train:val], images[val:]


def _check_images(name, images):
    if jnp.ndim(images) != 4:
        raise ValueError(
            f"{name} must be a batch of channels-last images (N, H, W, C); got "
            f"shape {jnp.shape(images)}."
        )


def dequantise(key: jax.Array, pixels: jax.Array) -> jax.Array:
    """Uniform dequantisation: ``(v + u) / 17`` with ``u ~ U[0, 1)``, in ``[0, 1)``."""
    _check_images("pixels", pixels)
    return (pixels + jr.uniform(key, jnp.shape(pixels))) / GREY_LEVELS


def to_logit(x: jax.Array) -> tuple[jax.Array, jax.Array]:
    r"""The logit transform of a batch in ``[0, 1)``, and its log-det per image.

    :math:`y = \log s - \log(1 - s)` with :math:`s = \alpha + (1 - 2\alpha) x`, and
    :math:`\log\lvert dy/dx\rvert = \log(1 - 2\alpha) - \log s - \log(1 - s)` per
    pixel, summed over each image.
    """
    _check_images("x", x)
    s = LOGIT_ALPHA + (1 - 2 * LOGIT_ALPHA) * x
    log_det = jnp.log(1 - 2 * LOGIT_ALPHA) - jnp.log(s) - jnp.log1p(-s)
    return jnp.log(s) - jnp.log1p(-s), jnp.sum(log_det, axis=(1, 2, 3))


def bits_per_dim(log_p_y, logit_log_det, dims: int) -> jax.Array:
    """The bound on ``-log2 P(v)`` per pixel, from ``log p(y)`` and the logit's
    log-det, for images of ``dims`` pixels."""
    nats = -(log_p_y + logit_log_det) + dims * jnp.log(GREY_LEVELS)
    return nats / (dims * jnp.log(2.0))
