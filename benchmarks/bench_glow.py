"""A Glow training step, glowlab against the same architecture in PyTorch.

Two sizes: notebook 05's model (8x8x1 digits, 2 levels of 4 steps, 64 hidden
channels... as built there: 32) and a larger one (16x16x3, 2 levels of 8 steps,
64 hidden channels). Each step is forward, log-likelihood, gradient and an Adam
update on a batch of 64, on the CPU. Prints images per second and the ratio
glowlab / PyTorch (above 1: glowlab is faster), measured in this one process.
PyTorch is optional (`pip install torch==2.13.0`, a CPU build): without it, only
glowlab is timed.
"""

import time

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import optax
from _timing import median_seconds, save
from flowjax.bijections import Invert
from flowjax.distributions import StandardNormal, Transformed
from paramax import NonTrainable

from glowlab import data_init, glow

SIZES = [
    {"name": "notebook 05", "shape": (8, 8, 1), "levels": 2, "steps": 4, "hidden": 32},
    {"name": "larger", "shape": (16, 16, 3), "levels": 2, "steps": 8, "hidden": 64},
]
BATCH = 64


def glowlab_step_seconds(size):
    shape = size["shape"]
    data = jr.normal(jr.key(0), (BATCH, *shape))
    flow = glow(jr.key(1), shape, levels=size["levels"],
                steps_per_level=size["steps"], hidden=size["hidden"])  # fmt: skip
    flow = data_init(flow, data)
    model = Transformed(StandardNormal(shape), Invert(flow))
    params, static = eqx.partition(
        model, eqx.is_inexact_array, is_leaf=lambda x: isinstance(x, NonTrainable)
    )
    optimizer = optax.adam(1e-3)
    state = optimizer.init(params)

    @jax.jit
    def step(params, state, batch):
        def nll(p):
            return -jnp.mean(eqx.combine(p, static).log_prob(batch))

        loss, grads = jax.value_and_grad(nll)(params)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    return median_seconds(lambda: step(params, state, data), repeats=5)


def torch_step_seconds(size):
    import torch
    from torch_glow import Glow

    h, w, c = size["shape"]
    data = torch.randn(BATCH, c, h, w)
    model = Glow(c, size["levels"], size["steps"], size["hidden"])
    model.log_prob(data)  # the first call initialises every ActNorm
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        loss = -model.log_prob(data).mean()
        loss.backward()
        optimizer.step()

    step()
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(3):
            step()
        timings.append((time.perf_counter() - start) / 3)
    timings.sort()
    return timings[len(timings) // 2]


def main():
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = None
        print("PyTorch is not installed: timing glowlab only")
    rows = []
    for size in SIZES:
        row = {k: v for k, v in size.items()}
        row["glowlab_images_per_s"] = BATCH / glowlab_step_seconds(size)
        if torch_version:
            row["torch_images_per_s"] = BATCH / torch_step_seconds(size)
            row["ratio"] = row["glowlab_images_per_s"] / row["torch_images_per_s"]
        rows.append(row)
        torch_part = (
            f", PyTorch {row['torch_images_per_s']:8.0f} images/s, "
            f"glowlab / PyTorch {row['ratio']:.2f}x"
            if torch_version
            else ""
        )
        print(f"{size['name']:12s} glowlab {row['glowlab_images_per_s']:8.0f} images/s"
              f"{torch_part}", flush=True)  # fmt: skip
    print(f"saved {save('glow-step', rows)} (torch {torch_version})")


if __name__ == "__main__":
    main()
