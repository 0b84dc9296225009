"""Glow's invertible 1x1 convolution: the LU form, and the dense form for contrast."""

import abc
from typing import ClassVar, final

import jax
import jax.numpy as jnp
from flowjax.bijections import AbstractBijection
from jax.scipy.linalg import solve_triangular
from paramax import unwrap

from glowlab._shapes import check_event_shape, check_floating, num_pixels
from glowlab.rotation import random_rotation


class _AbstractChannelMatrix(AbstractBijection):
    r"""What both 1x1 convolutions share: :math:`y = \mathbf{W} x` at every pixel, so

    .. math::

        \log\lvert\det \partial y / \partial x\rvert
        = N \log\lvert\det \mathbf{W}\rvert,

    with :math:`N` the number of pixels (1 for a vector).

    A concrete subclass gives :meth:`weight`, :meth:`log_abs_det_weight` and the
    inverse, and is final: to change a layer, wrap it (equinox's abstract/final
    pattern), rather than subclass it.
    """

    @abc.abstractmethod
    def weight(self) -> jax.Array:
        """The dense ``C x C`` matrix ``W``."""

    @abc.abstractmethod
    def log_abs_det_weight(self) -> jax.Array:
        r""":math:`\log|\det \mathbf{W}|`."""

    def condition_number(self) -> jax.Array:
        r"""The 2-norm condition number :math:`\sigma_{\max} / \sigma_{\min}` of ``W``.

        A non-zero determinant keeps ``W`` invertible, not well conditioned: a
        round trip loses about :math:`\log_{10}` of this many digits.
        """
        return jnp.linalg.cond(self.weight())

    def transform_and_log_det(self, x, condition=None):
        check_floating(x)
        y = x @ self.weight().T  # the same matrix at every pixel
        return y, num_pixels(self.shape) * self.log_abs_det_weight()


@final
class Invertible1x1Conv(_AbstractChannelMatrix):
    r"""Invertible 1x1 convolution, parameterised by an LU factorisation.

    Every pixel's channel vector is multiplied by the same :math:`C \times C`
    matrix

    .. math::

        \mathbf{W} = P \, L \,
        \bigl(U + \operatorname{diag}(\sigma \odot e^{\lambda})\bigr),

    with :math:`P` a fixed permutation, :math:`L` unit lower triangular,
    :math:`U` strictly upper triangular, :math:`\sigma \in \{-1, +1\}^C` fixed
    signs and :math:`\lambda = \log|s|` trainable. Because every diagonal entry
    :math:`\sigma_c e^{\lambda_c}` is non-zero for any value of the parameters,
    :math:`\mathbf{W}` is invertible by construction, and

    .. math::

        \log\lvert\det \partial y / \partial x\rvert = N \sum_c \lambda_c

    (:math:`N` pixels), an :math:`O(C)` sum instead of an :math:`O(C^3)`
    determinant. The inverse needs no factorisation either: two triangular
    solves with the stored factors, all pixels at once. :meth:`inverse_matrix`
    gives :math:`\mathbf{W}^{-1}` itself, for when one matrix product per pixel
    is faster.

    The factors start from the LU factorisation of a random rotation, as in Glow,
    so the layer starts volume-preserving (all :math:`\lambda_c` near 0, sum 0).
    :math:`P` (``permutation``, a row order) and :math:`\sigma` (``sign``) are
    integer arrays, which no optimiser trains: training moves ``lower``,
    ``upper`` and ``log_abs_s`` only.

    Args:
        key: JAX random key for the initial rotation.
        shape: Event shape, a vector ``(C,)`` or a channels-last image ``(H, W, C)``.

    Example:
        >>> import jax.numpy as jnp, jax.random as jr
        >>> from glowlab import Invertible1x1Conv, moved_from_init
        >>> layer = Invertible1x1Conv(jr.key(0), (4, 4, 3))
        >>> layer = moved_from_init(layer, jr.key(1))  # as training moves it
        >>> y, log_det = layer.transform_and_log_det(jnp.ones((4, 4, 3)))
        >>> y.shape, bool(jnp.isclose(log_det, 16 * layer.log_abs_s.sum()))
        ((4, 4, 3), True)
    """

    shape: tuple[int, ...]
    cond_shape: ClassVar[None] = None
    lower: jax.Array  # only the strictly lower triangle is used
    upper: jax.Array  # only the strictly upper triangle is used
    log_abs_s: jax.Array
    permutation: jax.Array  # integer row order: W[permutation] = L @ U_full
    sign: jax.Array  # integer +1 or -1: the sign of each diagonal entry of U

    def __init__(self, key: jax.Array, shape: tuple[int, ...]):
        self.shape = check_event_shape(shape)
        rotation = random_rotation(key, self.shape[-1])
        lu, _, permutation = jax.lax.linalg.lu(rotation)
        s = jnp.diag(lu)
        self.lower = jnp.tril(lu, -1)
        self.upper = jnp.triu(lu, 1)
        self.log_abs_s = jnp.log(jnp.abs(s))
        self.permutation = permutation
        self.sign = jnp.sign(s).astype(jnp.int32)  # as the permutation

    def factors(self) -> tuple[jax.Array, jax.Array, jax.Array]:
        """The stored factors as matrices: ``(P, L, U)`` with ``W = P @ L @ U``.

        ``L`` has a unit diagonal and ``U`` carries ``sign * exp(log_abs_s)`` on its
        diagonal. They are read from the parameters, not re-factorised from ``W``.
        """
        layer = unwrap(self)  # also on a wrapped layer (paramax)
        eye = jnp.eye(self.shape[-1], dtype=layer.lower.dtype)
        lower = jnp.tril(layer.lower, -1) + eye
        upper = jnp.triu(layer.upper, 1) + jnp.diag(
            layer.sign * jnp.exp(layer.log_abs_s)
        )
        permutation_matrix = eye[:, layer.permutation]  # P[perm[i], i] = 1
        return permutation_matrix, lower, upper

    def weight(self) -> jax.Array:
        """The dense ``C x C`` matrix ``W = P L U``, used by the forward map."""
        _, lower, upper = self.factors()
        # P only reorders rows: W[permutation] = L U, with no C^3 product by P.
        return (lower @ upper)[jnp.argsort(self.permutation)]

    def log_abs_det_weight(self) -> jax.Array:
        r""":math:`\log|\det \mathbf{W}| = \sum_c \lambda_c`, read off the diagonal."""
        return jnp.sum(unwrap(self).log_abs_s)

    def inverse_matrix(self) -> jax.Array:
        r""":math:`\mathbf{W}^{-1} = U^{-1} L^{-1} P^\top`, by two triangular
        solves against the identity: no general matrix is factorised or inverted."""
        _, lower, upper = self.factors()
        eye = jnp.eye(self.shape[-1], dtype=lower.dtype)
        # P^T is the identity's rows reordered: (P^T)[i] = eye[permutation[i]].
        l_inv_pt = solve_triangular(
            lower, eye[self.permutation], lower=True, unit_diagonal=True
        )
        return solve_triangular(upper, l_inv_pt, lower=False)

    def inverse_and_log_det(self, y, condition=None):
        check_floating(y)
        _, lower, upper = self.factors()
        # x = U^-1 L^-1 P^T y. The pixels become the columns of one right-hand
        # side, so the two triangular solves run once for the whole image.
        rhs = y.reshape(-1, self.shape[-1])[:, self.permutation].T
        z = solve_triangular(lower, rhs, lower=True, unit_diagonal=True)
        x = solve_triangular(upper, z, lower=False)
        log_det = -num_pixels(self.shape) * self.log_abs_det_weight()
        return x.T.reshape(self.shape), log_det


@final
class DenseInvertible1x1Conv(_AbstractChannelMatrix):
    r"""Invertible 1x1 convolution with a dense, unconstrained ``C x C`` weight.

    The form most PyTorch tutorials write: :math:`y = \mathbf{W} x` at every pixel,

    .. math::

        \log\lvert\det \partial y / \partial x\rvert
        = N \log\lvert\det \mathbf{W}\rvert

    (:math:`N` pixels), computed with ``slogdet`` in :math:`O(C^3)`, and the
    inverse by a linear solve. Nothing keeps :math:`\mathbf{W}` invertible
    while it is trained: gradient steps can carry :math:`\det \mathbf{W}` to 0.
    :class:`~glowlab.Invertible1x1Conv` is the form that cannot.

    Args:
        key: JAX random key: :math:`\mathbf{W}` starts as a random rotation.
        shape: Event shape, a vector ``(C,)`` or a channels-last image ``(H, W, C)``.

    Example:
        >>> import jax.numpy as jnp, jax.random as jr
        >>> from glowlab import DenseInvertible1x1Conv
        >>> layer = DenseInvertible1x1Conv(jr.key(0), (3,))
        >>> x = jnp.array([1.0, 2.0, 3.0])
        >>> bool(jnp.allclose(layer.inverse(layer.transform(x)), x, atol=1e-6))
        True
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
        r""":math:`\log|\det \mathbf{W}|` by ``slogdet``, an :math:`O(C^3)`
        factorisation."""
        return jnp.linalg.slogdet(self.weight())[1]

    def inverse_and_log_det(self, y, condition=None):
        check_floating(y)
        channels = self.shape[-1]
        x = jnp.linalg.solve(self.weight(), y.reshape(-1, channels).T).T
        return x.reshape(self.shape), -num_pixels(self.shape) * (
            self.log_abs_det_weight()
        )
