"""Shared timing helpers: medians of repeated runs, and the machine they ran on."""

import datetime
import json
import os
import platform
import statistics
import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp

RESULTS = Path(__file__).resolve().parent / "results"


def _seconds_once(f):
    """Seconds for one call of ``f``, after a first call (compilation)."""
    jax.block_until_ready(f())
    start = time.perf_counter()
    jax.block_until_ready(f())
    return max(time.perf_counter() - start, 1e-7)


def _run(f, calls):
    for _ in range(calls):
        out = f()
    jax.block_until_ready(out)


def interleaved_seconds(
    calls: dict, repeats: int = 9, timed: float = 0.05, settle: float = 0.15
) -> dict[str, list[float]]:
    """Seconds per call of each zero-argument function in ``calls``, timed in
    turn, round after round, so that a change in the machine's load or clock
    during the run falls on all of them alike.

    In each round each function first runs untimed for about ``settle`` seconds:
    on the CPU, a function that follows a LAPACK-heavy one (the dense layer's
    slogdet) ran up to 1.7x slower for about 0.1 s, a cost of switching, not of
    the function. Then about ``timed`` seconds of calls are timed. Returns each
    name's list of ``repeats`` timings (seconds per call).
    """
    once = {name: _seconds_once(f) for name, f in calls.items()}
    timings = {name: [] for name in calls}
    for _ in range(repeats):
        for name, f in calls.items():
            _run(f, max(1, int(settle / once[name])))
            number = max(1, int(timed / once[name]))
            start = time.perf_counter()
            _run(f, number)
            timings[name].append((time.perf_counter() - start) / number)
    return timings


def in_a_loop(f, *args, target: float = 0.02):
    """Time ``f(*args)`` without the cost of calling a compiled function.

    Returns ``(call, count)``: ``call()`` runs ``count`` evaluations of ``f``
    inside one compiled loop, with ``count`` chosen so that a call lasts about
    ``target`` seconds, so divide a call's seconds by ``count``. Evaluation ``i``
    sees every floating-point array of ``args`` shifted by ``1e-7 * i``, so that
    the compiler cannot hoist one evaluation out of the loop, and the loop
    returns the sum of every output, so that none is skipped.
    """

    @jax.jit
    def run(args, count):
        def body(i, total):
            shifted = jax.tree.map(
                lambda a: a + 1e-7 * i if eqx.is_inexact_array(a) else a, args
            )
            outputs = jax.tree.leaves(f(*shifted))
            return total + sum(jnp.sum(out) for out in outputs)

        return jax.lax.fori_loop(0, count, body, jnp.zeros(()))

    count = 1
    for _ in range(3):  # the first estimate is mostly the cost of the call
        seconds = _seconds_once(lambda count=count: run(args, count))
        count = max(1, min(10**6, round(count * target / seconds)))
    return (lambda: run(args, count)), count


def median_ratio(numerator: list[float], denominator: list[float]) -> float:
    """The median over rounds of numerator / denominator, each pair from one round."""
    return statistics.median(a / b for a, b in zip(numerator, denominator, strict=True))


def median(values: list[float]) -> float:
    return statistics.median(values)


def cpu_model() -> str:
    """The CPU's model name (Linux), else what the platform module knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def device_name() -> str:
    """What JAX ran on, in words: "CPU only" when it saw no accelerator."""
    device = jax.devices()[0]
    if device.platform == "cpu":
        return "CPU only (JAX saw no GPU)"
    return f"{device.platform.upper()}: {device.device_kind}"


def cores() -> int:
    """The cores this process may run on (fewer than the machine's under
    ``taskset``)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def machine(**versions: str | None) -> dict:
    """The machine, the date (UTC) and the versions a result was measured with;
    ``versions`` adds others (torch=...), None where not installed. XLA_FLAGS
    and OPENBLAS_NUM_THREADS are kept where set, since they can change how many
    threads XLA and the LAPACK calls use."""
    return {
        "date": datetime.datetime.now(datetime.UTC).date().isoformat(),
        "platform": platform.platform(),
        "processor": cpu_model(),
        "cpu_count": cores(),
        "xla_flags": os.environ.get("XLA_FLAGS"),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "device": device_name(),
        "backend": jax.devices()[0].platform,
        "jax": jax.__version__,
        **versions,
    }


def save(name: str, rows: list[dict], **versions: str | None) -> Path:
    RESULTS.mkdir(exist_ok=True)
    info = machine(**versions)
    tag = info["backend"]
    path = RESULTS / f"{name}-{tag}.json"
    path.write_text(json.dumps({"machine": info, "rows": rows}, indent=1) + "\n")
    return path
