"""Random rotations, the initial weight of Glow's 1x1 convolution."""

import jax
import jax.numpy as jnp
import jax.random as jr


def random_rotation(key: jax.Array, channels: int) -> jax.Array:
    r"""A random orthogonal ``channels x channels`` matrix with :math:`\det = +1`.

    ``jax.random.orthogonal``'s Haar-distributed draw (the Q factor of a Gaussian
    matrix, with the signs of R's diagonal folded in; Mezzadri, 2007), then one
    column negated if needed so that :math:`\det Q = +1`. Its :math:`\log|\det|`
    is 0: the layer starts volume-preserving.
    """
    q = jr.orthogonal(key, channels)
    return q.at[:, 0].multiply(jnp.sign(jnp.linalg.det(q)))
