"""The Glow step's parts beyond the generic tests: the coupling's start and
bounds, squeeze's layout, a step's start, data_init, and the multi-scale Glow."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from flowjax.bijections import Chain, Invert
from flowjax.distributions import Normal, StandardNormal, Transformed
from jax.scipy.stats import norm

from glowlab import (
    ActNorm,
    AffineCoupling,
    GlowStep,
    Invertible1x1Conv,
    MultiScaleGlow,
    SplitPrior,
    Squeeze,
    data_init,
    glow,
    moved_from_init,
)
from glowlab.coupling import log_scale_from


@pytest.mark.parametrize("shape", [(5,), (3, 5, 3)], ids=["vector", "image"])
def test_coupling_starts_as_the_identity(shape):
    layer = AffineCoupling(jr.key(0), shape, hidden=8)
    x = jr.normal(jr.key(1), shape)
    y, log_det = layer.transform_and_log_det(x)
    np.testing.assert_array_equal(y, x)
    assert float(log_det) == 0.0


def test_coupling_leaves_the_first_half_unchanged():
    layer = eqx.tree_at(
        lambda c: c.network.layers[-1].bias,
        AffineCoupling(jr.key(0), (5,), hidden=8),
        jnp.arange(6.0),
    )
    x = jr.normal(jr.key(1), (5,))
    y = layer.transform(x)
    np.testing.assert_array_equal(y[:2], x[:2])
    assert not np.allclose(y[2:], x[2:])


def test_coupling_needs_two_channels():
    with pytest.raises(ValueError, match="at least 2"):
        AffineCoupling(jr.key(0), (4, 4, 1))
    with pytest.raises(ValueError, match="min_scale"):
        AffineCoupling(jr.key(0), (4,), min_scale=0.0)


def test_coupling_scale_is_bounded_and_finite():
    raw = jnp.array([-1e30, -1e3, -10.0, 0.0, 10.0, 1e3, 1e30])
    log_scale = log_scale_from(raw, 1e-3)
    assert bool(jnp.all(jnp.isfinite(log_scale)))
    assert float(log_scale[3]) == 0.0
    assert float(log_scale.min()) > np.log(1e-3) - 1e-12
    assert float(log_scale.max()) < 0.2


def test_coupling_inverse_is_finite_at_extreme_activations():
    layer = eqx.tree_at(
        lambda c: c.network.layers[-1].bias,
        AffineCoupling(jr.key(0), (4,), hidden=8),
        jnp.array([0.0, 0.0, -1e4, 1e4]),  # scales at their floor and ceiling
    )
    for size in (1e-20, 1.0, 1e20):
        x = size * jr.normal(jr.key(1), (4,))
        y = layer.transform(x)
        assert bool(jnp.all(jnp.isfinite(y)))
        np.testing.assert_allclose(layer.inverse(y), x, rtol=1e-10)


def test_squeeze_moves_each_2x2_block_into_channels():
    x = jnp.arange(4 * 6 * 2, dtype=float).reshape(4, 6, 2)
    y = Squeeze((4, 6, 2)).transform(x)
    assert y.shape == (2, 3, 8)
    np.testing.assert_array_equal(y[1, 2], x[2:4, 4:6].reshape(-1))


@pytest.mark.parametrize("shape", [(3, 4, 2), (4, 5, 2), (8,)])
def test_squeeze_rejects_odd_sizes_and_vectors(shape):
    with pytest.raises(ValueError, match="even|images"):
        Squeeze(shape)


def test_squeeze_names_a_wrong_shape():
    squeeze = Squeeze((4, 6, 2))
    with pytest.raises(ValueError, match=r"input shape \(4, 6, 2\)"):
        squeeze.transform(jnp.ones((4, 6, 3)))
    with pytest.raises(ValueError, match=r"inverse input shape \(2, 3, 8\)"):
        squeeze.inverse(jnp.ones((4, 6, 2)))


def test_step_starts_as_a_rotation():
    step = GlowStep(jr.key(0), (2, 2, 4), hidden=4)
    x = jr.normal(jr.key(1), (2, 2, 4))
    np.testing.assert_allclose(step.transform(x), x @ step.mixer.weight().T, atol=1e-12)


def assert_standardised(out):
    axes = tuple(range(out.ndim - 1))
    np.testing.assert_allclose(out.mean(axis=axes), 0.0, atol=1e-10)
    np.testing.assert_allclose(out.std(axis=axes), 1.0, atol=1e-10)


def test_data_init_standardises_every_actnorm_on_what_reaches_it():
    shape = (2, 2, 4)
    flow = Chain([GlowStep(jr.key(i), shape, hidden=4) for i in range(3)])
    flow = eqx.tree_at(  # make the couplings non-trivial, so activations change
        lambda f: [s.coupling.network.layers[-1].bias for s in f.bijections],
        flow,
        [jnp.full((4,), 0.5 * (i + 1)) for i in range(3)],
    )
    h = 5.0 + 3.0 * jr.normal(jr.key(9), (64, *shape))
    for step in data_init(flow, h).bijections:
        assert_standardised(jax.vmap(step.actnorm.transform)(h))
        h = jax.vmap(step.transform)(h)


def test_data_init_nested_chains_and_plain_layers():
    shape = (3,)
    flow = Chain(
        [ActNorm(shape), Chain([Invertible1x1Conv(jr.key(0), shape), ActNorm(shape)])]
    )
    batch = 4.0 + 2.0 * jr.normal(jr.key(1), (32, 3))
    assert_standardised(jax.vmap(data_init(flow, batch).transform)(batch))


def test_data_init_refuses_an_actnorm_it_cannot_reach():
    flow = Chain([Invert(ActNorm((3,))), Invertible1x1Conv(jr.key(0), (3,))])
    with pytest.raises(TypeError, match="cannot see inside Invert"):
        data_init(flow, jr.normal(jr.key(1), (8, 3)))


def test_data_init_names_a_batch_of_the_wrong_shape():
    # Its other checks of the batch are ActNorm.from_data's (test_actnorm.py).
    flow = Chain([ActNorm((3,)), Invertible1x1Conv(jr.key(0), (3,))])
    with pytest.raises(ValueError, match=r"events of shape \(4,\)"):
        data_init(flow, jnp.ones((8, 4)))


def test_glow_latent_keeps_the_shape_and_levels_get_coarser():
    flow = glow(jr.key(0), (8, 8, 1), levels=3, steps_per_level=1, hidden=4)
    x = jr.uniform(jr.key(1), (8, 8, 1))
    assert flow.transform(x).shape == (8, 8, 1)
    shapes = [z.shape for z in flow.level_latents(x)]
    assert shapes == [(4, 4, 2), (2, 2, 4), (1, 1, 16)]
    # The level latents are the latent's entries, rearranged.
    z = flow.transform(x)
    latents = jnp.concatenate([a.ravel() for a in flow.level_latents(x)])
    np.testing.assert_allclose(jnp.sort(latents), jnp.sort(z.ravel()), atol=1e-12)


@pytest.mark.parametrize("split_prior", [False, True])
def test_latent_from_levels_joins_what_level_latents_cut(split_prior):
    flow = glow(
        jr.key(0), (8, 8, 1), levels=3, steps_per_level=1, hidden=4,
        split_prior=split_prior,
    )  # fmt: skip
    flow = moved_from_init(flow, jr.key(2), scale=0.1)
    x = jr.uniform(jr.key(1), (8, 8, 1))
    np.testing.assert_array_equal(
        flow.latent_from_levels(flow.level_latents(x)), flow.transform(x)
    )
    with pytest.raises(ValueError, match="levels' shapes"):
        flow.latent_from_levels(flow.level_latents(x)[1:])


@pytest.mark.parametrize("split_prior", [False, True])
def test_glow_data_init_standardises_every_step_of_every_level(split_prior):
    batch = 3.0 + 2.0 * jr.uniform(jr.key(0), (64, 4, 4, 1))
    flow = glow(
        jr.key(1),
        (4, 4, 1),
        levels=2,
        steps_per_level=2,
        hidden=4,
        split_prior=split_prior,
    )
    flow = data_init(flow, batch)
    h = batch
    for level, squeeze in enumerate(flow.squeezes):
        h = jax.vmap(squeeze.transform)(h)
        for step in flow.steps(level):
            assert_standardised(jax.vmap(step.actnorm.transform)(h))
            h = jax.vmap(step.transform)(h)
        h = h[..., : h.shape[-1] // 2]  # the half that goes on


def _prior_glow():
    """A two-level Glow on 4x4x1 with split priors, moved from its start."""
    batch = jr.uniform(jr.key(0), (16, 4, 4, 1))
    flow = glow(jr.key(1), (4, 4, 1), steps_per_level=1, hidden=4, split_prior=True)
    return moved_from_init(data_init(flow, batch), jr.key(2), scale=0.2)


def test_split_prior_is_off_by_default_and_starts_as_the_standard_normal():
    x = jr.uniform(jr.key(3), (4, 4, 1))
    plain = glow(jr.key(1), (4, 4, 1), steps_per_level=1, hidden=4)
    with_prior = glow(
        jr.key(1), (4, 4, 1), steps_per_level=1, hidden=4, split_prior=True
    )
    assert plain.priors is None
    assert len(with_prior.priors) == 1
    for got, expected in zip(
        with_prior.transform_and_log_det(x), plain.transform_and_log_det(x), strict=True
    ):
        np.testing.assert_array_equal(got, expected)


def test_split_prior_density_is_the_gaussian_of_split2d_prior():
    # log p(x) by hand: the factored-out half z1 scored under N(mu, sigma^2)
    # read from the kept half a1, the last level's output under N(0, I).
    flow = _prior_glow()
    x = jr.uniform(jr.key(3), (4, 4, 1))
    h, log_det_1 = flow.levels[0].transform_and_log_det(flow.squeezes[0].transform(x))
    a1, z1 = h[..., :2], h[..., 2:]
    mean, log_scale = flow.priors[0].mean_and_log_scale(a1)
    assert float(jnp.abs(mean).max()) > 0.01  # the prior has moved
    z2, log_det_2 = flow.levels[1].transform_and_log_det(flow.squeezes[1].transform(a1))
    by_hand = (
        norm.logpdf(z1, mean, jnp.exp(log_scale)).sum()
        + norm.logpdf(z2).sum()
        + log_det_1
        + log_det_2
    )
    model = Transformed(StandardNormal(flow.shape), Invert(flow))
    np.testing.assert_allclose(model.log_prob(x), by_hand, rtol=1e-10)


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_split_prior_sampling_matches_the_density(temperature):
    # Sampling runs the inverse (prior's mean + scale * eps); the density runs
    # the forward map. Their log-probabilities must agree, at any temperature.
    flow = _prior_glow()
    model = Transformed(Normal(jnp.zeros(flow.shape), temperature), Invert(flow))
    x, log_p = model.sample_and_log_prob(jr.key(4), (8,))
    np.testing.assert_allclose(model.log_prob(x), log_p, rtol=1e-9, atol=1e-9)
    eps = flow.transform(x[0])
    np.testing.assert_allclose(flow.inverse(eps), x[0], atol=1e-10)


def test_split_prior_standardises_the_factored_half():
    prior = moved_from_init(SplitPrior(jr.key(0), (2, 2, 2), 2), jr.key(1))
    kept, z = jr.normal(jr.key(2), (2, 2, 2)), jr.normal(jr.key(3), (2, 2, 2))
    eps, log_det = prior.standardise(z, kept)
    mean, log_scale = prior.mean_and_log_scale(kept)
    np.testing.assert_allclose(eps, (z - mean) / jnp.exp(log_scale), rtol=1e-12)
    back, inverse_log_det = prior.unstandardise(eps, kept)
    np.testing.assert_allclose(back, z, atol=1e-12)
    np.testing.assert_allclose(log_det, -inverse_log_det, rtol=1e-12)


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: SplitPrior(jr.key(0), (4,), 2), ValueError, "image"),
        (lambda: SplitPrior(jr.key(0), (2, 2, 2), 0), ValueError, "positive"),
        (
            lambda: SplitPrior(jr.key(0), (2, 2, 2), 2).standardise(
                jnp.ones((2, 2, 2)), jnp.ones((2, 2, 3))
            ),
            ValueError,
            r"kept half of shape \(2, 2, 2\)",
        ),
        (
            lambda: MultiScaleGlow(
                glow(jr.key(0), (4, 4, 1), hidden=4).squeezes,
                glow(jr.key(0), (4, 4, 1), hidden=4).levels,
                priors=[],
            ),
            ValueError,
            "one SplitPrior per split",
        ),
        (lambda: glow(jr.key(0), (4, 4, 1), split_prior=1), TypeError, "True or False"),
    ],
    ids=["vector", "no-channels", "wrong-kept-shape", "too-few", "not-a-bool"],
)
def test_split_prior_errors(build, error, match):
    with pytest.raises(error, match=match):
        build()


@pytest.mark.parametrize(
    ("shape", "options", "match"),
    [
        ((8, 8, 1), {"levels": 4}, "divisible by 16"),
        ((6, 8, 1), {"levels": 2}, "divisible by 4"),
        ((8,), {}, "images"),
        ((8, 8, 1), {"levels": 0}, "at least 1"),
        ((8, 8, 1), {"steps_per_level": 0}, "at least 1"),
    ],
)
def test_glow_builder_errors(shape, options, match):
    with pytest.raises(ValueError, match=match):
        glow(jr.key(0), shape, **options)
