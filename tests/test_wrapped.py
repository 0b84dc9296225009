"""Every public helper works on a layer as FlowJAX wraps it.

FlowJAX's bijection methods unwrap the layer themselves. Its users freeze a
layer with ``paramax.non_trainable``, re-parameterise a parameter with
``paramax.Parameterize``, and call the helpers (a layer's weight, its condition
number, ActNorm's scale, a Glow's level latents) on the layer as it is: each
must give the arrays it gives on the plain layer, not a wrapper.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from paramax import NonTrainable, Parameterize, non_trainable, unwrap

from glowlab import (
    ActNorm,
    DenseInvertible1x1Conv,
    GlowStep,
    Invertible1x1Conv,
    MultiScaleGlow,
)
from tests.layer_table import LAYERS, event

# The public helpers of each layer class, each called on a layer.
HELPERS = {
    ActNorm: {"scale": lambda layer: layer.scale},
    DenseInvertible1x1Conv: {
        "weight": lambda layer: layer.weight(),
        "log_abs_det_weight": lambda layer: layer.log_abs_det_weight(),
        "condition_number": lambda layer: layer.condition_number(),
    },
    Invertible1x1Conv: {
        "factors": lambda layer: layer.factors(),
        "weight": lambda layer: layer.weight(),
        "log_abs_det_weight": lambda layer: layer.log_abs_det_weight(),
        "condition_number": lambda layer: layer.condition_number(),
        "inverse_matrix": lambda layer: layer.inverse_matrix(),
    },
    GlowStep: {"layers": lambda layer: layer.layers},
    MultiScaleGlow: {
        "level_latents": lambda layer: layer.level_latents(event(layer, jr.key(2))),
        "steps": lambda layer: layer.steps(1),
    },
}

# One layer of each class with helpers (one compile each keeps this quick).
NAMES = [
    "actnorm-image-4x3x3",
    "dense-image-2x3x8",
    "lu-image-3x5x4",
    "step-vector-4",
    "glow-image-4x4x1",
]


def parameterized(layer):
    """Every floating-point parameter stored as ``Parameterize(negative, -p)``."""
    return jax.tree.map(
        lambda a: Parameterize(jnp.negative, -a) if eqx.is_inexact_array(a) else a,
        layer,
        is_leaf=lambda x: isinstance(x, NonTrainable),
    )


WRAPPERS = {"non_trainable": non_trainable, "parameterize": parameterized}

CASES = [
    (name, helper, wrapper)
    for name in NAMES
    for helper in HELPERS[type(LAYERS[name](jr.key(0)))]
    for wrapper in WRAPPERS
]


@pytest.mark.parametrize(("name", "helper", "wrapper"), CASES)
def test_helpers_work_on_wrapped_layers(name, helper, wrapper):
    layer = LAYERS[name](jr.key(0))
    call = HELPERS[type(layer)][helper]
    wrapped = WRAPPERS[wrapper](layer)
    assert not eqx.tree_equal(wrapped, layer), "the wrapper changed nothing"
    expected, got = call(layer), call(wrapped)
    if helper in ("layers", "steps"):  # a container gives its layers wrapped
        got = unwrap(got)
    # Arrays only: a step's layers also hold functions (the activations).
    expected_leaves = jax.tree.leaves(eqx.filter(expected, eqx.is_array))
    got_leaves = jax.tree.leaves(eqx.filter(got, eqx.is_array))
    assert got_leaves
    assert len(got_leaves) == len(expected_leaves)
    for a, b in zip(got_leaves, expected_leaves, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_every_layer_class_with_helpers_is_covered():
    covered = {type(LAYERS[name](jr.key(0))) for name in NAMES}
    assert covered == set(HELPERS)
