"""The layer rules of DESIGN.md, enforced by import-linter's contracts in pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

import grimp  # installed with import-linter

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


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The graph's strongly connected groups of two or more modules (Tarjan): each is an import loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module) & graph.modules):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = [stack.pop()]
            while group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles():
    """No two modules of any package import each other, directly or round a loop; late
    (in-function) and TYPE_CHECKING imports count too."""
    for package in ("annotator", "trainer", "polymask_common"):
        assert import_cycles(grimp.build_graph(package, cache_dir=None)) == [], package


def test_the_cycle_finder_finds_a_loop_round_three_modules():
    graph = grimp.ImportGraph()
    for importer, imported in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")):
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph) == [["p.a", "p.b", "p.c"]]
