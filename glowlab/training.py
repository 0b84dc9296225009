r"""What training needs around a flow: the trainable split, one optimiser step,
and parameters moved off their initial values.

A step minimises a loss :math:`\ell(\theta)` over the trainable part
:math:`\theta` of a model, with any optax optimiser:

.. math::

    \begin{aligned}
    (u, s') &= \operatorname{update}(\nabla_\theta \ell(\theta), s, \theta),\\
    \theta' &= \theta + u .
    \end{aligned}
"""

import equinox as eqx
import jax
import jax.random as jr
from paramax import NonTrainable


def split_trainable(tree):
    """``(trainable, rest)``: the floating-point arrays an optimiser updates, and
    everything else, as ``eqx.partition`` gives them (``eqx.combine`` undoes it).

    A ``paramax.NonTrainable`` part (a layer frozen with
    ``paramax.non_trainable``) goes whole into the rest, as do integer arrays
    (the LU layer's permutation and signs) and anything that is not an array.
    """
    return eqx.partition(
        tree, eqx.is_inexact_array, is_leaf=lambda x: isinstance(x, NonTrainable)
    )


def training_step(loss, optimizer):
    """A compiled step of ``optimizer`` on ``loss(model, *args)``.

    Returns ``step(model, state, *args) -> (model, state, loss_value)``: the loss
    and its gradient with respect to the model's trainable part
    (:func:`split_trainable`), one optimiser update of that part, and the loss
    before the update. Start ``state`` with
    ``optimizer.init(split_trainable(model)[0])``. ``optimizer`` is any optax
    gradient transformation; ``args`` may hold arrays and keys, which are traced,
    so a new batch or key each step does not recompile.

    Example:
        >>> import jax, jax.numpy as jnp, optax
        >>> from glowlab import ActNorm, split_trainable, training_step
        >>> layer, x = ActNorm((2,)), jnp.array([[1.0, 2.0], [3.0, 6.0]])
        >>> def loss(layer, x):  # squared distance of the output from 0
        ...     return jnp.mean(jax.vmap(layer.transform)(x) ** 2)
        >>> optimizer = optax.sgd(0.1)
        >>> step = training_step(loss, optimizer)
        >>> state = optimizer.init(split_trainable(layer)[0])
        >>> layer, state, before = step(layer, state, x)
        >>> bool(loss(layer, x) < before)
        True
    """

    @eqx.filter_jit
    def step(model, state, *args):
        params, rest = split_trainable(model)

        def loss_of(params):
            return loss(eqx.combine(params, rest), *args)

        value, grads = jax.value_and_grad(loss_of)(params)
        updates, state = optimizer.update(grads, state, params)
        return eqx.combine(eqx.apply_updates(params, updates), rest), state, value

    return step


def moved_from_init(model, key, scale=0.3):
    """``model`` with Gaussian noise of standard deviation ``scale`` added to
    every trainable parameter, as training would move them.

    A check on a freshly built layer can pass only because the layer starts as
    the identity (a coupling) or a rotation (a 1x1 convolution); a check on
    this one cannot. Fixed parts (:func:`split_trainable`'s rest) stay as they
    are.
    """
    params, rest = split_trainable(model)
    leaves, treedef = jax.tree.flatten(params)
    keys = jr.split(key, len(leaves))
    leaves = [
        leaf + scale * jr.normal(k, leaf.shape, leaf.dtype)
        for leaf, k in zip(leaves, keys, strict=True)
    ]
    return eqx.combine(jax.tree.unflatten(treedef, leaves), rest)
