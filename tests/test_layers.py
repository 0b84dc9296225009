"""Every layer in the constructor table, checked the same way (FlowJAX's pattern)."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from glowlab import (
    TOLERANCE,
    astype,
    check_bijection,
    split_trainable,
)
from tests.layer_table import (
    LAYER_CLASSES,
    LAYERS,
    NO_PARAMETERS,
    PERMUTATIONS,
    VOLUME_PRESERVING,
    built,
    event,
    log_det_by_autodiff,
    output_event,
    round_trip_error,
)

# glowlab's tolerances (glowlab.TOLERANCE, by dtype), the ones check_bijection
# holds a student's layer to: relative to max(1, |x|) for the round trip, to
# max(1, |reference|) for log-dets. float64 keeps about 7 of its 16 digits spare,
# float32 about 3 of 7. These tests compute in float64 unless they say otherwise.
TOL = TOLERANCE[jnp.dtype("float64")]

layer_ids = list(LAYERS)


@pytest.fixture(params=layer_ids)
def name(request):
    return request.param


@pytest.fixture
def layer(name):
    return built(name, layer_ids.index(name))


def test_log_det_equals_autodiff_jacobian(layer):
    x = event(layer, jr.key(10))
    _, log_det = layer.transform_and_log_det(x)
    expected = log_det_by_autodiff(layer, x)
    assert log_det.shape == ()
    np.testing.assert_allclose(log_det, expected, rtol=TOL, atol=TOL)


def test_log_det_is_not_trivially_zero(name, layer):
    # The parameters were moved from their init, so a layer whose log-det is
    # stuck at 0 (a bug that autodiff would catch only for volume-preserving maps)
    # shows here.
    _, log_det = layer.transform_and_log_det(event(layer, jr.key(11)))
    if name in VOLUME_PRESERVING:
        assert float(log_det) == 0.0
    else:
        assert abs(float(log_det)) > 1e-3


def test_inverse_log_det_is_minus_forward(layer):
    x = event(layer, jr.key(12))
    y, forward = layer.transform_and_log_det(x)
    _, inverse = layer.inverse_and_log_det(y)
    np.testing.assert_allclose(inverse, -forward, rtol=TOL, atol=TOL)


@eqx.filter_jit
def inverse_log_det_by_autodiff(layer, y):
    jacobian = jax.jacobian(layer.inverse)(y).reshape(y.size, y.size)
    return jnp.linalg.slogdet(jacobian)[1]


def test_inverse_log_det_equals_autodiff_of_inverse(layer):
    y = output_event(layer, jr.key(13))
    _, log_det = layer.inverse_and_log_det(y)
    np.testing.assert_allclose(
        log_det, inverse_log_det_by_autodiff(layer, y), rtol=TOL, atol=TOL
    )


@pytest.mark.parametrize("dtype", [jnp.float64, jnp.float32])
def test_round_trip(layer, dtype):
    layer = astype(layer, dtype)
    x = event(layer, jr.key(14), dtype)
    y = layer.transform(x)
    assert y.dtype == dtype, "the layer must compute in the dtype it is cast to"
    error = round_trip_error(layer, x) / max(1.0, float(jnp.max(jnp.abs(x))))
    assert error < TOLERANCE[jnp.dtype(dtype)]
    # And the other way round: forward of the inverse.
    y = output_event(layer, jr.key(19), dtype)
    back = layer.transform(layer.inverse(y))
    scale = max(1.0, float(jnp.max(jnp.abs(y))))
    np.testing.assert_allclose(back, y, atol=TOLERANCE[jnp.dtype(dtype)] * scale)


def test_float32_layer_passes_check_bijection(layer):
    """In float32 (the dtype the chapters train in), with glowlab's own check:
    log-det against autodiff, inverse log-det, round trip."""
    layer = astype(layer, jnp.float32)
    report = check_bijection(layer, event(layer, jr.key(20), jnp.float32))
    assert report.passed, str(report)
    assert report.dtype == "float32"


def test_jit_matches_eager(layer):
    x = event(layer, jr.key(15))
    eager = layer.transform_and_log_det(x)
    jitted = eqx.filter_jit(lambda b, v: b.transform_and_log_det(v))(layer, x)
    for a, b in zip(eager, jitted, strict=True):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)
    inverse = eqx.filter_jit(lambda b, v: b.inverse(v))(layer, eager[0])  # y
    np.testing.assert_allclose(inverse, x, atol=TOL)


def test_vmap_over_a_batch(layer):
    batch = jnp.stack([event(layer, jr.key(k)) for k in range(4)])
    ys, log_dets = jax.vmap(layer.transform_and_log_det)(batch)
    out_shape = getattr(layer, "out_shape", layer.shape)
    assert ys.shape == (4, *out_shape) and log_dets.shape == (4,)
    for i in range(4):
        y, log_det = layer.transform_and_log_det(batch[i])
        np.testing.assert_allclose(ys[i], y, rtol=TOL, atol=TOL)
        np.testing.assert_allclose(log_dets[i], log_det, rtol=TOL, atol=TOL)


def test_grad_matches_finite_differences(name, layer):
    """The gradient w.r.t. the trainable parameters, along a random direction."""
    x = event(layer, jr.key(16))
    weights = jr.normal(jr.key(17), getattr(layer, "out_shape", layer.shape))

    def loss(params, static):
        model = eqx.combine(params, static)
        y, log_det = model.transform_and_log_det(x)
        return jnp.sum(weights * y) + log_det

    params, static = split_trainable(layer)
    grads = jax.grad(loss)(params, static)
    leaves = jax.tree.leaves(grads)
    if name in NO_PARAMETERS:
        assert leaves == []
        return
    assert leaves and all(bool(jnp.all(jnp.isfinite(g))) for g in leaves)

    direction = jax.tree.map(lambda p: jr.normal(jr.key(18), p.shape), params)
    analytic = sum(
        jnp.sum(g * d) for g, d in zip(leaves, jax.tree.leaves(direction), strict=True)
    )
    step = 1e-6
    shifted = [
        jax.tree.map(lambda p, d, s=s: p + s * step * d, params, direction)
        for s in (1, -1)
    ]
    numeric = (loss(shifted[0], static) - loss(shifted[1], static)) / (2 * step)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6)


def test_fixed_parts_get_no_gradient():
    """The LU layer's permutation and signs are fixed: not trainable."""
    layer = LAYERS["lu-image-3x5x4"](jr.key(0))
    params, _ = split_trainable(layer)
    assert params.sign is None and params.permutation is None
    assert params.lower is not None and params.log_abs_s is not None


def test_wrong_shape_raises(layer):
    wrong = (*layer.shape[:-1], layer.shape[-1] + 1)
    with pytest.raises(ValueError, match="shape"):
        layer.transform_and_log_det(jnp.ones(wrong))
    out_shape = getattr(layer, "out_shape", layer.shape)
    with pytest.raises(ValueError, match="shape"):
        layer.inverse_and_log_det(jnp.ones((*out_shape[:-1], out_shape[-1] + 1)))
    with pytest.raises(ValueError, match="shape"):
        layer.transform(jnp.ones((2, *layer.shape)))  # a batch needs jax.vmap


def test_integer_input_raises(name, layer):
    if name in PERMUTATIONS:  # reordering integers is exact and invertible
        integers = jnp.arange(math.prod(layer.shape)).reshape(layer.shape)
        np.testing.assert_array_equal(
            layer.inverse(layer.transform(integers)), integers
        )
        return
    with pytest.raises(TypeError, match="floating-point"):
        layer.transform(jnp.ones(layer.shape, dtype=jnp.int32))


@pytest.mark.parametrize("name", list(LAYER_CLASSES))
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
        (4, TypeError),
    ],
)
def test_bad_event_shape_raises(name, shape, error):
    with pytest.raises(error, match="shape"):
        LAYER_CLASSES[name](shape)
