"""What glowlab's layers must do inside FlowJAX, for every bijection of the table.

Built and run with float64 off, as in a user's default JAX session; stacked
along a new leading axis and applied by ``Scan`` (as ``glow`` stacks each
level's steps) and ``Vmap``; and trained by ``fit_to_data``. FlowJAX's own
behaviour (``Invert``, ``Chain``, ``Transformed``, its input checks) is FlowJAX's
tests' to check.

`Squeeze` is left out: it changes the event's shape, which a FlowJAX bijection
never does, so it is not an `AbstractBijection` (see its docstring).

Forward passes are compiled, as a training loop compiles them: run eagerly,
every operation of a Glow on each new shape compiled on its own, which took
most of these tests' time.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from flowjax.bijections import Chain, Scan, Vmap
from flowjax.distributions import StandardNormal, Transformed
from flowjax.train import fit_to_data

from glowlab import TOLERANCE
from tests.layer_table import LAYERS, built, event

# One entry of the table per kind of bijection: how a layer meets FlowJAX does
# not depend on its shape. The fixed permutations are FlowJAX's own Permute.
BIJECTIONS = [
    "lu-image-3x5x4",
    "dense-vector-3",
    "actnorm-image-4x3x3",
    "coupling-image-3x2x5",
    "step-vector-4",
    "step-shuffle-vector-5",
    "glow-image-4x4x1",
]
TOL = TOLERANCE[jnp.dtype("float64")]


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


@pytest.mark.parametrize("name", BIJECTIONS)
def test_built_and_run_in_float32_with_x64_off(name):
    with x64_off():
        layer = LAYERS[name](jr.key(0))
        floats = [x for x in jax.tree.leaves(layer) if eqx.is_inexact_array(x)]
        assert floats and {x.dtype for x in floats} == {jnp.dtype(jnp.float32)}
        x = event(layer, jr.key(1), jnp.float32)
        y, log_det = eqx.filter_jit(layer.transform_and_log_det)(x)
        x_back, inverse_log_det = eqx.filter_jit(layer.inverse_and_log_det)(y)
        dtypes = {a.dtype for a in (y, log_det, x_back, inverse_log_det)}
        assert dtypes == {jnp.dtype(jnp.float32)}


@pytest.mark.parametrize("name", BIJECTIONS)
def test_scan_equals_chain_of_the_same_layers(name):
    layers, stack = stacked(name)
    x = event(layers[0], jr.key(1))
    y_scan, log_det_scan = Scan(stack).transform_and_log_det(x)
    y_chain, log_det_chain = Chain(layers).transform_and_log_det(x)
    np.testing.assert_allclose(y_scan, y_chain, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(log_det_scan, log_det_chain, rtol=TOL)
    x_back = Scan(stack).inverse(y_scan)
    np.testing.assert_allclose(x_back, x, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("name", BIJECTIONS)
def test_vmap_over_batched_parameters(name):
    """Each event of the batch meets its own parameters; log-dets add."""
    layers, stack = stacked(name)
    mapped = Vmap(stack, in_axes=eqx.if_array(0))
    assert mapped.shape == (3, *layers[0].shape)
    x = jnp.stack([event(layer, jr.key(i)) for i, layer in enumerate(layers)])
    y, log_det = eqx.filter_jit(mapped.transform_and_log_det)(x)
    for i, layer in enumerate(layers):
        np.testing.assert_allclose(y[i], layer.transform(x[i]), rtol=TOL, atol=TOL)
    parts = sum(layer.transform_and_log_det(x[i])[1] for i, layer in enumerate(layers))
    np.testing.assert_allclose(log_det, parts, rtol=TOL)


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
