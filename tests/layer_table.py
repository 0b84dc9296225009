"""The table of layer constructors that the generic layer tests run over.

FlowJAX's pattern (its tests/test_bijections/test_bijections.py): one table of
constructors, a few tests over it. Each entry builds a layer on one event shape
and moves its trainable parameters away from their initial values, so a test
cannot pass only because a layer starts as the identity or as a rotation.
"""

import functools

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr

from glowlab import (
    ActNorm,
    AffineCoupling,
    DenseInvertible1x1Conv,
    GlowStep,
    Invertible1x1Conv,
    Squeeze,
    data_init,
    glow,
    moved_from_init,
    shuffle_channels,
)
from glowlab import log_det_by_autodiff as _log_det_by_autodiff
from glowlab import round_trip_error as _round_trip_error

# glowlab's checks, compiled: run eagerly, a Jacobian compiles op by op, which
# took most of the layer tests' time.
log_det_by_autodiff = eqx.filter_jit(_log_det_by_autodiff)
round_trip_error = eqx.filter_jit(_round_trip_error)


def _lu(key, shape):
    return moved_from_init(Invertible1x1Conv(key, shape), jr.fold_in(key, 1))


def _dense(key, shape):
    return moved_from_init(DenseInvertible1x1Conv(key, shape), jr.fold_in(key, 1))


def _actnorm(key, shape):
    batch = 2.0 + 3.0 * jr.normal(key, (16, *shape))
    return moved_from_init(ActNorm.from_data(batch), jr.fold_in(key, 1))


def _coupling(key, shape):
    return moved_from_init(
        AffineCoupling(key, shape, hidden=8), jr.fold_in(key, 1), scale=0.2
    )


def _step(key, shape, mixer="lu"):
    batch = 1.0 + 2.0 * jr.normal(key, (16, *shape))
    step = data_init(GlowStep(key, shape, hidden=4, mixer=mixer), batch)
    return moved_from_init(step, jr.fold_in(key, 1), scale=0.2)


def _glow(key, shape, split_prior=False):
    batch = jr.uniform(key, (16, *shape))
    flow = glow(
        key, shape, levels=2, steps_per_level=1, hidden=4, split_prior=split_prior
    )
    return moved_from_init(data_init(flow, batch), jr.fold_in(key, 1), scale=0.1)


# Each kind of layer, built on any event shape it accepts from a key.
KINDS = {
    "lu": _lu,
    "dense": _dense,
    "actnorm": _actnorm,
    "coupling": _coupling,
    "step": _step,
    "step-shuffle": lambda key, shape: _step(key, shape, "shuffle"),
    "glow": _glow,
    "glow-prior": lambda key, shape: _glow(key, shape, split_prior=True),
    "squeeze": lambda key, shape: Squeeze(shape),
    "shuffle": shuffle_channels,
}

# The table: each kind on the shapes that take its code paths. Compiling
# dominates the tests' time, so a second shape is here only where it takes
# another path. The image step is the Glow's first-level step (2x2x4, hidden
# width 4), as are the steps of tests/test_glow_step.py: their programs compile
# once.
SHAPES = {
    "lu": [(1,), (3, 5, 4)],  # one channel: nothing off the diagonal
    "dense": [(3,), (2, 3, 8)],
    "actnorm": [(5,), (4, 3, 3)],  # statistics over the batch (and the pixels)
    "coupling": [(5,), (3, 2, 5)],  # 2 + 3 channels, by the MLP and the 3x3 convs
    "step": [(4,), (2, 2, 4)],
    "step-shuffle": [(5,)],  # FlowJAX's Permute as the mixer
    "glow": [(4, 4, 1)],  # two levels: a split hands half the channels on
    "glow-prior": [(4, 4, 1)],  # and Glow's learned prior for the other half
    "squeeze": [(2, 6, 3)],
    "shuffle": [(3, 2, 6)],
}


def entry_name(kind: str, shape: tuple[int, ...]) -> str:
    """``"lu-image-3x5x4"``: the kind, vector or image, and the shape."""
    form = "vector" if len(shape) == 1 else "image"
    return f"{kind}-{form}-{'x'.join(map(str, shape))}"


LAYERS = {
    entry_name(kind, shape): functools.partial(KINDS[kind], shape=shape)
    for kind, shapes in SHAPES.items()
    for shape in shapes
}


@functools.cache
def built(name: str, seed: int = 0):
    """The table's layer ``name`` from ``jr.key(seed)``, built once per test
    process: layers are immutable, and building a Glow (its data_init) is slow."""
    return LAYERS[name](jr.key(seed))


# Layers whose log-det is 0 by design.
VOLUME_PRESERVING = {"squeeze-image-2x6x3", "shuffle-image-3x2x6"}
# FlowJAX's own Permute, which glowlab only builds (shuffle_channels).
FLOWJAX_OWN = {"shuffle-image-3x2x6"}


def event(layer, key, dtype=jnp.float64):
    """A random event of the layer's shape, with values of order 1 to 3."""
    return (2.0 * jr.normal(key, layer.shape)).astype(dtype)


def output_event(layer, key, dtype=jnp.float64):
    """A random event of the layer's output shape (Squeeze changes the shape)."""
    shape = getattr(layer, "out_shape", layer.shape)
    return (2.0 * jr.normal(key, shape)).astype(dtype)
