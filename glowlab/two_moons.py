r"""Two interleaved half-moons: the 2-D toy density of chapters 3 and 4.

A point takes an angle :math:`\theta \sim U(0, \pi)` on the upper moon
:math:`(\cos\theta, \sin\theta)` or, with probability one half, on the lower one
:math:`(1 - \cos\theta, \tfrac12 - \sin\theta)`, plus Gaussian noise. It is
generated, so nothing is downloaded.
"""

import jax
import jax.numpy as jnp
import jax.random as jr


def moons(key: jax.Array, n: int, noise: float = 0.08) -> jax.Array:
    """``n`` points of the two moons, shape ``(n, 2)``, with noise of standard
    deviation ``noise`` added to each coordinate."""
    if n < 1:
        raise ValueError(f"moons needs n >= 1 points, got n={n}")
    if noise < 0:
        raise ValueError(f"moons needs noise >= 0, got noise={noise}")
    k1, k2, k3 = jr.split(key, 3)
    angle = jr.uniform(k1, (n,)) * jnp.pi
    upper = jr.bernoulli(k2, 0.5, (n,))
    x = jnp.where(upper, jnp.cos(angle), 1 - jnp.cos(angle))
    y = jnp.where(upper, jnp.sin(angle), 0.5 - jnp.sin(angle))
    return jnp.stack([x, y], axis=1) + noise * jr.normal(k3, (n, 2))
