"""Data-dependent initialisation of every ActNorm inside a flow."""

import equinox as eqx
import jax
from flowjax.bijections import Chain, Scan

from glowlab._shapes import check_batch
from glowlab._stacking import stack, unstack
from glowlab.actnorm import ActNorm
from glowlab.multiscale import MultiScaleGlow


def data_init(flow, batch: jax.Array, *, constant_channels: str = "raise"):
    r"""Return ``flow`` with every ActNorm initialised on the activations reaching it.

    The batch is pushed forward through the flow, layer by layer; each
    :class:`ActNorm` met on the way is replaced by ``ActNorm.from_data`` of the
    activations at that point, and the batch continues through the new layer, so
    later layers see the standardised activations. This is the PyTorch habit of
    initialising on the first forward call, as a pure function: a new flow is
    returned and nothing is remembered.

    It looks inside FlowJAX's ``Chain`` (a :class:`~glowlab.GlowStep` is one),
    FlowJAX's ``Scan`` (whose stacked layers it initialises one after another,
    as ``Scan`` applies them) and the multi-scale Glow (each level a ``Scan``);
    an ActNorm inside any other container raises a ``TypeError`` rather than
    being silently skipped.

    Args:
        flow: A bijection, or a layer, with a ``shape``.
        batch: Events ``(N, *flow.shape)``, finite and floating point.
        constant_channels: Passed to :meth:`ActNorm.from_data`.
    """
    batch = check_batch(batch, flow.shape)
    new_flow, _ = _init(flow, batch, constant_channels)
    return new_flow


def _init(layer, batch, constant_channels):
    """Return (the initialised layer, the batch after it)."""
    if isinstance(layer, ActNorm):
        layer = ActNorm.from_data(batch, constant_channels=constant_channels)
    elif isinstance(layer, Chain):
        new, batch = _init_in_order(layer.bijections, batch, constant_channels)
        return eqx.tree_at(lambda c: c.bijections, layer, new), batch
    elif isinstance(layer, Scan):
        new, batch = _init_in_order(unstack(layer.bijection), batch, constant_channels)
        return Scan(stack(new)), batch
    elif isinstance(layer, MultiScaleGlow):

        def init_level(level, h):
            return (*_init(level, h, constant_channels), 0.0)

        levels, latents, _ = layer._descend(batch, init_level, batched=True)
        layer = eqx.tree_at(lambda g: g.levels, layer, levels)
        return layer, jax.vmap(lambda *z: layer._ascend(z)[0])(*latents)
    elif _contains_actnorm(layer):
        raise TypeError(
            f"data_init cannot see inside {type(layer).__name__}, which holds an "
            "ActNorm: initialise that ActNorm yourself with ActNorm.from_data, or "
            "build the flow from FlowJAX Chains and Scans (GlowStep is a Chain)."
        )
    return layer, jax.vmap(layer.transform)(batch)


def _init_in_order(layers, batch, constant_channels):
    """Initialise ``layers`` one after another, each on the previous one's output."""
    new = []
    for layer in layers:
        layer, batch = _init(layer, batch, constant_channels)
        new.append(layer)
    return tuple(new), batch


def _contains_actnorm(tree) -> bool:
    leaves = jax.tree.leaves(tree, is_leaf=lambda x: isinstance(x, ActNorm))
    return any(isinstance(leaf, ActNorm) for leaf in leaves)
