"""The channel mixers a Glow step can use, and their errors."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from glowlab import (
    DenseInvertible1x1Conv,
    GlowStep,
    Invertible1x1Conv,
    glow,
    split_trainable,
)
from glowlab.permutation import permute_channels, reverse_channels, shuffle_channels


def channel_order(mixer, shape):
    """Which input channel each output channel takes, read off the mixer's map
    at every pixel (one order for all of them)."""
    channels = jnp.broadcast_to(jnp.arange(shape[-1], dtype=float), shape)
    pixels = np.asarray(mixer.transform(channels)).reshape(-1, shape[-1])
    assert (pixels == pixels[0]).all(), "a mixer reorders every pixel alike"
    return pixels[0].astype(int).tolist()


def test_permute_channels_moves_channels_only():
    x = jr.normal(jr.key(0), (2, 3, 4))
    order = jnp.array([2, 0, 3, 1])
    np.testing.assert_array_equal(
        permute_channels(x.shape, order).transform(x), x[..., order]
    )


def test_reverse_and_shuffle():
    shape = (2, 3, 5)
    assert channel_order(reverse_channels(jr.key(1), shape), shape) == [4, 3, 2, 1, 0]
    order = channel_order(shuffle_channels(jr.key(1), shape), shape)
    assert sorted(order) == [0, 1, 2, 3, 4]
    assert order not in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0]), "not shuffled"
    # Drawn from its key, not from a global generator: the same key, the same order.
    assert channel_order(shuffle_channels(jr.key(1), shape), shape) == order


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ([0, 1, 2], "must be 4 integers"),
        ([0.0, 1.0, 2.0, 3.0], "must be 4 integers"),
        ([0, 1, 1, 3], "each channel 0, ..., 3 once"),
    ],
)
def test_permute_channels_rejects_a_bad_order(order, message):
    with pytest.raises(ValueError, match=message):
        permute_channels((2, 2, 4), jnp.asarray(order))


LEARNED = {"lu": Invertible1x1Conv, "dense": DenseInvertible1x1Conv}


def test_rotation_is_the_dense_layers_start_never_trained():
    key, shape = jr.key(3), (2, 2, 4)
    fixed = GlowStep(key, shape, mixer="rotation").mixer
    dense = GlowStep(key, shape, mixer="dense").mixer
    lu = GlowStep(key, shape, mixer="lu").mixer
    assert type(fixed) is DenseInvertible1x1Conv
    np.testing.assert_array_equal(fixed.weight(), dense.weight())
    np.testing.assert_allclose(fixed.weight(), lu.weight(), atol=1e-6)
    w = fixed.weight()
    np.testing.assert_allclose(w @ w.T, jnp.eye(4), atol=1e-6)
    assert not jax.tree.leaves(split_trainable(fixed)[0]), "nothing to train"
    assert jax.tree.leaves(split_trainable(dense)[0])


@pytest.mark.parametrize("mixer", ["lu", "dense", "reverse", "shuffle", "rotation"])
def test_glow_uses_the_mixer_in_every_step(mixer):
    # Two channels, so that each level's orders are drawn from 8 and 16; and
    # JAX's default generator, whose draws under vmap follow each key (the
    # tests' "rbg", tests/conftest.py, need not).
    key = jr.key(0, impl="threefry2x32")
    flow = glow(key, (4, 4, 2), levels=2, steps_per_level=2, hidden=4, mixer=mixer)
    steps = [step for level in range(2) for step in flow.steps(level)]
    if mixer in LEARNED:
        assert all(type(step.mixer) is LEARNED[mixer] for step in steps)
        return
    if mixer == "rotation":
        trainable = split_trainable([step.mixer for step in steps])[0]
        assert not jax.tree.leaves(trainable)
        return
    orders = [channel_order(step.mixer, step.shape) for step in steps]
    reversed_orders = [list(range(step.shape[-1]))[::-1] for step in steps]
    assert all(
        sorted(order) == sorted(r)
        for order, r in zip(orders, reversed_orders, strict=True)
    )
    if mixer == "reverse":
        assert orders == reversed_orders
    else:  # each step draws its own order, from its own key
        assert all(order != r for order, r in zip(orders, reversed_orders, strict=True))
        assert orders[0] != orders[1] and orders[2] != orders[3]


def test_an_unknown_mixer_is_named():
    with pytest.raises(
        ValueError, match="mixer must be one of 'lu', 'dense'.*got 'LU'"
    ):
        GlowStep(jr.key(0), (4,), mixer="LU")
