"""The 1x1 convolution, LU form against dense, C = 16 to 1024.

Three measurements, each taken side by side in this one process, with the ratio
dense / LU (above 1: the LU layer is faster):

1. log|det W| alone, inside one compiled loop of 100 evaluations (so that the
   cost of calling a compiled function does not hide it);
2. a training step of one layer on a batch of images: forward, log-det and the
   gradient with respect to the parameters;
3. the inverse of a batch of images, with the round-trip error of each layer.

Run with `make bench`; results go to benchmarks/results/conv1x1-<device>.json.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from _timing import median_seconds, save
from paramax import NonTrainable

from glowlab import DenseInvertible1x1Conv, Invertible1x1Conv

CHANNELS = [16, 32, 64, 128, 256, 512, 1024]
LOOP = 100


def split_trainable(layer):
    """(trainable parameters, the rest): P and the signs are not trained."""
    return eqx.partition(
        layer, eqx.is_inexact_array, is_leaf=lambda x: isinstance(x, NonTrainable)
    )


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


def main():
    rows = []
    header = (
        f"{'C':>5} {'pixels':>7} | {'log-det LU':>11} {'dense':>10} {'ratio':>7} | "
        f"{'step LU':>9} {'dense':>9} {'ratio':>6} | {'inverse LU':>10} {'dense':>9} "
        f"{'ratio':>6} | {'round trip LU':>13} {'dense':>8}"
    )
    print(header)
    for channels in CHANNELS:
        size = 32 if channels <= 128 else (16 if channels <= 512 else 8)
        shape, batch_size = (size, size, channels), 16
        batch = jr.normal(jr.key(1), (batch_size, *shape))
        lu = Invertible1x1Conv(jr.key(0), shape)
        dense = DenseInvertible1x1Conv(jr.key(0), shape)
        row = {"channels": channels, "pixels": size * size, "batch": batch_size}
        for name, layer in [("lu", lu), ("dense", dense)]:
            run, params = log_det_loop(layer)
            row[f"log_det_{name}_s"] = median_seconds(run, params) / LOOP
            step, params = training_step(layer)
            row[f"step_{name}_s"] = median_seconds(step, params, batch)
            inverse = jax.jit(jax.vmap(layer.inverse))
            row[f"inverse_{name}_s"] = median_seconds(inverse, batch)
            forward = jax.vmap(layer.transform)
            back = inverse(forward(batch))
            row[f"round_trip_{name}"] = float(jnp.max(jnp.abs(back - batch)))
        for what in ("log_det", "step", "inverse"):
            row[f"{what}_ratio"] = row[f"{what}_dense_s"] / row[f"{what}_lu_s"]
        rows.append(row)
        print(
            f"{channels:>5} {size * size:>7} | {row['log_det_lu_s']:>10.2e}s "
            f"{row['log_det_dense_s']:>9.2e}s {row['log_det_ratio']:>6.0f}x | "
            f"{row['step_lu_s']:>8.2e}s {row['step_dense_s']:>8.2e}s "
            f"{row['step_ratio']:>5.2f}x | {row['inverse_lu_s']:>9.2e}s "
            f"{row['inverse_dense_s']:>8.2e}s {row['inverse_ratio']:>5.2f}x | "
            f"{row['round_trip_lu']:>13.1e} {row['round_trip_dense']:>8.1e}",
            flush=True,
        )
    print(f"saved {save('conv1x1', rows)}")


if __name__ == "__main__":
    main()
