"""Casting a layer's floating-point parameters, to compare float32 with float64."""

import equinox as eqx
import jax


def astype(tree, dtype):
    """Return ``tree`` with every floating-point array cast to ``dtype``.

    Integer arrays (a permutation, say) are left as they are. JAX promotes a
    float32 input through float64 parameters to float64, so a float32 experiment
    needs float32 parameters too.
    """

    def cast(leaf):
        return leaf.astype(dtype) if eqx.is_inexact_array(leaf) else leaf

    return jax.tree.map(cast, tree)
