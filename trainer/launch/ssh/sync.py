"""The run's images to the host: only those its COCO file names, into a per-project cache,
sent by rsync when their size or modification time differ (a second run sends what changed,
usually nothing). Files are written beside their final name and renamed (rsync's default),
so a broken transfer never leaves a half image in the cache. Progress counts files and bytes."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from trainer.launch.ssh.transport import Connection, RemoteError, q, remote_failure

Progress = Callable[[str, str], None]


@dataclass
class SyncResult:
    files: int  # images sent this time
    bytes: int
    needed: int  # images the run uses (sent now or already there)


def needed_files(coco: dict, images_root: Path) -> list[str]:
    """The COCO's file names that exist under the root, as relative POSIX paths."""
    names: list[str] = []
    seen: set[str] = set()
    for im in coco.get("images", []):
        name = str(im.get("file_name", ""))
        p = PurePosixPath(name.replace(os.sep, "/"))
        if not name or p.is_absolute() or ".." in p.parts:
            raise RemoteError(f"The image {name!r} is outside the image folder {images_root}; it cannot be sent.")
        if name not in seen and (images_root / p).is_file():
            seen.add(name)
            names.append(p.as_posix())
    return names


def _rsync(conn: Connection, root: Path, dest: str, names: list[str], dry: bool) -> subprocess.Popen:
    args = ["-rt", "--files-from=-", "--from0", "--out-format=%l %n", *(["--dry-run"] if dry else [])]
    return subprocess.Popen(
        conn.rsync_argv(*args, f"{root}/", conn.remote_path(dest + "/")),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )


def _sent_lines(proc: subprocess.Popen, names: list[str]):
    """(bytes, name) per file rsync sends (directories it creates are left out)."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("\0".join(names))
    proc.stdin.close()
    for line in proc.stdout:
        size, _, name = line.rstrip("\n").partition(" ")
        if name and not name.endswith("/") and size.isdigit():
            yield int(size), name


def _finish(conn: Connection, proc: subprocess.Popen) -> None:
    assert proc.stderr is not None
    err = proc.stderr.read()
    if proc.wait() != 0:
        raise RemoteError(remote_failure(conn.target.host, "Sending the images", err))


def sync_images(conn: Connection, coco: dict, images_root: Path, dest: str, progress: Progress) -> SyncResult:
    """Bring `dest` (on the host) up to date with the images `coco` uses."""
    names = needed_files(coco, images_root)
    conn.check(f"mkdir -p -- {q(dest)}", "Creating the image cache")
    if not names:
        return SyncResult(0, 0, 0)
    dry = _rsync(conn, images_root, dest, names, dry=True)
    todo = list(_sent_lines(dry, names))
    _finish(conn, dry)
    total_files, total_bytes = len(todo), sum(size for size, _ in todo)
    if not todo:
        progress("data", f"All {len(names)} images are already on {conn.target.host}: 0 files, 0 bytes sent")
        return SyncResult(0, 0, len(names))
    progress("data", f"Sending {total_files} of {len(names)} images ({_mb(total_bytes)}) to {conn.target.host}")
    proc = _rsync(conn, images_root, dest, names, dry=False)
    files = sent = 0
    for size, _ in _sent_lines(proc, names):
        files, sent = files + 1, sent + size
        progress("data", f"Sent {files}/{total_files} images, {_mb(sent)} of {_mb(total_bytes)}")
    _finish(conn, proc)
    return SyncResult(files, sent, len(names))


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n} bytes"
