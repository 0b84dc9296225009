"""The couplings' 3x3 convolution: XLA's against matrix products.

glowlab's couplings compute their 3x3 convolutions with
``jax.lax.conv_general_dilated``. Earlier they used matrix products with a
hand-written gradient, which forward-mode autodiff cannot differentiate
(``conv3x3_products.py`` keeps that code). This benchmark measures what that
path buys, on the CPU, side by side in one run:

1. each 3x3 convolution of both Glow models of bench_glow.py, on a batch of 64,
   forward alone and forward with the gradient of both inputs;
2. the whole Glow training step of both models (bench_glow.py's), each path.

A ratio above 1 means the matrix products are faster. Before timing, the two
must agree on every shape (output and both gradients). The rule the project
set: the custom path goes back into glowlab (opt-in, XLA's convolution staying
the default) only if it makes the whole training step at least 1.3x faster at
both sizes.
"""

import jax
import jax.numpy as jnp
import jax.random as jr
from _timing import interleaved_seconds, median, median_ratio, save
from bench_glow import BATCH, SIZES, glowlab_flow, glowlab_step
from conv3x3_products import check_agrees, conv3x3_by_products, conv3x3_xla

from glowlab._conv3x3 import Conv3x3

KEEP_IF_STEP_SPEEDUP = 1.3


def conv_shapes(size):
    """The (height, width, C_in, C_out) of every distinct 3x3 convolution in the
    couplings of bench_glow.py's model of this size."""
    flow = glowlab_flow(size, jr.normal(jr.key(0), (BATCH, *size["shape"])))
    shapes = []
    for level in flow.levels:
        height, width, _ = level[0].shape
        for step in level:
            for conv in step.coupling.network.layers:
                if isinstance(conv, Conv3x3):
                    shape = (height, width, *conv.weight.shape[2:])
                    if shape not in shapes:
                        shapes.append(shape)
    return shapes


def conv_calls(shape):
    """Forward, and forward with gradient, of both convolutions on one shape."""
    height, width, c_in, c_out = shape
    kx, kw, kc = jr.split(jr.key(0), 3)
    x = jr.normal(kx, (BATCH, height, width, c_in))
    weight = jr.normal(kw, (3, 3, c_in, c_out)) / 3
    cotangent = jr.normal(kc, (BATCH, height, width, c_out))
    check_agrees(x, weight, cotangent)
    calls = {}
    for name, conv in [("xla", conv3x3_xla), ("products", conv3x3_by_products)]:
        forward = jax.jit(conv)

        def loss(x, w, conv=conv):
            return jnp.sum(conv(x, w) * cotangent)

        gradient = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))
        calls[f"{name} forward"] = lambda f=forward: f(x, weight)
        calls[f"{name} gradient"] = lambda g=gradient: g(x, weight)
    return calls


def main():
    rows = []
    print("3x3 convolutions, batch of 64: speed-up of the matrix products over XLA")
    for size in SIZES:
        for shape in conv_shapes(size):
            timings = interleaved_seconds(conv_calls(shape), repeats=7, timed=0.1)
            row = {"model": size["name"], "conv_shape": list(shape)}
            for part in ("forward", "gradient"):
                row[f"{part}_xla_s"] = median(timings[f"xla {part}"])
                row[f"{part}_products_s"] = median(timings[f"products {part}"])
                row[f"{part}_speedup"] = median_ratio(
                    timings[f"xla {part}"], timings[f"products {part}"]
                )
            rows.append(row)
            print(f"  {size['name']:12s} {'x'.join(map(str, shape)):>10s}: forward "
                  f"{row['forward_speedup']:.2f}x, gradient "
                  f"{row['gradient_speedup']:.2f}x", flush=True)  # fmt: skip
    print("Whole training step (forward, gradient, Adam), batch of 64:")
    speedups = []
    for size in SIZES:
        calls = {
            "xla": glowlab_step(size),
            "products": glowlab_step(size, conv_by_products=True),
        }
        timings = interleaved_seconds(calls, repeats=7, timed=0.3)
        speedup = median_ratio(timings["xla"], timings["products"])
        speedups.append(speedup)
        rows.append(
            {
                "model": size["name"],
                "conv_shape": "training step",
                "step_xla_images_per_s": BATCH / median(timings["xla"]),
                "step_products_images_per_s": BATCH / median(timings["products"]),
                "step_speedup": speedup,
            }
        )
        print(f"  {size['name']:12s} XLA {rows[-1]['step_xla_images_per_s']:7.0f} "
              f"images/s, products {rows[-1]['step_products_images_per_s']:7.0f} "
              f"images/s: speed-up {speedup:.2f}x", flush=True)  # fmt: skip
    keep = min(speedups) >= KEEP_IF_STEP_SPEEDUP
    print(
        f"Verdict: the matrix products make the training step {min(speedups):.2f}x "
        f"to {max(speedups):.2f}x as fast as XLA's convolution; the rule asks for "
        f"{KEEP_IF_STEP_SPEEDUP}x at both sizes, so "
        + (
            "they are worth an opt-in path in glowlab."
            if keep
            else "glowlab keeps XLA's convolution only."
        )
    )
    print(f"saved {save('conv3x3', rows)}")


if __name__ == "__main__":
    main()
