"""The invertible 1x1 convolution in LU form (Kingma & Dhariwal, 2018)."""

from typing import ClassVar

import jax
import jax.numpy as jnp
from flowjax.bijections import AbstractBijection
from jax.scipy.linalg import solve_triangular
from paramax import NonTrainable, unwrap

from glowlab._shapes import check_event_shape, check_floating, num_pixels
from glowlab.rotation import random_rotation

# Up to this many channels the inverse forms W^-1 from the factors once and
# multiplies; above, it solves with the factors at every pixel. On the CPU, many
# small triangular solves are slow: the product is 1.4-4x faster than a dense
# solve for C <= 128, the solves faster above (benchmarks/bench_conv1x1.py).
_SMALL_CHANNELS = 128


class Invertible1x1Conv(AbstractBijection):
    r"""Invertible 1x1 convolution, parameterised by an LU factorisation.

    Every pixel's channel vector is multiplied by the same :math:`C \times C`
    matrix

    .. math::

        W = P \, L \, \bigl(U + \operatorname{diag}(\sigma \odot e^{\lambda})\bigr),

    with :math:`P` a fixed permutation, :math:`L` unit lower triangular,
    :math:`U` strictly upper triangular, :math:`\sigma \in \{-1, +1\}^C` fixed
    signs and :math:`\lambda = \log|s|` trainable. Because every diagonal entry
    :math:`\sigma_c e^{\lambda_c}` is non-zero for any value of the parameters,
    :math:`W` is invertible by construction, and

    .. math::

        \log\lvert\det \partial y / \partial x\rvert
        = (\text{number of pixels}) \sum_c \lambda_c,

    an :math:`O(C)` sum instead of an :math:`O(C^3)` determinant. The inverse
    needs no factorisation either: two triangular solves with the stored factors,
    against the identity for :math:`C \le 128` (giving :math:`W^{-1}` once, then
    one matrix product for every pixel: faster on the CPU) and against the pixels
    themselves for larger :math:`C`.

    The factors start from the LU factorisation of a random rotation, as in Glow,
    so the layer starts volume-preserving (all :math:`\lambda_c` near 0, sum 0).

    Args:
        key: JAX random key for the initial rotation.
        shape: Event shape, a vector ``(C,)`` or a channels-last image ``(H, W, C)``.
    """

    shape: tuple[int, ...]
    cond_shape: ClassVar[None] = None
    permutation: jax.Array  # integer row order: W[permutation] = L @ U_full
    lower: jax.Array  # only the strictly lower triangle is used
    upper: jax.Array  # only the strictly upper triangle is used
    log_abs_s: jax.Array
    sign: NonTrainable

    def __init__(self, key: jax.Array, shape: tuple[int, ...]):
        self.shape = check_event_shape(shape)
        rotation = random_rotation(key, self.shape[-1])
        lu, _, permutation = jax.lax.linalg.lu(rotation)
        s = jnp.diag(lu)
        self.permutation = permutation
        self.lower = jnp.tril(lu, -1)
        self.upper = jnp.triu(lu, 1)
        self.log_abs_s = jnp.log(jnp.abs(s))
        self.sign = NonTrainable(jnp.sign(s))

    def factors(self) -> tuple[jax.Array, jax.Array, jax.Array]:
        """The stored factors as matrices: ``(P, L, U)`` with ``W = P @ L @ U``.

        ``L`` has a unit diagonal and ``U`` carries ``sign * exp(log_abs_s)`` on its
        diagonal. They are read from the parameters, not re-factorised from ``W``.
        """
        layer = unwrap(self)
        channels = self.shape[-1]
        eye = jnp.eye(channels, dtype=layer.lower.dtype)
        lower = jnp.tril(layer.lower, -1) + eye
        upper = jnp.triu(layer.upper, 1) + jnp.diag(
            layer.sign * jnp.exp(layer.log_abs_s)
        )
        permutation_matrix = eye[:, layer.permutation]  # P[perm[i], i] = 1
        return permutation_matrix, lower, upper

    def weight(self) -> jax.Array:
        """The dense ``C x C`` matrix ``W = P L U``, used by the forward map."""
        layer = unwrap(self)
        _, lower, upper = self.factors()
        # P only reorders rows: W[permutation] = L U, with no C^3 product by P.
        return (lower @ upper)[jnp.argsort(layer.permutation)]

    def log_abs_det_weight(self) -> jax.Array:
        r""":math:`\log|\det W| = \sum_c \lambda_c`, read off the diagonal."""
        return jnp.sum(unwrap(self).log_abs_s)

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

    def inverse_matrix(self) -> jax.Array:
        r""":math:`W^{-1} = U^{-1} L^{-1} P^\top`, by two triangular solves against
        the identity: no general matrix is factorised or inverted."""
        _, lower, upper = self.factors()
        eye = jnp.eye(self.shape[-1], dtype=lower.dtype)
        # P^T is the identity's rows reordered: (P^T)[i] = eye[permutation[i]].
        l_inv_pt = solve_triangular(
            lower, eye[self.permutation], lower=True, unit_diagonal=True
        )
        return solve_triangular(upper, l_inv_pt, lower=False)

    def inverse_and_log_det(self, y, condition=None):
        check_floating(y)
        channels = self.shape[-1]
        log_det = -num_pixels(self.shape) * self.log_abs_det_weight()
        pixels = y.reshape(-1, channels)
        if channels <= _SMALL_CHANNELS:
            # W^-1 once (it does not depend on y, so under vmap it is computed
            # once per batch), then one matrix product over all pixels.
            return (pixels @ self.inverse_matrix().T).reshape(self.shape), log_det
        _, lower, upper = self.factors()
        # Pixels become the columns of one right-hand side, so the two triangular
        # solves run once for the whole image.
        rhs = pixels[:, self.permutation].T
        z = solve_triangular(lower, rhs, lower=True, unit_diagonal=True)
        x = solve_triangular(upper, z, lower=False)
        return x.T.reshape(self.shape), log_det
