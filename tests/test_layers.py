"""The layer rules of DESIGN.md, enforced by import-linter's contracts in pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    declared = (ROOT / "pyproject.toml").read_text(encoding="utf-8").count("[[tool.importlinter.contracts]]")
    assert declared >= 8  # none dropped
    assert f"Contracts: {declared} kept, 0 broken" in result.stdout, result.stdout


def test_data_layer_imports_without_qt_or_torch():
    code = (
        "import sys, annotator.model, annotator.io, annotator.io.via, annotator.io.native, annotator.app;"
        "import annotator.app.training, trainer.launch.supervisor, polymask_common.atomic;"
        "import annotator.app.live_training, annotator.app.prelabel_quality, trainer.live.supervisor;"
        "bad = [m for m in ('PySide6', 'torch', 'torchvision') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_assist_imports_without_qt_or_torch():
    """polymask assist with GrabCut (and the window's Assist tool before a model is chosen) loads no torch."""
    code = (
        "import sys, annotator.assist, annotator.cli_assist;"
        "bad = [m for m in ('PySide6', 'torch', 'torchvision') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
