"""One Glow step at the sizes of real Glow levels, term by term.

The "Measured costs" page's cost model: at a level of H x W x C, with a batch
of B images and a coupling network of width w, one step's forward pass does

- the coupling's network: a 3x3 convolution from C/2 channels to w, a 1x1 from
  w to w and a 3x3 from w to C, B H W w (w + 13.5 C) multiply-adds;
- the 1x1 convolution's products: B H W C^2 multiply-adds;
- its log-determinant, once per batch: the dense layer's ``slogdet`` factorises
  W, O(C^3); the LU layer sums C numbers, but first builds W from its factors,
  a C x C x C product.

Each term is timed alone, as a training step uses it: forward and gradient
(with respect to its parameters and, where it sees the images, its input); so
are the two whole 1x1 layers, dense and LU. The terms on W alone take
microseconds at small C, so they are evaluated inside one compiled loop
(``_timing.in_a_loop``), which leaves out the few microseconds of calling a
compiled function from Python. The terms on the images take 0.05 ms and more,
so each is one compiled call: XLA's CPU backend runs convolutions and large
products far slower inside a compiled loop (the coupling 30x slower, with
jax 0.10.2). All of one level's terms are timed in turn, round after round
(``_timing.interleaved_seconds``).

The levels are openai/glow's (train.py's defaults and its README's commands):
CIFAR-10, 3 levels, width 512, 64 images per GPU; and the two top levels of
CelebA-HQ at 256 x 256, 6 levels, width 512, one image per GPU.

Run with `make bench`; results go to benchmarks/results/glow-level-<device>.json.
``--quick`` times the smallest level with a narrow network, to check that the
script works, and saves nothing.
"""

import argparse

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from _timing import in_a_loop, interleaved_seconds, median, save

from glowlab import (
    AffineCoupling,
    DenseInvertible1x1Conv,
    Invertible1x1Conv,
    moved_from_init,
    split_trainable,
)

WIDTH = 512
LEVELS = [
    {"model": "CIFAR-10", "level": 1, "shape": (16, 16, 12), "batch": 64},
    {"model": "CIFAR-10", "level": 2, "shape": (8, 8, 24), "batch": 64},
    {"model": "CIFAR-10", "level": 3, "shape": (4, 4, 48), "batch": 64},
    {"model": "CelebA-HQ", "level": 5, "shape": (8, 8, 192), "batch": 1},
    {"model": "CelebA-HQ", "level": 6, "shape": (4, 4, 384), "batch": 1},
]

# The terms that are a function of W alone, once per batch.
ON_W_ALONE = ("log_det_dense", "log_det_lu", "weight_lu")


def on_images(layer, batch):
    """Forward and gradient of ``<y, v> + sum(log_det)`` over the batch, with
    respect to the layer's trainable parameters and the images: the work a
    training step does with this layer (``v`` stands for the gradient that
    arrives from the layers above)."""
    params, static = split_trainable(layer)
    upstream = jr.normal(jr.key(3), batch.shape)

    def loss(params, images):
        model = eqx.combine(params, static)
        y, log_det = jax.vmap(model.transform_and_log_det)(images)
        return jnp.vdot(y, upstream) + jnp.sum(log_det)

    return jax.value_and_grad(loss, argnums=(0, 1)), params, batch


def products(matrix, batch):
    """The 1x1 convolution without its log-det: one C x C product per pixel."""
    upstream = jr.normal(jr.key(3), batch.shape)

    def loss(matrix, images):
        return jnp.vdot(images @ matrix.T, upstream)

    return jax.value_and_grad(loss, argnums=(0, 1)), matrix, batch


def of_weight(layer, f):
    """Forward and gradient of ``f(layer)``, a function of W alone, with respect
    to the layer's trainable parameters: once per batch, whatever its size."""
    params, static = split_trainable(layer)
    return jax.value_and_grad(lambda p: f(eqx.combine(p, static))), params


def level_terms(level, width):
    """Each term of one Glow step at this level, as ``(f, *args)``."""
    shape = level["shape"]
    key = jr.key(0)
    batch = jr.normal(jr.key(1), (level["batch"], *shape))
    # Off its initial values: the coupling's last layer starts at zero.
    coupling = moved_from_init(
        AffineCoupling(key, shape, hidden=width), jr.key(2), scale=0.01
    )
    dense = DenseInvertible1x1Conv(key, shape)
    lu = Invertible1x1Conv(key, shape)
    upstream_w = jr.normal(jr.key(4), dense.weight().shape)
    return {
        "coupling": on_images(coupling, batch),
        "products": products(dense.weight(), batch),
        "log_det_dense": of_weight(dense, lambda m: m.log_abs_det_weight()),
        "log_det_lu": of_weight(lu, lambda m: m.log_abs_det_weight()),
        "weight_lu": of_weight(lu, lambda m: jnp.vdot(m.weight(), upstream_w)),
        "layer_dense": on_images(dense, batch),
        "layer_lu": on_images(lu, batch),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="one level, width 64, not saved"
    )
    quick = parser.parse_args().quick
    levels, width, repeats = (LEVELS[2:3], 64, 3) if quick else (LEVELS, WIDTH, 9)
    print(f"one Glow step's terms, coupling width {width}: forward and gradient")
    rows = []
    for level in levels:
        calls, counts = {}, {}
        for name, (f, *args) in level_terms(level, width).items():
            if name in ON_W_ALONE:
                calls[name], counts[name] = in_a_loop(f, *args)
            else:
                once = jax.jit(f)
                calls[name], counts[name] = (lambda g=once, a=args: g(*a)), 1
        timings = interleaved_seconds(calls, repeats=repeats)
        row = {**level, "width": width}
        for name, values in timings.items():
            row[f"{name}_s"] = median([t / counts[name] for t in values])
            if name in ON_W_ALONE:
                row[f"{name}_loop_count"] = counts[name]
        rows.append(row)
        height, width_px, channels = level["shape"]
        print(
            f"{level['model']} level {level['level']}, "
            f"{height}x{width_px}x{channels}, batch {level['batch']}: "
            + ", ".join(f"{name} {row[f'{name}_s']:.2e}s" for name in timings),
            flush=True,
        )
    if quick:
        print("--quick: nothing saved")
    else:
        print(f"saved {save('glow-level', rows)}")


if __name__ == "__main__":
    main()
