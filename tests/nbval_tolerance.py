r"""nbval with a stated tolerance for the results of long float32 training.

nbval compares every output as text. That is right for exact facts and bounded
checks, but not for the result of hundreds of float32 optimisation steps: other
CPUs (BLAS kernels, vector instruction sets, thread counts) and GPUs (TF32)
compute other last bits, and training carries them into the printed decimals.

A code cell opts in with one comment line in its source, visible to readers::

    # tolerance ±0.02: <why the printed numbers may move, and by how much>

Its printed decimal numbers (those with a point or an exponent) are then
compared within ±0.02 of the stored ones. Everything else in its output is
still compared exactly: the text between the numbers, integers, and how many
numbers there are. A cell without the line is compared exactly, as nbval does.
A tolerance line without a reason is an error, and so is a second one.

Why a plugin, and not an assertion in the cell (`assert abs(nll - 0.87) < 0.02`):
the same cells also run where their training results differ, and there they
must run without asserting them. On Colab and under the other JAX versions the
book supports (`make test-colab`, `make test-lowest`), other versions compute
other last bits, and nothing bounds how far training carries them; every cell
must still run, and an assertion in the cell would stop the reader's notebook
there. The stored output is the reference and the tolerance a part of comparing
with it, so both belong to the check of the verified build, with nbval.

With ``--nbval-numbers-report=FILE`` the stored and the freshly computed text
of every compared output is written to FILE (JSON), before tolerances and
sanitizing: ``tools/numerics_matrix.py`` reads it to show which numbers a
machine setting moved, and how far.
"""

from __future__ import annotations

import json
import math
import re
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

# A number as the notebooks print them: "+0.865", "2.14", "-3", "3e-05", "1,597"
# is two integers (compared exactly, so no harm). Not part of a word ("x1", "L2").
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
DECLARATION = re.compile(r"^\s*#\s*tolerance\b(.*)$", re.MULTILINE)
VALID = re.compile(
    r"^\s*±\s*(?P<value>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(?::(?P<reason>.*))?$"
)
# A reason says why the numbers move; a word or two does not.
MIN_REASON_LENGTH = 20
TEXT_FIELDS = ("text/plain", "text/html", "text/markdown", "text/latex")


@dataclass(frozen=True)
class Tolerance:
    """An absolute tolerance on a cell's printed decimal numbers, and why."""

    value: float
    reason: str


def declared_tolerance(source: str) -> Tolerance | None:
    """The tolerance a cell's source declares, or None; ValueError if malformed."""
    found = DECLARATION.findall(source)
    if not found:
        return None
    if len(found) > 1:
        raise ValueError("a cell declares its tolerance once, not twice")
    match = VALID.match(found[0])
    if match is None:
        raise ValueError(
            f"malformed tolerance line '# tolerance{found[0]}': write "
            "'# tolerance ±VALUE: REASON'"
        )
    reason = (match["reason"] or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValueError(
            f"the tolerance ±{match['value']} needs a reason: why do these numbers "
            f"move between machines, and by how much? (got '{reason}')"
        )
    value = float(match["value"])
    if not 0 < value < math.inf:
        raise ValueError(f"a tolerance must be positive and finite, not {value}")
    return Tolerance(value, reason)


def is_decimal(token: str) -> bool:
    return "." in token or "e" in token.lower()


def pieces(text: str) -> tuple[list[str], list[str]]:
    """The text split into what lies between numbers, and the numbers."""
    return NUMBER.split(text), NUMBER.findall(text)


def within(stored: str, fresh: str, tolerance: float) -> bool:
    """Is one printed number as good as the other? Integers must be equal."""
    if not (is_decimal(stored) and is_decimal(fresh)):
        return stored == fresh
    # The slack absorbs binary rounding: 0.869 - 0.859 is 0.010000000000000009.
    return abs(float(stored) - float(fresh)) <= tolerance * (1 + 1e-9)


def align(stored: str, fresh: str, tolerance: float) -> str:
    """`fresh`, with each number that is within tolerance of its stored
    counterpart replaced by that counterpart's text.

    Where the text around the numbers differs, or their count, nothing is
    paired and `fresh` comes back as it was, so nbval reports the difference.
    """
    stored_text, stored_numbers = pieces(stored)
    fresh_text, fresh_numbers = pieces(fresh)
    same_text = [" ".join(p.split()) for p in stored_text] == [
        " ".join(p.split()) for p in fresh_text
    ]
    if not same_text or len(stored_numbers) != len(fresh_numbers):
        return fresh
    pairs = list(zip(stored_numbers, fresh_numbers, strict=True))
    if all(within(a, b, tolerance) for a, b in pairs):
        return stored  # all within: the same, padding included
    kept = [a if within(a, b, tolerance) else b for a, b in pairs]
    out = [fresh_text[0]]
    for number, text in zip(kept, fresh_text[1:], strict=True):
        out += [number, text]
    return "".join(out)


def text_fields(output) -> list[tuple[tuple[str, ...], str]]:
    """(where, text) for each text an output holds."""
    if output.get("output_type") == "stream":
        return [(("text",), output.get("text", ""))]
    data = output.get("data", {})
    return [(("data", k), data[k]) for k in TEXT_FIELDS if isinstance(data.get(k), str)]


def paired_texts(fresh, stored):
    """(fresh output, where, fresh text, stored text) for each text that both
    hold, outputs paired by position and kind (nbval's order)."""
    for a, b in zip(fresh, stored, strict=False):
        if (a.get("output_type"), a.get("name")) != (
            b.get("output_type"),
            b.get("name"),
        ):
            continue
        stored_fields = dict(text_fields(b))
        for where, text in text_fields(a):
            if where in stored_fields:
                yield a, where, text, stored_fields[where]


def tolerate(fresh, stored, tolerance: Tolerance):
    """Copies of the fresh outputs, with numbers within tolerance aligned."""
    fresh = [_copy(o) for o in fresh]
    for output, where, text, stored_text in paired_texts(fresh, stored):
        aligned = align(stored_text, text, tolerance.value)
        if where == ("text",):
            output["text"] = aligned
        else:
            output["data"][where[1]] = aligned
    return fresh


def _copy(output):
    copied = type(output)(output)
    if "data" in output:
        copied["data"] = type(output["data"])(output["data"])
    return copied


class NumbersReport:
    """What each compared cell printed, stored and fresh, for the numerics matrix."""

    def __init__(self, path: Path):
        self.path = path
        self.cells = []

    def record(self, item, fresh, stored, tolerance: Tolerance | None):
        texts = [
            {"stored": stored_text, "fresh": text}
            for _, _, text, stored_text in paired_texts(fresh, stored)
        ]
        self.cells.append(
            {
                "notebook": Path(str(item.fspath)).name,
                "cell": item.cell_num,
                "tolerance": None if tolerance is None else tolerance.value,
                "texts": texts,
            }
        )

    def write(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.cells, indent=1))


def pytest_addoption(parser):
    parser.getgroup("nbval").addoption(
        "--nbval-numbers-report",
        metavar="FILE",
        help="write every compared cell's stored and fresh text to FILE (JSON)",
    )


def pytest_configure(config):
    path = config.getoption("nbval_numbers_report")
    config._nbval_numbers_report = NumbersReport(Path(path)) if path else None


def pytest_unconfigure(config):
    report = getattr(config, "_nbval_numbers_report", None)
    if report is not None:
        report.write()


def pytest_collection_modifyitems(session, config, items):
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval absent: nothing to compare
        return
    report = config._nbval_numbers_report
    for item in items:
        if not isinstance(item, IPyNbCell):
            continue
        try:
            tolerance = declared_tolerance(item.cell.source)
        except ValueError as error:
            raise pytest.UsageError(f"{item.nodeid}: {error}") from None
        compare = item.compare_outputs  # nbval's own, bound to the item

        def compare_within(
            self, test, ref, skip_compare=None, *, _t=tolerance, _c=compare
        ):
            if report is not None:
                report.record(self, test, ref, _t)
            if _t is not None:
                test = tolerate(test, ref, _t)
            return _c(test, ref, skip_compare)

        item.compare_outputs = types.MethodType(compare_within, item)
