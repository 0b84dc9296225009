"""How far training carries a last-bit difference: the evidence for the
notebooks' tolerances.

Another machine computes other last bits (tools/numerics_matrix.py shows a
few such machines), and training carries those differences into the printed
decimals. How far it carries them depends on the training run, not on which
bits differed, so this tool makes last-bit differences on purpose: it runs each
notebook several times with the first update of every `optax.adam` multiplied
by 1 + eps z (eps the machine epsilon of the update's dtype, 2^-23 in float32;
z standard normal, a new draw per trial), which changes most entries of that
update by a few units in the last place, and nothing else. FlowJAX's
`fit_to_data` builds its optimizer with `optax.adam`, so it is covered too.

For each compared cell it then reports how far its printed numbers moved from
the stored outputs over the trials: for a cell with a tolerance line, the
largest move as a share of the tolerance; for a cell compared exactly, whether
any trial printed something else (such a cell is checking a number that
training can move, and needs a tolerance or a different print).

    python -m tools.training_spread notebooks/04_glow_step.ipynb --trials 8
"""

import argparse
import configparser
import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

from tests.nbval_tolerance import declared_tolerance, is_decimal, pieces

ROOT = Path(__file__).resolve().parents[1]

OUT = ROOT / "_build" / "spread"
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"

# Runs in the kernel before the notebook's first cell; TRIAL is filled in.
PERTURB = '''
import jax as _jax
import optax as _optax

_adam = _optax.adam


def _eps(u):
    return _jax.numpy.finfo(u.dtype).eps


def _last_bits(seed):
    """Multiplies the first update by 1 + eps z, and passes the rest."""

    def init(params):
        del params
        return _jax.numpy.zeros((), "int32")

    def update(updates, count, params=None):
        leaves, tree = _jax.tree.flatten(updates)
        keys = _jax.random.split(_jax.random.key(seed), len(leaves))
        leaves = [
            _jax.numpy.where(
                count == 0,
                u * (1 + _eps(u) * _jax.random.normal(k, u.shape, u.dtype)),
                u,
            )
            for u, k in zip(leaves, keys)
        ]
        return _jax.tree.unflatten(tree, leaves), count + 1

    return _optax.GradientTransformation(init, update)


def _perturbed_adam(*args, **kwargs):
    return _optax.chain(_adam(*args, **kwargs), _last_bits(TRIAL))


_optax.adam = _perturbed_adam
'''


def sanitize_rules() -> list[tuple[re.Pattern, str]]:
    """nbval's rules (tests/nbval_sanitize.cfg): what it never compares."""
    config = configparser.ConfigParser()
    config.read(SANITIZE)
    return [
        (re.compile(config[s]["regex"]), config[s]["replace"])
        for s in config.sections()
    ]


RULES = sanitize_rules()


def texts(cell) -> list[str]:
    """A cell's text outputs, as nbval compares them (after its sanitize rules)."""
    found = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            text = output.get("text", "")
        elif "text/plain" in output.get("data", {}):
            text = output["data"]["text/plain"]
        else:
            continue
        for pattern, replacement in RULES:
            text = pattern.sub(replacement, text)
        found.append(text)
    return found


def run_trial(path: Path, trial: int) -> list[list[str]]:
    """The text outputs of every cell of `path`, run with perturbation `trial`."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PERTURB.replace("TRIAL", str(trial))))
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=1200,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    coalesce = CoalesceStreamsPreprocessor()
    outputs = []
    for i, cell in enumerate(nb.cells[1:]):
        if cell.cell_type == "code":
            coalesce.preprocess_cell(cell, {}, i)
        outputs.append(texts(cell))
    return outputs


def largest_move(stored: list[str], fresh: list[str]) -> float | None:
    """Largest change of a printed decimal; None if the text around them changed."""
    if len(stored) != len(fresh):
        return None
    move = 0.0
    for a, b in zip(stored, fresh, strict=True):
        (text_a, numbers_a), (text_b, numbers_b) = pieces(a), pieces(b)
        if [" ".join(t.split()) for t in text_a] != [
            " ".join(t.split()) for t in text_b
        ] or len(numbers_a) != len(numbers_b):
            return None
        for x, y in zip(numbers_a, numbers_b, strict=True):
            if is_decimal(x) and is_decimal(y):
                move = max(move, abs(float(x) - float(y)))
            elif x != y:
                return None
    return move


def summarise(path: Path, trials: dict[int, list[list[str]]]) -> list[dict]:
    nb = nbformat.read(path, as_version=4)
    rows = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "nbval-ignore-output" in cell.metadata.get(
            "tags", []
        ):
            continue
        stored = texts(cell)
        tolerance = declared_tolerance(cell.source)
        moves = [largest_move(stored, outputs[i]) for outputs in trials.values()]
        changed = [outputs[i] != stored for outputs in trials.values()]
        if tolerance is None and not any(changed):
            continue
        rows.append(
            {
                "cell": i,
                "tolerance": None if tolerance is None else tolerance.value,
                "moves": moves,
                "changed": sum(changed),
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    jobs = [
        (path, trial) for path in args.notebooks for trial in range(1, args.trials + 1)
    ]
    with ThreadPoolExecutor(args.jobs) as pool:
        done = list(pool.map(lambda job: run_trial(*job), jobs))
    results = {}
    for (path, trial), outputs in zip(jobs, done, strict=True):
        results.setdefault(path, {})[trial] = outputs
    OUT.mkdir(parents=True, exist_ok=True)
    worst = 0.0
    for path, trials in results.items():
        rows = summarise(path, trials)
        (OUT / f"{path.stem}.json").write_text(json.dumps(rows, indent=1))
        print(f"{path.name}, {len(trials)} perturbed runs:")
        for row in rows:
            moves = [m for m in row["moves"] if m is not None]
            text_changed = len(moves) < len(row["moves"])
            largest = max(moves, default=0.0)
            if row["tolerance"] is None:
                runs = f"{row['changed']} of {len(trials)} runs"
                print(
                    f"  cell {row['cell']}: compared exactly, changed in {runs} "
                    f"(largest move {largest:.4g})"
                )
                worst = max(worst, float("inf"))
                continue
            share = largest / row["tolerance"]
            worst = max(worst, share if not text_changed else float("inf"))
            extra = "; its text changed too" if text_changed else ""
            print(
                f"  cell {row['cell']}: largest move {largest:.4f} of "
                f"±{row['tolerance']:g} ({share:.0%}){extra}"
            )
    return 0 if worst <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
