"""ActNorm's data-dependent initialisation, and its errors."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from glowlab import ActNorm


@pytest.mark.parametrize("shape", [(3,), (5, 4, 2), (2, 3, 1)])
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_from_data_standardises_each_channel(shape, dtype):
    channel_means = jnp.arange(shape[-1]) - 1.0
    channel_stds = 0.5 + jnp.arange(shape[-1])
    batch = (channel_means + channel_stds * jr.normal(jr.key(0), (64, *shape))).astype(
        dtype
    )
    layer = ActNorm.from_data(batch)
    assert layer.shape == shape
    assert layer.loc.dtype == dtype and layer.log_scale.dtype == dtype
    out = jax.vmap(layer.transform)(batch)
    axes = tuple(range(out.ndim - 1))
    tol = 1e-5 if dtype == jnp.float32 else 1e-12
    np.testing.assert_allclose(jnp.mean(out, axis=axes), 0.0, atol=tol)
    np.testing.assert_allclose(jnp.std(out, axis=axes), 1.0, atol=tol)


def test_default_layer_is_the_identity():
    layer = ActNorm((4, 4, 3))
    x = jr.normal(jr.key(0), layer.shape)
    y, log_det = layer.transform_and_log_det(x)
    np.testing.assert_array_equal(y, x)
    assert float(log_det) == 0.0


def test_from_data_traces_under_jit():
    batch = jr.normal(jr.key(0), (16, 3))
    eager, jitted = ActNorm.from_data(batch), eqx.filter_jit(ActNorm.from_data)(batch)
    np.testing.assert_allclose(jitted.loc, eager.loc, rtol=1e-12)
    np.testing.assert_allclose(jitted.log_scale, eager.log_scale, rtol=1e-12)


def test_scale_is_positive_for_any_parameter():
    layer = eqx.tree_at(lambda a: a.log_scale, ActNorm((3,)), jnp.array([-50.0, 0, 50]))
    assert bool(jnp.all(layer.scale > 0))


def test_constant_channel_raises_and_names_it():
    batch = jr.normal(jr.key(0), (10, 4)).at[:, 2].set(7.0)
    with pytest.raises(ValueError, match=r"channel\(s\) \[2\] are constant"):
        ActNorm.from_data(batch)


def test_constant_channel_raises_under_jit():
    batch = jr.normal(jr.key(0), (10, 4)).at[:, 1].set(7.0)
    with pytest.raises(Exception, match="constant channel"):
        eqx.filter_jit(ActNorm.from_data)(batch)


def test_constant_channel_centred_on_request():
    batch = jr.normal(jr.key(0), (10, 3, 3, 4)).at[..., 1].set(7.0)
    layer = ActNorm.from_data(batch, constant_channels="centre")
    assert float(layer.loc[1]) == pytest.approx(7.0)
    assert float(layer.scale[1]) == 1.0
    out = jax.vmap(layer.transform)(batch)
    assert bool(jnp.all(jnp.isfinite(out)))
    np.testing.assert_allclose(out[..., 1], 0.0, atol=1e-12)
    np.testing.assert_allclose(jnp.std(out[..., 0]), 1.0, rtol=1e-12)


def test_single_event_batch_is_constant_everywhere():
    with pytest.raises(ValueError, match="a batch of 1 event"):
        ActNorm.from_data(jr.normal(jr.key(0), (1, 3)))


@pytest.mark.parametrize(
    ("batch", "error", "match"),
    [
        (jnp.zeros((0, 3)), ValueError, "empty"),
        (jnp.ones((4, 4, 3)), ValueError, r"\(N, C\) or \(N, H, W, C\)"),
        (jnp.ones((3,)), ValueError, "leading batch axis"),
        (jnp.ones((4, 3)).at[1, 1].set(jnp.nan), ValueError, "non-finite"),
        (jnp.ones((4, 3)).at[0, 0].set(jnp.inf), ValueError, "non-finite"),
        (jnp.ones((4, 3), dtype=jnp.int32), TypeError, "floating-point"),
        ([[1.0, 2.0], [3.0, 4.0]], TypeError, "must be an array"),
        (jnp.ones((4, 2, 0, 3)), ValueError, "empty event axis"),
    ],
)
def test_bad_batches_raise(batch, error, match):
    with pytest.raises(error, match=match):
        ActNorm.from_data(batch)


def test_non_finite_batch_raises_under_jit():
    batch = jnp.ones((4, 3)).at[1, 1].set(jnp.nan)
    with pytest.raises(Exception, match="non-finite"):
        eqx.filter_jit(ActNorm.from_data)(batch)


def test_unknown_constant_channel_option_raises():
    with pytest.raises(ValueError, match="constant_channels"):
        ActNorm.from_data(jr.normal(jr.key(0), (4, 3)), constant_channels="ignore")


@pytest.mark.parametrize("size", [1e-30, 1e-6, 1e6, 1e30])
def test_extreme_activations_stay_finite_both_ways(size):
    batch = size * (1.0 + jr.normal(jr.key(0), (32, 3, 3, 2)))
    layer = ActNorm.from_data(batch)
    y = jax.vmap(layer.transform)(batch)
    assert bool(jnp.all(jnp.isfinite(y)))
    np.testing.assert_allclose(jnp.std(y, axis=(0, 1, 2)), 1.0, rtol=1e-6)
    x_back = jax.vmap(layer.inverse)(y)
    assert bool(jnp.all(jnp.isfinite(x_back)))
    np.testing.assert_allclose(x_back, batch, rtol=1e-9, atol=size * 1e-12)
