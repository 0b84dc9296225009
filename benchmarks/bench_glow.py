"""A Glow training step, glowlab against the same architecture in PyTorch.

Two sizes: notebook 05's model (8x8x1 digits, 2 levels of 4 steps, 32 hidden
channels) and a larger one (16x16x3, 2 levels of 8 steps, 64 hidden channels).
Each step is forward, log-likelihood, gradient and an Adam update on a batch of
64, on the CPU. Prints each one's images per second (the batch over the median
seconds of a step) and glowlab's over PyTorch's (above 1: glowlab is faster),
the two timed in turn, round after round, in this one process.

Before timing, both models get the same parameters and must give the same
log-densities on the same images (to 1e-5, relative), so that the two really are
the same model. PyTorch is optional (`pip install torch==2.13.0`, a CPU build):
without it, only glowlab is timed. ``--quick`` times notebook 05's model in 3
rounds, to check that the script works, and saves nothing.
"""

import argparse

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
from _timing import interleaved_seconds, median, median_ratio, save
from flowjax.bijections import Invert
from flowjax.distributions import StandardNormal, Transformed

from glowlab import data_init, glow, split_trainable

SIZES = [
    {"name": "notebook 05", "shape": (8, 8, 1), "levels": 2, "steps": 4, "hidden": 32},
    {"name": "larger", "shape": (16, 16, 3), "levels": 2, "steps": 8, "hidden": 64},
]
BATCH = 64


def glowlab_flow(size, data):
    flow = glow(jr.key(1), size["shape"], levels=size["levels"],
                steps_per_level=size["steps"], hidden=size["hidden"])  # fmt: skip
    return data_init(flow, data)


def glowlab_step(size):
    """One training step of the glowlab model, as a function of nothing."""
    shape = size["shape"]
    data = jr.normal(jr.key(0), (BATCH, *shape))
    flow = glowlab_flow(size, data)
    model = Transformed(StandardNormal(shape), Invert(flow))
    params, static = split_trainable(model)
    optimizer = optax.adam(1e-3)
    state = optimizer.init(params)

    @jax.jit
    def step(params, state, batch):
        def nll(p):
            return -jnp.mean(eqx.combine(p, static).log_prob(batch))

        loss, grads = jax.value_and_grad(nll)(params)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    return lambda: step(params, state, data)


def cross_check(size):
    """Both models, with the same (perturbed) parameters, on the same images: the
    largest difference of their log-densities, relative to the largest one."""
    import torch
    from torch_glow import Glow, load_glowlab

    shape = size["shape"]
    data = jr.normal(jr.key(0), (BATCH, *shape))
    flow = glowlab_flow(size, data)
    # Move every trainable parameter off its initial value (the couplings' last
    # layers start at zero), so that every part of both models is exercised.
    params, static = split_trainable(flow)
    leaves, treedef = jax.tree.flatten(params)
    keys = jr.split(jr.key(2), len(leaves))
    leaves = [
        p + 0.05 * jr.normal(k, p.shape) for p, k in zip(leaves, keys, strict=True)
    ]
    flow = eqx.combine(jax.tree.unflatten(treedef, leaves), static)
    ours = Transformed(StandardNormal(shape), Invert(flow)).log_prob(data)

    model = Glow(shape[-1], size["levels"], size["steps"], size["hidden"])
    load_glowlab(model, flow)
    with torch.no_grad():
        images = torch.from_numpy(np.array(data)).permute(0, 3, 1, 2).contiguous()
        theirs = model.log_prob(images).numpy()
    difference = np.max(np.abs(np.array(ours) - theirs)) / np.max(np.abs(theirs))
    if not difference < 1e-5:
        raise AssertionError(
            f"{size['name']}: glowlab and PyTorch log-densities differ by "
            f"{difference:.1e} (relative): the two models are not the same."
        )
    return float(difference)


def torch_step(size):
    """One training step of the PyTorch model, as a function of nothing."""
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
        return loss.detach().numpy()  # a finished result, for block_until_ready

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="the small model, 3 rounds, not saved"
    )
    quick = parser.parse_args().quick
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = None
        print("PyTorch is not installed: timing glowlab only")
    rows = []
    for size in SIZES[:1] if quick else SIZES:
        row = {k: v for k, v in size.items()}
        calls = {"glowlab": glowlab_step(size)}
        if torch_version:
            row["log_prob_relative_difference"] = cross_check(size)
            calls["torch"] = torch_step(size)
        # All timed in turn, round after round (see _timing.py).
        timings = interleaved_seconds(calls, repeats=3 if quick else 7, timed=0.3)
        row["glowlab_images_per_s"] = BATCH / median(timings["glowlab"])
        if torch_version:
            row["torch_images_per_s"] = BATCH / median(timings["torch"])
            row["median_round_ratio"] = median_ratio(
                timings["torch"], timings["glowlab"]
            )
        rows.append(row)
        torch_part = (
            f", PyTorch {row['torch_images_per_s']:8.0f} images/s, "
            f"glowlab / PyTorch "
            f"{row['glowlab_images_per_s'] / row['torch_images_per_s']:.2f}x "
            f"(log-densities agree to "
            f"{row['log_prob_relative_difference']:.0e})"
            if torch_version
            else ""
        )
        print(f"{size['name']:12s} glowlab {row['glowlab_images_per_s']:8.0f} images/s"
              f"{torch_part}", flush=True)  # fmt: skip
    if quick:
        print("--quick: nothing saved")
    else:
        print(f"saved {save('glow-step', rows, torch=torch_version)}")


if __name__ == "__main__":
    main()
