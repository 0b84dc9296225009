"""Layers of one structure, stacked for FlowJAX's ``Scan``, and taken apart again."""

import equinox as eqx
import jax
import jax.numpy as jnp


def stack(layers):
    """One layer whose every array has a leading axis, entry ``i`` from
    ``layers[i]``: what ``flowjax.bijections.Scan`` applies one after another.
    The layers must share their structure (built alike, on one shape)."""
    arrays = [eqx.filter(layer, eqx.is_array) for layer in layers]
    rest = eqx.filter(layers[0], eqx.is_array, inverse=True)
    return eqx.combine(jax.tree.map(lambda *a: jnp.stack(a), *arrays), rest)


def unstack(stacked) -> list:
    """The layers in ``stacked`` (a ``Scan``'s bijection), in the order ``Scan``
    applies them: :func:`stack` undone."""
    arrays, rest = eqx.partition(stacked, eqx.is_array)
    count = len(jax.tree.leaves(arrays)[0])
    return [
        eqx.combine(jax.tree.map(lambda a, i=i: a[i], arrays), rest)
        for i in range(count)
    ]
