"""The 1x1 convolution, LU form against dense, C = 16 to 1024.

Every C on the same images: a batch of 16, each 16 x 16 pixels (the first
level of a CIFAR-10 Glow), so that only C changes along the sweep. Four
measurements, the two layers timed in turn, round after round:

1. log|det W| alone, two ways: evaluated inside one compiled loop
   (``_timing.in_a_loop``), which leaves out the cost of calling a compiled
   function from Python, and one compiled call from Python, as chapter 1 times
   it, which includes that cost;
2. a training step of one layer on the batch: forward, log-det and the
   gradient with respect to the parameters;
3. the inverse of the batch, with its error against a float64 solve with the
   layer's own W, and the round-trip error of each layer. The LU layer's
   inverse is timed both ways: ``layer.inverse`` (two triangular solves, every
   pixel a right-hand side) and one product with ``layer.inverse_matrix()``.

Saves the median seconds of each (and, for reference, the median over rounds
of each round's dense / LU ratio). Run with `make bench`; results go to
benchmarks/results/conv1x1-<device>.json. ``--quick`` runs three sizes with
fewer rounds, to check that the script works, and saves nothing.
"""

import argparse

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from _timing import in_a_loop, interleaved_seconds, median, median_ratio, save

from glowlab import DenseInvertible1x1Conv, Invertible1x1Conv, split_trainable

CHANNELS = [16, 32, 64, 128, 256, 512, 1024]
SIZE, BATCH = 16, 16  # every C on 16 images of 16 x 16 pixels


def log_det_of_weight(layer):
    """log|det W| as a function of the layer's trainable parameters."""
    params, static = split_trainable(layer)

    def f(params):
        return eqx.combine(params, static).log_abs_det_weight()

    return f, params


def training_step(layer):
    params, static = split_trainable(layer)

    def loss(params, batch):
        model = eqx.combine(params, static)
        y, log_det = jax.vmap(model.transform_and_log_det)(batch)
        return 0.5 * jnp.mean(jnp.sum(y**2, axis=(1, 2, 3))) - jnp.mean(log_det)

    return jax.jit(jax.value_and_grad(loss)), params


def exact_weight(layer):
    """The layer's W in float64: P L U from its float32 factors (LU), or its matrix."""
    if isinstance(layer, Invertible1x1Conv):
        p, lower, upper = (np.asarray(f, np.float64) for f in layer.factors())
        return p @ lower @ upper
    return np.asarray(layer.weight(), np.float64)


def inverse_error(layer, y, x):
    """max |x - W^-1 y| / max |W^-1 y|, against a float64 solve with the layer's own
    W: how accurately the float32 inverse undoes the map the layer defines."""
    channels = y.shape[-1]
    pixels = np.asarray(y, np.float64).reshape(-1, channels)
    exact = np.linalg.solve(exact_weight(layer), pixels.T).T
    got = np.asarray(x, np.float64).reshape(-1, channels)
    return float(np.max(np.abs(got - exact)) / np.max(np.abs(exact)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="three sizes, 3 rounds, not saved"
    )
    quick = parser.parse_args().quick
    channels_swept = [16, 64, 256] if quick else CHANNELS
    repeats = 3 if quick else 9
    rows = []
    print(f"{BATCH} images of {SIZE}x{SIZE} pixels; times per call")
    print(
        f"{'C':>5} | {'log-det LU':>10} {'dense':>9} | {'one call LU':>11} "
        f"{'dense':>9} | {'step LU':>9} {'dense':>9} | {'inverse LU':>10} "
        f"{'by W^-1':>9} {'dense':>9} | {'inverse error LU':>16} "
        f"{'by W^-1':>8} {'dense':>8}"
    )
    for channels in channels_swept:
        shape = (SIZE, SIZE, channels)
        batch = jr.normal(jr.key(1), (BATCH, *shape))
        lu = Invertible1x1Conv(jr.key(0), shape)
        dense = DenseInvertible1x1Conv(jr.key(0), shape)
        row = {"channels": channels, "pixels": SIZE * SIZE, "batch": BATCH}
        calls, loop_counts = {}, {}
        for name, layer in [("lu", lu), ("dense", dense)]:
            f, params = log_det_of_weight(layer)
            calls[f"log_det_{name}"], loop_counts[f"log_det_{name}"] = in_a_loop(
                f, params
            )
            one_call = jax.jit(f)
            calls[f"log_det_call_{name}"] = lambda g=one_call, p=params: g(p)
            step, params = training_step(layer)
            calls[f"step_{name}"] = lambda step=step, p=params, b=batch: step(p, b)
            inverses = {name: jax.jit(jax.vmap(layer.inverse))}
            if name == "lu":
                # W^-1 does not depend on the image: vmap computes it once.
                inverses["lu_matrix"] = jax.jit(
                    jax.vmap(lambda y, layer=layer: y @ layer.inverse_matrix().T)
                )
            y = jax.vmap(layer.transform)(batch)
            for how, inverse in inverses.items():
                calls[f"inverse_{how}"] = lambda inverse=inverse, y=y: inverse(y)
                x = inverse(y)
                row[f"round_trip_{how}"] = float(jnp.max(jnp.abs(x - batch)))
                row[f"inverse_error_{how}"] = inverse_error(layer, y, x)
        # LU and dense timed in turn, round after round (see _timing.py).
        timings = interleaved_seconds(calls, repeats=repeats)
        for name, count in loop_counts.items():
            row[f"{name}_loop_count"] = count
            timings[name] = [t / count for t in timings[name]]
        for name, values in timings.items():
            row[f"{name}_s"] = median(values)
        for what in ("log_det", "log_det_call", "step", "inverse"):
            row[f"{what}_median_round_ratio"] = median_ratio(
                timings[f"{what}_dense"], timings[f"{what}_lu"]
            )
        rows.append(row)
        print(
            f"{channels:>5} | {row['log_det_lu_s']:>9.2e}s "
            f"{row['log_det_dense_s']:>8.2e}s | "
            f"{row['log_det_call_lu_s']:>10.2e}s "
            f"{row['log_det_call_dense_s']:>8.2e}s | "
            f"{row['step_lu_s']:>8.2e}s {row['step_dense_s']:>8.2e}s | "
            f"{row['inverse_lu_s']:>9.2e}s {row['inverse_lu_matrix_s']:>8.2e}s "
            f"{row['inverse_dense_s']:>8.2e}s | "
            f"{row['inverse_error_lu']:>16.1e} "
            f"{row['inverse_error_lu_matrix']:>8.1e} "
            f"{row['inverse_error_dense']:>8.1e}",
            flush=True,
        )
    if quick:
        print("--quick: nothing saved")
    else:
        print(f"saved {save('conv1x1', rows)}")


if __name__ == "__main__":
    main()
