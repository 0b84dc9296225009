"""What training updates: the split every training loop makes first."""

import equinox as eqx
from paramax import NonTrainable


def split_trainable(tree):
    """``(trainable, rest)``: the floating-point arrays an optimiser updates, and
    everything else, as ``eqx.partition`` gives them (``eqx.combine`` undoes it).

    A ``paramax.NonTrainable`` part (the LU layer's permutation and signs) goes
    whole into the rest, as do integers and anything that is not an array.
    """
    return eqx.partition(
        tree, eqx.is_inexact_array, is_leaf=lambda x: isinstance(x, NonTrainable)
    )
