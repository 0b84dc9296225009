"""The split every benchmark makes before differentiating a model."""

import equinox as eqx
from paramax import NonTrainable


def split_trainable(tree):
    """(trainable parameters, the rest): P and the signs of an LU layer are not
    trained (``paramax.NonTrainable``), nor is anything that is not a float array."""
    return eqx.partition(
        tree, eqx.is_inexact_array, is_leaf=lambda x: isinstance(x, NonTrainable)
    )
