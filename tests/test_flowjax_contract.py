"""FlowJAX's contract, for every bijection in the layer table.

What FlowJAX's own tests ask of its bijections, asked of glowlab's: built and run
with float64 off, wrapped by `Invert`, composed by `Chain` and `Scan`, mapped by
`Vmap` over batched parameters, fed numpy arrays (and not lists), sampled through
`Transformed`, and trained by `fit_to_data`.

`Squeeze` is left out: it changes the event's shape, which a FlowJAX bijection
never does, so it is not an `AbstractBijection` (see its docstring).

Forward passes, densities and samples are compiled, as a training loop compiles
them: run eagerly, every operation of a Glow on each new shape compiled on its
own, which took most of these tests' time. test_layers.py calls layers eagerly.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from flowjax.bijections import AbstractBijection, Chain, Invert, Scan, Vmap
from flowjax.distributions import StandardNormal, Transformed
from flowjax.train import fit_to_data

from glowlab import Squeeze
from tests.layer_table import (
    LAYERS,
    built,
    event,
    log_det_by_autodiff,
    round_trip_error,
)

# One entry of the table per kind of bijection: the contract is about how a
# layer meets FlowJAX, which the layer's shape does not change. The fixed
# permutations are FlowJAX's own Permute.
BIJECTIONS = {
    name: LAYERS[name]
    for name in [
        "lu-image-3x5x4",
        "dense-vector-3",
        "actnorm-image-4x3x3",
        "coupling-image-3x2x5",
        "step-vector-4",
        "step-shuffle-vector-5",
        "glow-image-4x4x1",
    ]
}
# Float64 references; float32 runs are compared with bounds for 7-digit
# arithmetic through a few layers of order-1 values.
RTOL_64, RTOL_32 = 1e-9, 2e-4


def x64_off():
    """A context with float64 off, as in a user's default JAX session."""
    if hasattr(jax, "enable_x64"):  # jax >= 0.6
        return jax.enable_x64(False)
    from jax.experimental import disable_x64

    return disable_x64()


def stacked(name, count=3):
    """Several of the table's layers, their arrays stacked on a new leading axis."""
    layers = [built(name, i) for i in range(count)]
    arrays = [eqx.filter(layer, eqx.is_array) for layer in layers]
    static = eqx.filter(layers[0], eqx.is_array, inverse=True)
    return layers, eqx.combine(jax.tree.map(lambda *a: jnp.stack(a), *arrays), static)


def test_squeeze_is_not_a_flowjax_bijection():
    squeeze = Squeeze((4, 4, 1))
    assert not isinstance(squeeze, AbstractBijection)
    assert squeeze.out_shape != squeeze.shape


@pytest.mark.parametrize("name", BIJECTIONS)
def test_is_a_flowjax_bijection(name):
    assert isinstance(built(name), AbstractBijection)


@pytest.mark.parametrize("name", BIJECTIONS)
def test_float32_native_with_x64_off(name):
    """Built, run and differentiated in float32 with no float64 anywhere."""
    with x64_off():
        layer = BIJECTIONS[name](jr.key(0))
        floats = [x for x in jax.tree.leaves(layer) if eqx.is_inexact_array(x)]
        assert floats and {x.dtype for x in floats} == {jnp.dtype(jnp.float32)}
        x = event(layer, jr.key(1), jnp.float32)
        y, log_det = eqx.filter_jit(layer.transform_and_log_det)(x)
        assert y.dtype == log_det.dtype == jnp.float32
        assert float(round_trip_error(layer, x)) < 1e-3
        by_autodiff = log_det_by_autodiff(layer, x)
        np.testing.assert_allclose(log_det, by_autodiff, rtol=RTOL_32, atol=1e-3)


@pytest.mark.parametrize("name", BIJECTIONS)
def test_invert_swaps_the_directions(name):
    layer = built(name)
    x = event(layer, jr.key(1))
    inverted = Invert(layer)
    y, log_det = inverted.transform_and_log_det(x)
    x_back, log_det_back = layer.inverse_and_log_det(x)
    np.testing.assert_allclose(y, x_back, rtol=RTOL_64)
    np.testing.assert_allclose(log_det, log_det_back, rtol=RTOL_64)
    np.testing.assert_allclose(inverted.inverse(y), x, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", BIJECTIONS)
def test_scan_equals_chain_of_the_same_layers(name):
    layers, stack = stacked(name)
    x = event(layers[0], jr.key(1))
    y_scan, log_det_scan = Scan(stack).transform_and_log_det(x)
    y_chain, log_det_chain = Chain(layers).transform_and_log_det(x)
    np.testing.assert_allclose(y_scan, y_chain, rtol=RTOL_64, atol=1e-12)
    np.testing.assert_allclose(log_det_scan, log_det_chain, rtol=RTOL_64)
    x_back = Scan(stack).inverse(y_scan)
    np.testing.assert_allclose(x_back, x, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", BIJECTIONS)
def test_vmap_over_batched_parameters(name):
    """Each event of the batch meets its own parameters; log-dets add."""
    layers, stack = stacked(name)
    mapped = Vmap(stack, in_axes=eqx.if_array(0))
    assert mapped.shape == (3, *layers[0].shape)
    x = jnp.stack([event(layer, jr.key(i)) for i, layer in enumerate(layers)])
    y, log_det = eqx.filter_jit(mapped.transform_and_log_det)(x)
    for i, layer in enumerate(layers):
        np.testing.assert_allclose(y[i], layer.transform(x[i]), rtol=RTOL_64)
    parts = sum(layer.transform_and_log_det(x[i])[1] for i, layer in enumerate(layers))
    np.testing.assert_allclose(log_det, parts, rtol=RTOL_64)


@pytest.mark.parametrize("name", BIJECTIONS)
def test_numpy_input_works_and_lists_are_rejected(name):
    layer = built(name)
    x = event(layer, jr.key(1))
    np.testing.assert_array_equal(layer.transform(np.asarray(x)), layer.transform(x))
    with pytest.raises(TypeError):
        layer.transform(np.asarray(x).tolist())


@pytest.mark.parametrize("name", BIJECTIONS)
def test_transformed_sample_shapes_and_log_prob(name):
    layer = built(name)
    dist = Transformed(StandardNormal(layer.shape), layer)
    samples = eqx.filter_jit(dist.sample)(jr.key(1), (4, 2))
    assert samples.shape == (4, 2, *layer.shape)
    again, log_probs = eqx.filter_jit(dist.sample_and_log_prob)(jr.key(1), (4, 2))
    assert log_probs.shape == (4, 2)
    np.testing.assert_allclose(again, samples, rtol=RTOL_64)
    log_prob = eqx.filter_jit(dist.log_prob)
    np.testing.assert_allclose(log_probs, log_prob(samples), rtol=1e-8)


@pytest.mark.parametrize("name", BIJECTIONS)
def test_fit_to_data_trains_it(name):
    """FlowJAX's own training loop lowers the loss."""
    layer = built(name)
    dist = Transformed(StandardNormal(layer.shape), layer)
    # Far from what any layer of the table fits at the start.
    data = 3.0 * jr.normal(jr.key(1), (64, *layer.shape)) + 1.0
    fitted, losses = fit_to_data(
        jr.key(2),
        dist,
        data,
        max_epochs=3,
        batch_size=16,
        learning_rate=1e-2,
        show_progress=False,
    )
    assert all(np.isfinite(losses["train"])) and all(np.isfinite(losses["val"]))
    nll = eqx.filter_jit(lambda d: -jnp.mean(d.log_prob(data)))
    nll_before, nll_after = nll(dist), nll(fitted)
    assert nll_after < nll_before
