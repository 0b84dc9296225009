"""The 1x1 convolution, LU form against dense, C = 16 to 1024.

Three measurements, each taken side by side in this one process, with the ratio
dense / LU (above 1: the LU layer is faster), the median over rounds in which the
two layers are timed in turn:

1. log|det W| alone, inside one compiled loop of 100 evaluations (so that the
   cost of calling a compiled function does not hide it);
2. a training step of one layer on a batch of images: forward, log-det and the
   gradient with respect to the parameters;
3. the inverse of a batch of images, with its error against a float64 solve with
   the layer's own W, and the round-trip error of each layer. The LU layer's
   inverse is timed both ways: ``layer.inverse`` (two triangular solves, every
   pixel a right-hand side) and one product with ``layer.inverse_matrix()``.

Run with `make bench`; results go to benchmarks/results/conv1x1-<device>.json.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from _timing import interleaved_seconds, median, median_ratio, save

from glowlab import DenseInvertible1x1Conv, Invertible1x1Conv, split_trainable

CHANNELS = [16, 32, 64, 128, 256, 512, 1024]
LOOP = 100


def log_det_loop(layer):
    """LOOP evaluations of log|det W|, each on slightly different parameters so
    that the compiler cannot hoist one evaluation out of the loop."""
    params, static = split_trainable(layer)

    @jax.jit
    def run(params):
        def body(i, total):
            shifted = jax.tree.map(lambda p: p + 1e-7 * i, params)
            return total + eqx.combine(shifted, static).log_abs_det_weight()

        return jax.lax.fori_loop(0, LOOP, body, 0.0)

    return run, params


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
    rows = []
    header = (
        f"{'C':>5} {'pixels':>7} | {'log-det LU':>11} {'dense':>10} {'ratio':>7} | "
        f"{'step LU':>9} {'dense':>9} {'ratio':>6} | {'inverse LU':>10} "
        f"{'by W^-1':>9} {'dense':>9} {'ratios':>12} | {'inverse error LU':>16} "
        f"{'by W^-1':>8} {'dense':>8}"
    )
    print(header)
    for channels in CHANNELS:
        size = 32 if channels <= 128 else (16 if channels <= 512 else 8)
        shape, batch_size = (size, size, channels), 16
        batch = jr.normal(jr.key(1), (batch_size, *shape))
        lu = Invertible1x1Conv(jr.key(0), shape)
        dense = DenseInvertible1x1Conv(jr.key(0), shape)
        row = {"channels": channels, "pixels": size * size, "batch": batch_size}
        calls = {}
        for name, layer in [("lu", lu), ("dense", dense)]:
            run, params = log_det_loop(layer)
            calls[f"log_det_{name}"] = lambda run=run, p=params: run(p)
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
        timings = interleaved_seconds(calls)
        timings["log_det_lu"] = [t / LOOP for t in timings["log_det_lu"]]
        timings["log_det_dense"] = [t / LOOP for t in timings["log_det_dense"]]
        for name, values in timings.items():
            row[f"{name}_s"] = median(values)
        for what in ("log_det", "step", "inverse"):
            row[f"{what}_ratio"] = median_ratio(
                timings[f"{what}_dense"], timings[f"{what}_lu"]
            )
        row["inverse_matrix_ratio"] = median_ratio(
            timings["inverse_dense"], timings["inverse_lu_matrix"]
        )
        rows.append(row)
        print(
            f"{channels:>5} {size * size:>7} | {row['log_det_lu_s']:>10.2e}s "
            f"{row['log_det_dense_s']:>9.2e}s {row['log_det_ratio']:>6.0f}x | "
            f"{row['step_lu_s']:>8.2e}s {row['step_dense_s']:>8.2e}s "
            f"{row['step_ratio']:>5.2f}x | {row['inverse_lu_s']:>9.2e}s "
            f"{row['inverse_lu_matrix_s']:>8.2e}s {row['inverse_dense_s']:>8.2e}s "
            f"{row['inverse_ratio']:>5.2f}x {row['inverse_matrix_ratio']:>5.2f}x | "
            f"{row['inverse_error_lu']:>16.1e} {row['inverse_error_lu_matrix']:>8.1e} "
            f"{row['inverse_error_dense']:>8.1e}",
            flush=True,
        )
    print(f"saved {save('conv1x1', rows)}")


if __name__ == "__main__":
    main()
