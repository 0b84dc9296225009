"""Every layer of the table, checked the same way (FlowJAX's pattern): the round
trip both ways, and the log-det against ``jax.jacobian`` in both directions, in
float64 and in float32, to glowlab's own tolerances (``glowlab.TOLERANCE``)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from glowlab import TOLERANCE, astype
from glowlab._shapes import check_event_shape
from tests.layer_table import (
    FLOWJAX_OWN,
    LAYERS,
    VOLUME_PRESERVING,
    built,
    event,
    log_det_by_autodiff,
    output_event,
    round_trip_error,
)

DTYPES = [jnp.float64, jnp.float32]
layer_ids = list(LAYERS)


@pytest.fixture(params=layer_ids)
def name(request):
    return request.param


@pytest.fixture
def layer(name):
    return built(name, layer_ids.index(name))


@eqx.filter_jit
def forward(layer, x):
    return layer.transform_and_log_det(x)


@eqx.filter_jit
def inverse(layer, y):
    return layer.inverse_and_log_det(y)


@eqx.filter_jit
def inverse_log_det_by_autodiff(layer, y):
    jacobian = jax.jacobian(layer.inverse)(y).reshape(y.size, y.size)
    return jnp.linalg.slogdet(jacobian)[1]


def relative(error, reference) -> float:
    """``error`` relative to ``max(1, |reference|)``, as check_bijection judges."""
    return float(jnp.max(jnp.abs(error))) / max(1.0, float(jnp.max(jnp.abs(reference))))


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_both_ways(layer, dtype):
    layer, tolerance = astype(layer, dtype), TOLERANCE[jnp.dtype(dtype)]
    x = event(layer, jr.key(14), dtype)
    # The log-det of FlowJAX's Chain and Permute starts from a float64 zero
    # when float64 is on: test_flowjax_contract checks float32 with it off.
    assert forward(layer, x)[0].dtype == dtype, "it must compute in its dtype"
    assert relative(round_trip_error(layer, x), x) < tolerance
    y = output_event(layer, jr.key(19), dtype)
    x, _ = inverse(layer, y)
    assert relative(forward(layer, x)[0] - y, y) < tolerance


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_dets_match_the_jacobian_both_ways(name, layer, dtype):
    layer, tolerance = astype(layer, dtype), TOLERANCE[jnp.dtype(dtype)]
    x = event(layer, jr.key(10), dtype)
    y, log_det = forward(layer, x)
    _, inverse_log_det = inverse(layer, y)
    reference = log_det_by_autodiff(layer, x)
    assert relative(log_det - reference, reference) < tolerance
    reference = inverse_log_det_by_autodiff(layer, y)
    assert relative(inverse_log_det - reference, reference) < tolerance
    # The parameters were moved off their init: a log-det of 0 here would mean
    # the table tests a layer at its identity or rotation start.
    if name in VOLUME_PRESERVING:
        assert float(log_det) == 0.0
    else:
        assert abs(float(log_det)) > 1e-3


@pytest.mark.parametrize("name", sorted(set(LAYERS) - FLOWJAX_OWN))
def test_integer_input_raises(name):
    layer = built(name, layer_ids.index(name))
    out_shape = getattr(layer, "out_shape", layer.shape)
    with pytest.raises(TypeError, match="floating-point"):
        layer.transform(jnp.ones(layer.shape, dtype=jnp.int32))
    with pytest.raises(TypeError, match="floating-point"):
        layer.inverse(jnp.ones(out_shape, dtype=jnp.int32))


@pytest.mark.parametrize(
    ("shape", "error"),
    [
        ((), ValueError),
        ((0,), ValueError),
        ((4, 4, 0), ValueError),
        ((4, 4), ValueError),
        ((1, 2, 3, 4), ValueError),
        ((-3,), ValueError),
        ((2.0,), TypeError),
        ((True,), TypeError),
        (4, TypeError),
    ],
)
def test_a_bad_event_shape_is_named(shape, error):
    with pytest.raises(error, match="shape"):
        check_event_shape(shape)


def test_an_event_shape_is_a_tuple_of_ints():
    assert check_event_shape([4, np.int64(3), 2]) == (4, 3, 2)
