"""The project's gates, run by the README's test command: ruff (lint and format) over the
whole tree, mypy over every package (annotator with its Qt layer, trainer and
polymask_common; the list is in pyproject.toml), and no product file over 600 lines. A failure prints what the tool printed.

The tools start as soon as the tests are collected (``start_gates``, called from conftest) and
run beside the other tests: the same checks, but mypy's ~15 s of CPU overlap tests that wait."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GATES = {
    "ruff": ("ruff", "check", "--no-cache", "."),
    "format": ("ruff", "format", "--no-cache", "--check", "."),
    "mypy": ("mypy", "--no-incremental", "--cache-dir", "/dev/null"),
}
_started: dict[str, tuple[subprocess.Popen, Path]] = {}


def _tool(name: str) -> str:
    return shutil.which(name) or str(Path(sys.executable).with_name(name))


def start_gates() -> None:
    """Start every gate in the background (once); output goes to a temporary file."""
    for name, (tool, *args) in GATES.items():
        if name not in _started:
            out = Path(tempfile.mkstemp(prefix=f"polymask-gate-{name}-")[1])
            with open(out, "w") as f:
                proc = subprocess.Popen([_tool(tool), *args], cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, text=True)
            _started[name] = (proc, out)


def _result(name: str) -> tuple[int, str]:
    start_gates()
    proc, out = _started[name]
    code = proc.wait(timeout=600)
    return code, out.read_text()


def test_ruff_finds_nothing():
    code, output = _result("ruff")
    assert code == 0, output


def test_code_is_formatted():
    code, output = _result("format")
    assert code == 0, "run `ruff format .`:\n" + output


def test_every_package_passes_mypy():
    code, output = _result("mypy")
    assert code == 0, output
    assert "Success: no issues found" in output


MAX_LINES = 600  # the charter: no product file over 600 lines


def test_no_product_file_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for package in ("annotator", "trainer")
        for path in sorted((ROOT / package).rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these by job (at most {MAX_LINES} lines each): {long}"
