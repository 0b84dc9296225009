"""The invertible 1x1 convolution with an unconstrained weight, for contrast."""

from typing import ClassVar

import jax
import jax.numpy as jnp
from flowjax.bijections import AbstractBijection
from paramax import unwrap

from glowlab._shapes import check_event_shape, check_floating, num_pixels
from glowlab.rotation import random_rotation


class DenseInvertible1x1Conv(AbstractBijection):
    r"""Invertible 1x1 convolution with a dense, unconstrained ``C x C`` weight.

    The form most PyTorch tutorials write: :math:`y = W x` at every pixel,

    .. math::

        \log\lvert\det \partial y / \partial x\rvert
        = (\text{number of pixels}) \, \log\lvert\det W\rvert,

    computed with ``slogdet`` in :math:`O(C^3)`, and the inverse by a linear
    solve. Nothing keeps :math:`W` invertible while it is trained: gradient steps
    can carry :math:`\det W` to 0. :class:`~glowlab.Invertible1x1Conv` is the
    form that cannot.

    Args:
        key: JAX random key for the initial rotation.
        shape: Event shape, a vector ``(C,)`` or a channels-last image ``(H, W, C)``.
    """

    shape: tuple[int, ...]
    cond_shape: ClassVar[None] = None
    matrix: jax.Array  # W itself, every entry trainable

    def __init__(self, key: jax.Array, shape: tuple[int, ...]):
        self.shape = check_event_shape(shape)
        self.matrix = random_rotation(key, self.shape[-1])

    def weight(self) -> jax.Array:
        """The ``C x C`` matrix ``W``, like :meth:`Invertible1x1Conv.weight`; also
        on a wrapped layer (``paramax.non_trainable``, ``Parameterize``)."""
        return unwrap(self.matrix)

    def log_abs_det_weight(self) -> jax.Array:
        r""":math:`\log|\det W|` by ``slogdet``, an :math:`O(C^3)` factorisation."""
        return jnp.linalg.slogdet(self.weight())[1]

    def condition_number(self) -> jax.Array:
        r"""The 2-norm condition number :math:`\sigma_{\max} / \sigma_{\min}` of ``W``.

        A non-zero determinant keeps ``W`` invertible, not well conditioned: a
        round trip loses about :math:`\log_{10}` of this many digits.
        """
        return jnp.linalg.cond(self.weight())

    def transform_and_log_det(self, x, condition=None):
        check_floating(x)
        return x @ self.matrix.T, num_pixels(self.shape) * self.log_abs_det_weight()

    def inverse_and_log_det(self, y, condition=None):
        check_floating(y)
        channels = self.shape[-1]
        x = jnp.linalg.solve(self.matrix, y.reshape(-1, channels).T).T
        return x.reshape(self.shape), -num_pixels(self.shape) * (
            self.log_abs_det_weight()
        )
