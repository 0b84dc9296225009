"""The training helpers the chapters share: one optimiser step, parameters
moved off their initial values, and the two moons."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest
from flowjax.bijections import Chain, Invert
from flowjax.distributions import StandardNormal, Transformed
from paramax import non_trainable

from glowlab import (
    DenseInvertible1x1Conv,
    Invertible1x1Conv,
    moons,
    moved_from_init,
    split_trainable,
    training_step,
)


def nll(model, x):
    return -jnp.mean(model.log_prob(x))


@pytest.fixture
def model_and_data():
    key = jr.key(0)
    layer = moved_from_init(Invertible1x1Conv(key, (3,)), jr.fold_in(key, 1))
    x = 1.5 * jr.normal(jr.fold_in(key, 2), (64, 3))
    return Transformed(StandardNormal((3,)), Invert(layer)), x


def test_training_step_is_the_hand_written_step(model_and_data):
    """Three Adam steps by the helper and by hand agree bit for bit."""
    model, x = model_and_data
    optimizer = optax.adam(1e-2)
    step = training_step(nll, optimizer)
    state = optimizer.init(split_trainable(model)[0])

    params, static = split_trainable(model)
    hand_state = optimizer.init(params)

    @jax.jit
    def hand_step(params, state):
        loss, grads = jax.value_and_grad(lambda p: nll(eqx.combine(p, static), x))(
            params
        )
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    for _ in range(3):
        model, state, loss = step(model, state, x)
        params, hand_state, hand_loss = hand_step(params, hand_state)
        assert float(loss) == float(hand_loss)
    trained, _ = split_trainable(model)
    for a, b in zip(jax.tree.leaves(trained), jax.tree.leaves(params), strict=True):
        np.testing.assert_array_equal(a, b)


def test_training_step_lowers_the_loss(model_and_data):
    model, x = model_and_data
    optimizer = optax.adam(1e-2)
    step = training_step(nll, optimizer)
    state = optimizer.init(split_trainable(model)[0])
    start = float(nll(model, x))
    for _ in range(50):
        model, state, _ = step(model, state, x)
    assert float(nll(model, x)) < start - 0.1


def test_moved_from_init_moves_every_trainable_part_and_no_fixed_one():
    # Fixed: the LU layer's integers, and a layer frozen with non_trainable.
    model = Chain(
        [
            Invertible1x1Conv(jr.key(0), (4,)),
            non_trainable(DenseInvertible1x1Conv(jr.key(1), (4,))),
        ]
    )
    moved = moved_from_init(model, jr.key(2))
    (before, fixed_before), (after, fixed_after) = map(split_trainable, (model, moved))
    assert len(jax.tree.leaves(before)) == 3  # lower, upper, log_abs_s
    for a, b in zip(jax.tree.leaves(before), jax.tree.leaves(after), strict=True):
        assert np.all(np.asarray(a) != np.asarray(b))
    fixed_before, fixed_after = (
        jax.tree.leaves(eqx.filter(f, eqx.is_array))
        for f in (fixed_before, fixed_after)
    )
    assert len(fixed_before) == 3  # permutation, sign, the frozen matrix
    for a, b in zip(fixed_before, fixed_after, strict=True):
        np.testing.assert_array_equal(a, b)


def test_moons_lie_on_two_half_circles():
    points = moons(jr.key(0), 4000, noise=0.0)
    assert points.shape == (4000, 2)
    upper = jnp.hypot(points[:, 0], points[:, 1])
    lower = jnp.hypot(points[:, 0] - 1, points[:, 1] - 0.5)
    # Without noise each point is on the unit circle about (0, 0) or (1, 0.5).
    distance = jnp.minimum(jnp.abs(upper - 1), jnp.abs(lower - 1))
    assert float(distance.max()) < 1e-5
    # Each moon gets about half of them.
    assert 0.45 < float(jnp.mean(jnp.abs(upper - 1) < 1e-5)) < 0.55
    np.testing.assert_array_equal(points, moons(jr.key(0), 4000, noise=0.0))


@pytest.mark.parametrize(
    ("n", "noise", "message"), [(0, 0.08, "n >= 1"), (10, -0.1, "noise >= 0")]
)
def test_moons_reject_bad_arguments(n, noise, message):
    with pytest.raises(ValueError, match=message):
        moons(jr.key(0), n, noise)
