"""glowlab: Glow's structured linear layers as FlowJAX bijections, for teaching."""

from glowlab.actnorm import ActNorm
from glowlab.checks import (
    TOLERANCE,
    BijectionReport,
    check_bijection,
    log_det_by_autodiff,
    round_trip_error,
)
from glowlab.conv1x1 import DenseInvertible1x1Conv, Invertible1x1Conv
from glowlab.coupling import AffineCoupling, log_scale_from
from glowlab.digits import GREY_LEVELS, bits_per_dim, dequantise, digit_splits, to_logit
from glowlab.initialisation import data_init
from glowlab.multiscale import MultiScaleGlow, SplitPrior, glow
from glowlab.permutation import permute_channels, reverse_channels, shuffle_channels
from glowlab.precision import astype
from glowlab.printing import assert_above, assert_below, format_signed
from glowlab.rotation import random_rotation
from glowlab.squeeze import Squeeze
from glowlab.step import GlowStep, fixed_rotation
from glowlab.training import moved_from_init, split_trainable, training_step
from glowlab.two_moons import moons

__all__ = [
    # Layers
    "ActNorm",
    "AffineCoupling",
    "DenseInvertible1x1Conv",
    "GlowStep",
    "Invertible1x1Conv",
    "Squeeze",
    "log_scale_from",
    # Fixed channel mixers
    "fixed_rotation",
    "permute_channels",
    "reverse_channels",
    "shuffle_channels",
    # The multi-scale Glow, and initialising a flow from data
    "MultiScaleGlow",
    "SplitPrior",
    "data_init",
    "glow",
    # The digits, prepared
    "GREY_LEVELS",
    "bits_per_dim",
    "dequantise",
    "digit_splits",
    "to_logit",
    # Two moons, the toy density
    "moons",
    # Checks
    "TOLERANCE",
    "BijectionReport",
    "check_bijection",
    "log_det_by_autodiff",
    "round_trip_error",
    # Printing results that a re-run compares as text
    "assert_above",
    "assert_below",
    "format_signed",
    # Utilities
    "astype",
    "random_rotation",
    # Training
    "moved_from_init",
    "split_trainable",
    "training_step",
]
