"""The numerics matrix: `make nbval` under settings that change the last bits.

Other machines compute other last bits: OpenBLAS picks its kernels for the CPU
at run time, XLA generates code for the CPU's vector instructions, and both
split work by the number of cores. On one x86-64 machine with AVX2 these
settings stand in for those machines. Each runs `make nbval` (so the stated
tolerances apply) and writes what every compared cell printed to
_build/numerics/SETTING.json; the summary then says, for each setting:

- whether nbval passed;
- how many printed numbers moved against the stored notebooks, and against this
  machine's default run (a setting that moves nothing proves nothing here);
- for each cell with a declared tolerance, the largest move, as a share of it.

    python -m tools.numerics_matrix            # every setting
    python -m tools.numerics_matrix --only default haswell
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.nbval_tolerance import pieces

ROOT = Path(__file__).resolve().parents[1]

OUT = ROOT / "_build" / "numerics"

# name: (environment, command prefix). XLA_FLAGS replaces the default (no cap).
SETTINGS = {
    "default": ({}, []),
    "haswell": ({"OPENBLAS_CORETYPE": "Haswell"}, []),
    "sandybridge-avx": (
        {"OPENBLAS_CORETYPE": "Sandybridge", "XLA_FLAGS": "--xla_cpu_max_isa=AVX"},
        [],
    ),
    "nehalem-sse4.2": (
        {"OPENBLAS_CORETYPE": "Nehalem", "XLA_FLAGS": "--xla_cpu_max_isa=SSE4_2"},
        [],
    ),
    "one-core": ({"OPENBLAS_NUM_THREADS": "1"}, ["taskset", "-c", "0"]),
}
# Not in the matrix. avx2-cap measures what the AVX2 cap that the Makefile once
# set does. avx-one-core is CI's one run: the two settings that CI used to run
# one after the other (older instructions; one core, so XLA and OpenBLAS split
# no work), applied together, so that each chapter runs once instead of twice.
EXTRA = {
    "avx2-cap": ({"XLA_FLAGS": "--xla_cpu_max_isa=AVX2"}, []),
    "avx-one-core": (
        {
            **SETTINGS["sandybridge-avx"][0],
            **SETTINGS["one-core"][0],
        },
        SETTINGS["one-core"][1],
    ),
}
MATRIX = list(SETTINGS)
SETTINGS |= EXTRA


def run(name: str) -> tuple[bool, float]:
    env, prefix = SETTINGS[name]
    report = OUT / f"{name}.json"
    report.unlink(missing_ok=True)
    command = [*prefix, "make", "--no-print-directory", "nbval"]
    command.append(f"NBVAL_REPORT={report}")
    print(f"== {name}: {' '.join(f'{k}={v}' for k, v in env.items())} "
          f"{' '.join(command)}", flush=True)  # fmt: skip
    start = time.perf_counter()
    environment = {**os.environ, "XLA_FLAGS": "", **env}
    passed = subprocess.run(command, cwd=ROOT, env=environment).returncode == 0
    return passed, time.perf_counter() - start


def moves(a: str, b: str) -> list[tuple[str, str]]:
    """The numbers that differ between two printings of one output."""
    (a_text, a_numbers), (b_text, b_numbers) = pieces(a), pieces(b)
    if a_text != b_text or len(a_numbers) != len(b_numbers):
        return [(a, b)]  # the text itself differs: one move, shown whole
    return [(x, y) for x, y in zip(a_numbers, b_numbers, strict=True) if x != y]


def load(name: str) -> dict:
    path = OUT / f"{name}.json"
    if not path.exists():
        return {}
    return {(c["notebook"], c["cell"]): c for c in json.loads(path.read_text())}


def largest_move(pairs) -> float:
    largest = 0.0
    for a, b in pairs:
        try:
            largest = max(largest, abs(float(a) - float(b)))
        except ValueError:
            return float("inf")
    return largest


def summarise(names, results) -> None:
    default = load("default")
    print("\n== numerics matrix")
    for name in names:
        cells = load(name)
        passed, seconds = results.get(name, (None, 0.0))
        vs_stored = [
            m
            for c in cells.values()
            for t in c["texts"]
            for m in moves(t["stored"], t["fresh"])
        ]
        vs_default = [
            m
            for key, c in cells.items()
            if key in default
            for t, d in zip(c["texts"], default[key]["texts"], strict=False)
            for m in moves(d["fresh"], t["fresh"])
        ]
        verdict = {True: "passed", False: "FAILED", None: "not run"}[passed]
        against_default = (
            f", {len(vs_default)} vs this machine's default run"
            if name != "default"
            else ""
        )
        print(
            f"{name:16s} {verdict:7s} {seconds:5.0f} s; numbers moved: "
            f"{len(vs_stored)} vs stored{against_default}"
        )
        if name != "default" and default and not vs_default:
            print(f"  note: {name} moved no printed number here, so it proves nothing")
        for (notebook, cell), c in sorted(cells.items()):
            if c["tolerance"] is None:
                continue
            pairs = [m for t in c["texts"] for m in moves(t["stored"], t["fresh"])]
            largest = largest_move(pairs)
            tolerance = c["tolerance"]
            print(
                f"  {notebook} cell {cell}: largest move {largest:.4f} "
                f"of ±{tolerance:g} ({largest / tolerance:.0%})"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=SETTINGS, default=MATRIX)
    parser.add_argument(
        "--summary-only", action="store_true", help="summarise saved reports"
    )
    args = parser.parse_args()
    results = {}
    if not args.summary_only:
        for name in args.only:
            results[name] = run(name)
    summarise(args.only, results)
    failed = [name for name, (passed, _) in results.items() if not passed]
    if failed:
        print(f"\nnbval failed under: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
