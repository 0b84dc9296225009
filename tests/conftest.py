"""The tests compare against float64 references, so 64-bit JAX is on for all.

Compiling dominates the unit tests' time: every new shape compiles each random
initialiser and each operation run eagerly (about 26 ms each, thousands of
them). Three things keep it short:

- The xdist workers share one compilation cache, `_build/jax-cache`, so a
  program one worker compiled the other loads, and `make test-fast` recompiles
  only what changed since the last run. JAX keys each entry by the program, the
  JAX version, the device and these settings, so a stale entry is never used.
- Random numbers come from XLA's own generator ("rbg") rather than threefry,
  whose unrolled rounds take about half a second to compile for each new shape
  of draw. The tests check identities that hold for any parameters and data,
  so which generator drew them does not matter; the notebooks, which print
  numbers from seeds, use JAX's default, as a reader does.
- XLA compiles without most of its optimisations: the tests check mathematics
  against tolerances, not speed. The notebooks (`make nbval`) run with XLA's
  defaults.
"""

from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_default_prng_impl", "rbg")
jax.config.update("jax_disable_most_optimizations", True)

CACHE = Path(__file__).resolve().parents[1] / "_build" / "jax-cache"
jax.config.update("jax_compilation_cache_dir", str(CACHE))
# By default JAX caches only programs that took a second to compile; the tests'
# cost is thousands of small ones.
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
