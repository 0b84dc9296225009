"""Shared timing helpers: medians of repeated runs, and the machine they ran on."""

import json
import os
import platform
import statistics
import time
from pathlib import Path

import jax

RESULTS = Path(__file__).resolve().parent / "results"


def median_seconds(f, *args, repeats=7, number=None):
    """Median over ``repeats`` of the time per call of ``f(*args)``, after a
    warm-up call (compilation); ``number`` calls per timing, chosen for ~50 ms."""
    jax.block_until_ready(f(*args))
    if number is None:
        start = time.perf_counter()
        jax.block_until_ready(f(*args))
        once = time.perf_counter() - start
        number = max(1, int(0.05 / max(once, 1e-7)))
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            out = f(*args)
        jax.block_until_ready(out)
        timings.append((time.perf_counter() - start) / number)
    return statistics.median(timings)


def cpu_model() -> str:
    """The CPU's model name (Linux), else what the platform module knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine() -> dict:
    device = jax.devices()[0]
    return {
        "platform": platform.platform(),
        "processor": cpu_model(),
        "cpu_count": os.cpu_count(),
        "jax": jax.__version__,
        "device": f"{device.platform}: {device.device_kind}",
    }


def save(name: str, rows: list[dict]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    info = machine()
    tag = info["device"].split(":")[0]
    path = RESULTS / f"{name}-{tag}.json"
    path.write_text(json.dumps({"machine": info, "rows": rows}, indent=1) + "\n")
    return path
