"""Model files for the promptable segmenter: fetched on first use, checked, or imported by hand.

A download goes to ``NAME.part`` beside its place and is renamed only once its sha256 matches
the pinned one, so a half-written or wrong file is never loaded. An interrupted download resumes
from its ``.part`` (an HTTP range request). ``POLYMASK_ASSIST_MIRROR`` names a base URL to fetch
from instead (``$MIRROR/<file name>``), for offices without access to the original host.
Files are placed where ``osam`` looks (``~/.cache/osam/models/blobs/sha256-<hash>``), so osam's
own tools and labelme find them too."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MIRROR_ENV = "POLYMASK_ASSIST_MIRROR"
CHUNK = 1 << 16

Progress = Callable[[str, int, "int | None"], None]  # file name, bytes so far, bytes in all (None: unknown)


class WeightsError(Exception):
    """A model file could not be fetched or imported; the message says what to do."""


class DownloadCancelled(WeightsError):
    pass


@dataclass(frozen=True)
class ModelFile:
    name: str  # the file's own name, e.g. sam2.1_tiny_preprocess.onnx
    url: str
    sha256: str  # hex digest

    @property
    def path(self) -> Path:
        return Path.home() / ".cache" / "osam" / "models" / "blobs" / f"sha256-{self.sha256}"

    @property
    def present(self) -> bool:
        return self.path.is_file()

    def source(self) -> str:
        mirror = os.environ.get(MIRROR_ENV, "").strip()
        return f"{mirror.rstrip('/')}/{self.name}" if mirror else self.url


def sha256_of(path: Path, cancel: threading.Event | None = None) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            if cancel is not None and cancel.is_set():
                raise DownloadCancelled("Cancelled.")
            h.update(block)
    return h.hexdigest()


def download(
    file: ModelFile, progress: Progress | None = None, cancel: threading.Event | None = None, timeout: float = 30
) -> Path:
    """Fetch ``file`` into place (see the module's note); returns its path."""
    if file.present:
        return file.path
    file.path.parent.mkdir(parents=True, exist_ok=True)
    part = file.path.with_name(file.path.name + ".part")
    url = file.source()
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if have and response.status != 206:  # the server ignores ranges: start again
                have = 0
            length = response.headers.get("Content-Length")
            total = have + int(length) if length is not None else None
            with open(part, "ab" if have else "wb") as out:
                done = have
                while True:
                    if cancel is not None and cancel.is_set():
                        raise DownloadCancelled(f"The download of {file.name} was cancelled.")
                    block = response.read(CHUNK)
                    if not block:
                        break
                    out.write(block)
                    done += len(block)
                    if progress is not None:
                        progress(file.name, done, total)
            if total is not None and done < total:
                raise WeightsError(
                    f"The download of {file.name} stopped at {done} of {total} bytes; try again to resume."
                )
    except DownloadCancelled:
        part.unlink(missing_ok=True)
        raise
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise WeightsError(
            f"Cannot download {file.name} from {url} ({reason}). Offline? Copy the file here by hand and use "
            f"Import model file…, or set {MIRROR_ENV} to a server that has it."
        ) from None
    except Exception as e:  # http.client.IncompleteRead and other broken transfers
        raise WeightsError(
            f"The download of {file.name} broke off ({type(e).__name__}); try again to resume."
        ) from None
    _check_and_place(part, file, cancel)
    return file.path


def _check_and_place(part: Path, file: ModelFile, cancel: threading.Event | None = None) -> None:
    got = sha256_of(part, cancel)
    if got != file.sha256:
        part.unlink(missing_ok=True)
        raise WeightsError(
            f"{file.name} does not have the expected contents (sha256 {got[:12]}…, expected {file.sha256[:12]}…); "
            "it was not kept."
        )
    os.replace(part, file.path)


def import_file(source: str | os.PathLike, wanted: list[ModelFile]) -> ModelFile:
    """Copy a file the user fetched by hand into place, if its hash is one of ``wanted``'s."""
    src = Path(source)
    if not src.is_file():
        raise WeightsError(f"{src} is not a file.")
    try:
        digest = sha256_of(src)
    except OSError as e:
        raise WeightsError(f"Cannot read {src}: {e.strerror or e}.") from None
    match = next((f for f in wanted if f.sha256 == digest), None)
    if match is None:
        names = ", ".join(f.name for f in wanted)
        raise WeightsError(f"{src.name} is none of the files wanted ({names}): its sha256 is {digest[:12]}….")
    if match.present:
        return match
    match.path.parent.mkdir(parents=True, exist_ok=True)
    part = match.path.with_name(match.path.name + ".part")
    try:
        shutil.copyfile(src, part)
    except OSError as e:
        part.unlink(missing_ok=True)
        raise WeightsError(f"Cannot copy {src} to {match.path.parent}: {e.strerror or e}.") from None
    _check_and_place(part, match)
    return match
