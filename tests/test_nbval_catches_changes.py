"""nbval really compares: a stored number changed by one digit fails it.

This guards the whole verification chain (the sanitize rules, the strict mode,
the kernel), which a too-broad sanitize rule or a lax flag would silently break.
"""

import json
import re

import pytest

from tests.nbval_run import ROOT, run_nbval

NOTEBOOK = ROOT / "notebooks" / "01_invertible_1x1_conv.ipynb"


@pytest.mark.slow
def test_a_changed_digit_fails_nbval(tmp_path):
    nb = json.loads(NOTEBOOK.read_text())
    changed = None
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "code" or "nbval-ignore-output" in tags:
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
    tampered = tmp_path / NOTEBOOK.name
    tampered.write_text(json.dumps(nb))

    result = run_nbval(tampered)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed" in result.stdout, result.stdout[-2000:]
