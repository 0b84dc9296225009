"""The same multi-scale Glow, written the way the classic PyTorch tutorials write
it (InvConv2dLU, an ActNorm that initialises itself on its first call, an affine
coupling with a zero-initialised last convolution), for `bench_glow.py` only.

Channels first (N, C, H, W), as PyTorch convolutions want. The coupling's scale
is glowlab's: sigmoid(h + 2) with a floor, divided by its value at h = 0, so
both sides do the same arithmetic.
"""

import math

import numpy as np
import scipy.linalg
import torch
from torch import nn
from torch.nn import functional as F


class ActNorm(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.loc = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.log_scale = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.initialized = False  # the flag chapter 3 discusses

    def forward(self, x):
        if not self.initialized:
            with torch.no_grad():
                self.loc.copy_(x.mean(dim=(0, 2, 3), keepdim=True))
                self.log_scale.copy_(x.std(dim=(0, 2, 3), keepdim=True).log())
            self.initialized = True
        _, _, h, w = x.shape
        return (x - self.loc) * torch.exp(
            -self.log_scale
        ), -h * w * self.log_scale.sum()


class InvConv2dLU(nn.Module):
    def __init__(self, channels):
        super().__init__()
        q, _ = np.linalg.qr(
            np.random.default_rng(0).standard_normal((channels, channels))
        )
        p, lower, upper = (torch.from_numpy(a).float() for a in scipy.linalg.lu(q))
        s = torch.diag(upper)
        self.register_buffer("p", p)
        self.register_buffer("sign", torch.sign(s))
        self.register_buffer("l_mask", torch.tril(torch.ones(channels, channels), -1))
        self.register_buffer("eye", torch.eye(channels))
        self.lower = nn.Parameter(lower)
        self.upper = nn.Parameter(torch.triu(upper, 1))
        self.log_s = nn.Parameter(torch.log(torch.abs(s)))

    def forward(self, x):
        _, _, h, w = x.shape
        weight = (
            self.p
            @ (self.lower * self.l_mask + self.eye)
            @ (
                self.upper * self.l_mask.T
                + torch.diag(self.sign * torch.exp(self.log_s))
            )
        )
        return F.conv2d(x, weight[:, :, None, None]), h * w * self.log_s.sum()


class ZeroConv2d(nn.Conv2d):
    def __init__(self, in_channels, out_channels):
        super().__init__(in_channels, out_channels, 3, padding=1)
        nn.init.zeros_(self.weight)
        nn.init.zeros_(self.bias)


LOG_FLOOR, LOG_REST = math.log(1e-3), math.log1p(-1e-3)


def log_scale(raw):
    def log_s(h):
        floor = torch.full_like(h, LOG_FLOOR)
        return torch.logaddexp(floor, LOG_REST + F.logsigmoid(h + 2.0))

    return log_s(raw) - log_s(torch.zeros_like(raw))


class AffineCoupling(nn.Module):
    def __init__(self, channels, hidden):
        super().__init__()
        self.split = channels // 2
        self.net = nn.Sequential(
            nn.Conv2d(self.split, hidden, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(hidden, hidden, 1),
            nn.ReLU(),
            ZeroConv2d(hidden, 2 * (channels - self.split)),
        )

    def forward(self, x):
        x_a, x_b = x[:, : self.split], x[:, self.split :]
        shift, raw = self.net(x_a).chunk(2, dim=1)
        s = log_scale(raw)
        y_b = x_b * torch.exp(s) + shift
        return torch.cat([x_a, y_b], dim=1), s.sum(dim=(1, 2, 3))


class Step(nn.Module):
    def __init__(self, channels, hidden):
        super().__init__()
        self.layers = nn.ModuleList(
            [ActNorm(channels), InvConv2dLU(channels), AffineCoupling(channels, hidden)]
        )

    def forward(self, x):
        total = 0.0
        for layer in self.layers:
            x, log_det = layer(x)
            total = total + log_det
        return x, total


def squeeze(x):
    # glowlab's channel order, (2a + b) C + c for the pixel (2i + a, 2j + b), so
    # that the two models can be compared number for number.
    n, c, h, w = x.shape
    x = x.view(n, c, h // 2, 2, w // 2, 2).permute(0, 3, 5, 1, 2, 4)
    return x.reshape(n, 4 * c, h // 2, w // 2)


class Glow(nn.Module):
    """Squeeze, K steps, factor out half the channels; the last level keeps all."""

    def __init__(self, channels, levels, steps_per_level, hidden):
        super().__init__()
        self.levels = nn.ModuleList()
        for _ in range(levels):
            channels *= 4
            self.levels.append(
                nn.ModuleList([Step(channels, hidden) for _ in range(steps_per_level)])
            )
            channels //= 2

    def log_prob(self, x):
        total, latents = 0.0, []
        for i, steps in enumerate(self.levels):
            x = squeeze(x)
            for step in steps:
                x, log_det = step(x)
                total = total + log_det
            if i + 1 < len(self.levels):
                half = x.shape[1] // 2
                latents.append(x[:, half:])
                x = x[:, :half]
        latents.append(x)
        log_normal = sum(
            (-0.5 * z**2 - 0.5 * math.log(2 * math.pi)).sum(dim=(1, 2, 3))
            for z in latents
        )
        return log_normal + total


def load_glowlab(model, flow):
    """Copy a glowlab ``MultiScaleGlow``'s parameters into ``model`` (same sizes),
    so that both compute the same log-density: the benchmark's cross-check."""

    def tensor(a):
        return torch.from_numpy(np.array(a, dtype=np.float32))

    def channels(a):  # a per-channel vector, as (1, C, 1, 1)
        return tensor(a).reshape(1, -1, 1, 1)

    with torch.no_grad():
        for level, steps in enumerate(model.levels):
            for step, theirs in zip(steps, flow.steps(level), strict=True):
                actnorm, conv, coupling = step.layers
                actnorm.loc.copy_(channels(theirs.actnorm.loc))
                actnorm.log_scale.copy_(channels(theirs.actnorm.log_scale))
                actnorm.initialized = True
                c = theirs.mixer
                eye = np.eye(c.shape[-1], dtype=np.float32)
                conv.p.copy_(tensor(eye[:, np.array(c.permutation)]))
                conv.lower.copy_(tensor(np.tril(c.lower, -1)))
                conv.upper.copy_(tensor(np.triu(c.upper, 1)))
                conv.log_s.copy_(tensor(c.log_abs_s))
                conv.sign.copy_(tensor(c.sign))
                first, middle, last = theirs.coupling.network.layers
                net = coupling.net
                net[0].weight.copy_(tensor(first.weight).permute(3, 2, 0, 1))
                net[0].bias.copy_(tensor(first.bias))
                net[2].weight.copy_(tensor(middle.weight)[:, :, None, None])
                net[2].bias.copy_(tensor(middle.bias))
                net[4].weight.copy_(tensor(last.weight).permute(3, 2, 0, 1))
                net[4].bias.copy_(tensor(last.bias))
