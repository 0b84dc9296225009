"""Random rotations, the initial weight of Glow's 1x1 convolution."""

import jax
import jax.numpy as jnp
import jax.random as jr


def random_rotation(key: jax.Array, channels: int) -> jax.Array:
    r"""A random orthogonal ``channels x channels`` matrix with :math:`\det = +1`.

    The Q factor of a Gaussian matrix, with the signs of R's diagonal folded in so
    that Q is Haar-distributed (Mezzadri, 2007), then one column negated if needed so
    that :math:`\det Q = +1`. Its :math:`\log|\det|` is 0: the layer starts
    volume-preserving.
    """
    gaussian = jr.normal(key, (channels, channels))
    q, r = jnp.linalg.qr(gaussian)
    q = q * jnp.sign(jnp.diag(r))
    flip = jnp.sign(jnp.linalg.det(q))
    return q.at[:, 0].multiply(flip)
