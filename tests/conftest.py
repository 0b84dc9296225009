"""The tests compare against float64 references, so 64-bit JAX is on for all."""

import jax

jax.config.update("jax_enable_x64", True)
