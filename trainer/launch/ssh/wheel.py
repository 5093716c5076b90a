"""The Polymask wheel that goes to the remote host: this very version, built once from the
source tree it runs from and cached by the sources' hash (``$POLYMASK_WHEEL`` names a wheel
to use instead, e.g. the one a release installed from)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import trainer
from trainer.launch.ssh.transport import RemoteError

WHEEL_ENV = "POLYMASK_WHEEL"
_PROJECT_FILES = ("pyproject.toml", "main.py", "README.md")


def source_root() -> Path | None:
    root = Path(trainer.__file__).resolve().parents[1]  # the folder holding the `trainer` package
    return root if (root / "pyproject.toml").is_file() and (root / "trainer").is_dir() else None


def version() -> str:
    try:
        from importlib.metadata import version as dist_version

        return dist_version("polymask")
    except Exception:  # noqa: BLE001 - not installed: read the source tree's pyproject
        root = source_root()
        text = (root / "pyproject.toml").read_text(encoding="utf-8") if root is not None else ""
        found = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)  # tomllib is 3.11+
        return found.group(1) if found else "0"


def _source_files(root: Path) -> list[Path]:
    """What the wheel is built from: the project files and every top-level package (not tests)."""
    files = [root / name for name in _PROJECT_FILES if (root / name).is_file()]
    for pkg in sorted(p for p in root.iterdir() if (p / "__init__.py").is_file() and p.name != "tests"):
        files += sorted(f for f in pkg.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    return files


def source_hash(root: Path) -> str:
    h = hashlib.sha256()
    for f in _source_files(root):
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "polymask" / "wheels"


def local_wheel() -> Path:
    """A wheel of the running Polymask: $POLYMASK_WHEEL, or built (once per source hash)."""
    given = os.environ.get(WHEEL_ENV)
    if given:
        if not Path(given).is_file():
            raise RemoteError(f"${WHEEL_ENV} names {given}, which is not a file.")
        return Path(given)
    root = source_root()
    if root is None:
        raise RemoteError(f"Cannot find Polymask's sources to build the wheel for the host; set ${WHEEL_ENV}.")
    out = cache_dir() / source_hash(root)
    found = sorted(out.glob("polymask-*.whl"))
    if found:
        return found[0]
    with tempfile.TemporaryDirectory(prefix="polymask-wheel-") as tmp:
        src = Path(tmp) / "src"  # a copy: building writes build/ and *.egg-info beside the sources
        src.mkdir()
        for f in _source_files(root):
            dest = src / f.relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest)
        built = Path(tmp) / "dist"
        # setuptools here: build with it (offline); else pip fetches it, as `pip install -e .` did
        isolation = [] if importlib.util.find_spec("setuptools") is None else ["--no-build-isolation"]
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q", "-w", str(built), str(src)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        wheels = sorted(built.glob("polymask-*.whl"))
        if done.returncode != 0 or not wheels:
            last = (done.stderr or done.stdout).strip().splitlines()
            raise RemoteError(f"Could not build Polymask's wheel for the host: {last[-1] if last else 'no wheel'}")
        out.mkdir(parents=True, exist_ok=True)
        tmp_dest = out / (wheels[0].name + ".part")
        shutil.copy2(wheels[0], tmp_dest)
        os.replace(tmp_dest, out / wheels[0].name)
        return out / wheels[0].name


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]
