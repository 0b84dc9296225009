"""glowlab: Glow's structured linear layers as FlowJAX bijections, for teaching."""

from glowlab.actnorm import ActNorm
from glowlab.checks import (
    assert_above,
    assert_below,
    check_bijection,
    log_det_by_autodiff,
    round_trip_error,
)
from glowlab.conv1x1 import Invertible1x1Conv
from glowlab.coupling import AffineCoupling
from glowlab.data_init import data_init
from glowlab.dense_conv1x1 import DenseInvertible1x1Conv
from glowlab.multiscale import MultiScaleGlow, glow
from glowlab.precision import astype
from glowlab.rotation import random_rotation
from glowlab.squeeze import Squeeze
from glowlab.step import GlowStep

__all__ = [
    "ActNorm",
    "AffineCoupling",
    "GlowStep",
    "MultiScaleGlow",
    "Squeeze",
    "data_init",
    "glow",
    "assert_above",
    "assert_below",
    "astype",
    "DenseInvertible1x1Conv",
    "Invertible1x1Conv",
    "check_bijection",
    "log_det_by_autodiff",
    "random_rotation",
    "round_trip_error",
]
