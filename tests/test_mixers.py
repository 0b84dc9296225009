"""The channel mixers a Glow step can use, and their errors."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from glowlab import GlowStep, glow
from glowlab.permutation import permute_channels, reverse_channels, shuffle_channels


def test_permute_channels_moves_channels_only():
    x = jr.normal(jr.key(0), (2, 3, 4))
    order = jnp.array([2, 0, 3, 1])
    np.testing.assert_array_equal(
        permute_channels(x.shape, order).transform(x), x[..., order]
    )


def test_reverse_and_shuffle():
    x = jr.normal(jr.key(0), (5,))
    np.testing.assert_array_equal(
        reverse_channels(jr.key(1), (5,)).transform(x), x[::-1]
    )
    shuffled = shuffle_channels(jr.key(1), (5,)).transform(x)
    np.testing.assert_array_equal(jnp.sort(shuffled), jnp.sort(x))
    # Fixed by its key: the same key gives the same order.
    np.testing.assert_array_equal(
        shuffle_channels(jr.key(1), (5,)).transform(x), shuffled
    )


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


@pytest.mark.parametrize("mixer", ["lu", "dense", "reverse", "shuffle"])
def test_glow_uses_the_mixer_in_every_step(mixer):
    flow = glow(
        jr.key(0), (4, 4, 1), levels=2, steps_per_level=2, hidden=4, mixer=mixer
    )
    kinds = {type(step.mixer) for level in range(2) for step in flow.steps(level)}
    assert kinds == {type(GlowStep(jr.key(0), (4,), mixer=mixer).mixer)}


def test_an_unknown_mixer_is_named():
    with pytest.raises(
        ValueError, match="mixer must be one of 'lu', 'dense'.*got 'LU'"
    ):
        GlowStep(jr.key(0), (4,), mixer="LU")
