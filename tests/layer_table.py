"""The table of layer constructors that every layer test is parametrised over.

Each entry builds a layer on one event shape and moves its trainable parameters
away from their initial values, so a test cannot pass only because a layer
starts as the identity or as a rotation.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from paramax import NonTrainable

from glowlab import (
    ActNorm,
    AffineCoupling,
    DenseInvertible1x1Conv,
    GlowStep,
    Invertible1x1Conv,
    Squeeze,
    glow,
)
from glowlab.data_init import data_init
from glowlab.permutation import reverse_channels, shuffle_channels


def split_trainable(layer):
    """(trainable parameters, everything else), as FlowJAX's training splits them."""
    return eqx.partition(
        layer, eqx.is_inexact_array, is_leaf=lambda x: isinstance(x, NonTrainable)
    )


def moved_from_init(layer, key, scale=0.3):
    """``layer`` with Gaussian noise added to every trainable parameter."""
    params, static = split_trainable(layer)
    leaves, treedef = jax.tree.flatten(params)
    keys = jr.split(key, len(leaves))
    leaves = [
        leaf + scale * jr.normal(k, leaf.shape, leaf.dtype)
        for leaf, k in zip(leaves, keys, strict=True)
    ]
    return eqx.combine(jax.tree.unflatten(treedef, leaves), static)


def _lu(shape):
    return lambda key: moved_from_init(
        Invertible1x1Conv(key, shape), jr.fold_in(key, 1)
    )


def _dense(shape):
    return lambda key: moved_from_init(
        DenseInvertible1x1Conv(key, shape), jr.fold_in(key, 1)
    )


def _actnorm(shape):
    def build(key):
        batch = 2.0 + 3.0 * jr.normal(key, (16, *shape))
        return moved_from_init(ActNorm.from_data(batch), jr.fold_in(key, 1))

    return build


def _coupling(shape):
    return lambda key: moved_from_init(
        AffineCoupling(key, shape, hidden=8), jr.fold_in(key, 1), scale=0.2
    )


def _step(shape, mixer="lu"):
    def build(key):
        batch = 1.0 + 2.0 * jr.normal(key, (16, *shape))
        step = data_init(GlowStep(key, shape, hidden=8, mixer=mixer), batch)
        return moved_from_init(step, jr.fold_in(key, 1), scale=0.2)

    return build


def _glow(shape, levels):
    def build(key):
        batch = jr.uniform(key, (16, *shape))
        flow = glow(key, shape, levels=levels, steps_per_level=2, hidden=4)
        return moved_from_init(data_init(flow, batch), jr.fold_in(key, 1), scale=0.1)

    return build


LAYERS = {
    "lu-vector-1": _lu((1,)),
    "lu-vector-3": _lu((3,)),
    "lu-vector-8": _lu((8,)),
    "lu-image-4x4x2": _lu((4, 4, 2)),
    "lu-image-3x5x4": _lu((3, 5, 4)),
    "lu-image-2x2x16": _lu((2, 2, 16)),
    "dense-vector-3": _dense((3,)),
    "dense-image-4x4x4": _dense((4, 4, 4)),
    "dense-image-2x3x8": _dense((2, 3, 8)),
    "actnorm-vector-5": _actnorm((5,)),
    "actnorm-image-4x3x3": _actnorm((4, 3, 3)),
    "actnorm-image-2x2x1": _actnorm((2, 2, 1)),
    "coupling-vector-2": _coupling((2,)),
    "coupling-vector-5": _coupling((5,)),
    "coupling-image-4x4x2": _coupling((4, 4, 2)),
    "coupling-image-3x2x5": _coupling((3, 2, 5)),
    "step-vector-4": _step((4,)),
    "step-image-4x4x4": _step((4, 4, 4)),
    "step-vector-4-dense": _step((4,), "dense"),
    "step-vector-5-reverse": _step((5,), "reverse"),
    "step-vector-6-shuffle": _step((6,), "shuffle"),
    "glow-4x4x1-2-levels": _glow((4, 4, 1), 2),
    "glow-4x8x2-1-level": _glow((4, 8, 2), 1),
    "squeeze-4x4x1": lambda key: Squeeze((4, 4, 1)),
    "squeeze-2x6x3": lambda key: Squeeze((2, 6, 3)),
    "reverse-vector-5": lambda key: reverse_channels((5,)),
    "shuffle-image-3x2x6": lambda key: shuffle_channels(key, (3, 2, 6)),
}

# Layers whose log-det is 0 by design, and layers with nothing to train.
VOLUME_PRESERVING = {
    "squeeze-4x4x1",
    "squeeze-2x6x3",
    "reverse-vector-5",
    "shuffle-image-3x2x6",
}
NO_PARAMETERS = VOLUME_PRESERVING
# Fixed permutations (FlowJAX's Permute) reorder integers as well as floats.
PERMUTATIONS = {"reverse-vector-5", "shuffle-image-3x2x6"}

LAYER_CLASSES = {
    "Invertible1x1Conv": lambda shape: Invertible1x1Conv(jr.key(0), shape),
    "DenseInvertible1x1Conv": lambda shape: DenseInvertible1x1Conv(jr.key(0), shape),
    "ActNorm": ActNorm,
    "AffineCoupling": lambda shape: AffineCoupling(jr.key(0), shape),
    "GlowStep": lambda shape: GlowStep(jr.key(0), shape),
}


def event(layer, key, dtype=jnp.float64):
    """A random event of the layer's shape, with values of order 1 to 3."""
    return (2.0 * jr.normal(key, layer.shape)).astype(dtype)


def output_event(layer, key, dtype=jnp.float64):
    """A random event of the layer's output shape (Squeeze changes the shape)."""
    shape = getattr(layer, "out_shape", layer.shape)
    return (2.0 * jr.normal(key, shape)).astype(dtype)


def sum_of_parts_log_det(layers, x):
    """The layers' log-dets, each at the activations that reach it, added."""
    total, h = 0.0, x
    for layer in layers:
        h, log_det = layer.transform_and_log_det(h)
        total = total + log_det
    return total
