"""The tests compare against float64 references, so 64-bit JAX is on for all.

Compiling dominates the unit tests' time: every new shape compiles each random
initialiser and each operation run eagerly. The xdist workers share one
compilation cache, `_build/jax-cache`, so a program one worker compiled the
other loads, and `make test-fast` recompiles only what changed since the last
run. JAX keys each entry by the program, the JAX version and the device, so a
stale entry is never used.
"""

from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

CACHE = Path(__file__).resolve().parents[1] / "_build" / "jax-cache"
jax.config.update("jax_compilation_cache_dir", str(CACHE))
# By default JAX caches only programs that took a second to compile; the tests'
# cost is thousands of small ones.
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
