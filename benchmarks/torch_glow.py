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
    n, c, h, w = x.shape
    x = x.view(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4)
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
