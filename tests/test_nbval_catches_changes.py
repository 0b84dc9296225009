"""nbval really compares: a stored number changed by one digit fails it.

This guards the whole verification chain (the sanitize rules, the strict mode,
the kernel), which a too-broad sanitize rule or a lax flag would silently break.
The notebook is tests/small_notebook.py's, stored executed, so every other cell
(bounded checks, a figure, a kept timing) must pass while the changed one fails.
"""

import json
import re

import pytest

from tests.nbval_run import run_nbval
from tests.small_notebook import executed_small_notebook


@pytest.mark.slow
def test_a_changed_digit_fails_nbval(tmp_path):
    path = executed_small_notebook(tmp_path)
    nb = json.loads(path.read_text())
    changed = None
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for output in cell["outputs"]:
            text = "".join(output.get("text", []))
            # A log-det printed with fixed decimals, like -9.0301 (a bounded
            # error value such as 2e-16 is sanitized by design, so not that).
            match = re.search(r"[+-]\d+\.\d{4}\b", text)
            if output.get("name") == "stdout" and match:
                i = match.end() - 1  # its last decimal
                digit = "1" if text[i] != "1" else "2"
                output["text"] = text[:i] + digit + text[i + 1 :]
                changed = match.group()
                break
        if changed:
            break
    assert changed, "found no signed number to change"
    path.write_text(json.dumps(nb))

    result = run_nbval(path)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed" in result.stdout, result.stdout[-2000:]
