"""``remote_fit(config, target, stop, progress)``: a training run on another machine, yielding
the same events as ``fit`` (paths in them are the local run folder's).

Before the run: connect (one ControlMaster), the environment (``remote_env``), the host's
torch / CUDA / GPUs, the images (``sync``), then the run's config and COCO file into its folder
on the host. The run is started detached there (``remote.start``) and followed with
``remote.attach``; a dropped connection is re-opened and the events replayed from the last
one received. best.pth is copied back whenever it changes, everything else at the end.

A failure before the run starts raises ``RemoteError`` and leaves nothing on this machine (the
local run folder is only written by copying the run back)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

from trainer.config import TrainConfig
from trainer.events import CheckpointSaved, Event, Failed, WarningEvent
from trainer.launch.ssh import remote
from trainer.launch.ssh.remote_env import describe_host, ensure_environment, host_line
from trainer.launch.ssh.sync import sync_images
from trainer.launch.ssh.transport import Connection, RemoteError, RemoteTarget, q, remote_failure
from trainer.launch.ssh.wheel import local_wheel, version
from trainer.launch.supervisor import ChildCommand, ChildRun
from trainer.run import files as run_files

Progress = Callable[[str, str], None]  # (stage: environment | host | data | run, message)
SSH_LOST = 255  # ssh's own exit status: the connection failed (a remote command's is passed through)
RECONNECT_S = 120.0  # how long a dropped connection is retried before the run is given up on here
COPY_BACK_EXCLUDE = (run_files.DATASET, remote.STOP, remote.PID, remote.ENDED, "supervisor.log")


def cache_key(images_root: Path) -> str:
    """The host's cache folder for a project's images: readable, and unique per local folder."""
    root = Path(images_root).resolve()
    digest = hashlib.sha1(str(root).encode()).hexdigest()[:10]
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in root.name)[:40] or "images"
    return f"{name}-{digest}"


def _load_coco(config: TrainConfig) -> dict:
    if isinstance(config.coco, dict):
        return config.coco
    try:
        return json.loads(Path(str(config.coco)).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise RemoteError(f"Cannot read the COCO file {config.coco}: {e}") from None


class RemoteRun:
    """One run on the host, from connection to copy-back."""

    def __init__(self, config: TrainConfig, target: RemoteTarget, stop: threading.Event, progress: Progress):
        self.config, self.target, self.stop, self.progress = config, target, stop, progress
        self.local_dir = Path(config.out).resolve()
        self.conn = Connection(target)
        self.run_dir = ""  # on the host, once started
        self.python = ""
        self.received = 0  # event lines received: an attach after a drop starts here
        self.started = False  # the trainer said it started (then its folder is copied back)
        self.host_info: dict = {}
        self._scratch = Path(tempfile.mkdtemp(prefix="polymask-attach-"))  # the ssh client's stderr.log

    # ------------------------------------------------------------ before the run
    def prepare(self, key: str | None) -> None:
        if self.config.val_coco or self.config.resume:
            raise RemoteError("Training on another machine does not take a validation COCO file or --resume yet.")
        host = self.target.host
        self.progress("run", f"Connecting to {host}")
        self.conn.open()
        side = ensure_environment(self.conn, local_wheel(), version(), self.progress)
        self.python = side.python
        self.host_info = describe_host(self.conn, side)
        self.progress("host", host_line(host, self.host_info))
        images_root = Path(self.config.images or ".").resolve()
        project = f"{side.workdir}/projects/{key or cache_key(images_root)}"
        coco = _load_coco(self.config)
        result = sync_images(self.conn, coco, images_root, f"{project}/images", self.progress)
        self.synced = result
        self.run_dir = f"{project}/runs/{self.local_dir.name}"
        self._send_config(coco)

    def _send_config(self, coco: dict) -> None:
        cfg = TrainConfig.from_dict(self.config.to_dict())
        cfg.coco, cfg.images, cfg.out = "dataset.json", "../../images", self.run_dir
        cfg.tensorboard = self.config.tensorboard
        with tempfile.TemporaryDirectory(prefix="polymask-remote-") as tmp:
            weights = Path(str(self.config.weights))
            if weights.suffix == ".pth" and weights.is_file():  # a local checkpoint starts the run there too
                shutil.copy2(weights, Path(tmp) / "init_weights.pth")
                cfg.weights = f"{self.run_dir}/init_weights.pth"
            (Path(tmp) / "dataset.json").write_text(json.dumps(coco), encoding="utf-8")
            d = cfg.to_dict()
            (Path(tmp) / "config.json").write_text(json.dumps(d, indent=2), encoding="utf-8")
            self.conn.check(f"mkdir -p -- {q(self.run_dir)}", "Creating the run folder")
            self._rsync(["-rt", f"{tmp}/", self.conn.remote_path(self.run_dir + "/")], "Sending the run's settings")

    def start(self) -> None:
        out = self.conn.check(
            f"{q(self.python)} -m trainer.launch.ssh.remote start {q(self.run_dir)} --nproc {int(self.target.nproc)}",
            "Starting the run",
        )
        self.run_dir = json.loads(out.strip().splitlines()[-1])["run_dir"]
        self.progress("run", f"Training on {self.target.host} in {self.run_dir}")

    # ------------------------------------------------------------ during the run
    def events(self) -> Iterator[Event]:
        while True:
            ended = yield from self._attach_once()
            if ended:
                return
            yield WarningEvent(f"Lost the connection to {self.target.host}; the run goes on there. Re-attaching…")
            if not self._reconnect():
                yield Failed(
                    reason=f"Lost the connection to {self.target.host} and could not re-attach within "
                    f"{RECONNECT_S:.0f} s; the run goes on there in {self.run_dir}.",
                )
                return
            yield WarningEvent(f"Re-attached to the run on {self.target.host}; replaying from event {self.received}.")

    def _attach_once(self) -> Generator[Event, None, bool]:
        """Follow the run through ``remote.attach`` under the same supervisor as a local child
        (``trainer.launch.supervisor.ChildRun``: JSON lines, Stop as a ``stop`` line). True: the run ended;
        False: the connection dropped (the events so far were passed on)."""
        attach = f"{q(self.python)} -m trainer.launch.ssh.remote attach {q(self.run_dir)} --from {self.received}"
        # The host enforces the stop grace (remote.supervise); here a stop never kills the run.
        child = ChildRun(self._scratch / "config.json", lambda _: ChildCommand(self.conn.argv(attach)), 1e9)
        for ev in child.events(self.stop):
            if ev.kind == "failed" and child.proc is not None and child.proc.returncode == SSH_LOST:
                return False  # ssh ended without the run's last event: the connection went
            self.received += 1
            self.started = self.started or ev.kind == "started"
            ev = self._local_event(ev)
            if isinstance(ev, CheckpointSaved) and ev.best:
                self._copy_back(only=run_files.BEST)
            if ev.kind in remote.TERMINAL:
                yield from self._end(ev)
                return True
            yield ev
        return False

    def _reconnect(self) -> bool:
        deadline = time.monotonic() + RECONNECT_S
        while time.monotonic() < deadline:
            try:
                self.conn.open()
                return True
            except RemoteError:
                time.sleep(2.0)
        return False

    def _local_event(self, ev: Event) -> Event:
        """`ev` with the host's run folder in its paths replaced by the local one."""
        changes = {}
        for key in ("run_dir", "path", "best_checkpoint", "last_checkpoint"):
            v = getattr(ev, key, None)
            if isinstance(v, str) and v.startswith(self.run_dir):
                changes[key] = str(self.local_dir) + v[len(self.run_dir) :]
        return dataclasses.replace(ev, **changes) if changes else ev

    def _end(self, ev: Event) -> Iterator[Event]:
        """The run's last event, once its folder is here (a run that failed before it started
        leaves nothing here: its folder stays on the host)."""
        try:
            if self.started:
                self._copy_back()
        except RemoteError as e:
            yield Failed(reason=f"{e} The run is kept on {self.target.host} in {self.run_dir}.")
            return
        yield ev

    # ------------------------------------------------------------ copying back
    def _copy_back(self, only: str | None = None) -> None:
        self.local_dir.mkdir(parents=True, exist_ok=True)
        src = self.conn.remote_path(self.run_dir + "/" + (only or ""))
        if only:
            args = ["-t", src, str(self.local_dir / only)]  # written beside, then renamed: never half a file
        else:
            args = ["-rt", *(f"--exclude={x}" for x in COPY_BACK_EXCLUDE), src, f"{self.local_dir}/"]
        self._rsync(args, "Copying the run back", local=True)

    def _rsync(self, args: list[str], what: str, local: bool = False) -> None:
        done = subprocess.run(self.conn.rsync_argv(*args), capture_output=True, text=True, errors="replace")
        if done.returncode == 0:
            return
        if local and "No space left on device" in done.stderr:
            raise RemoteError(f"This computer's disk is full: {what} into {self.local_dir} failed.")
        raise RemoteError(remote_failure(self.target.host, what, done.stderr))

    def close(self) -> None:
        self.conn.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


def remote_fit(
    config: TrainConfig,
    target: RemoteTarget,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
    key: str | None = None,
) -> Iterator[Event]:
    """Train on `target`; yield the run's events. Raises RemoteError before the run starts."""
    stop = stop or threading.Event()
    run = RemoteRun(config, target, stop, progress or (lambda stage, message: None))
    try:
        run.prepare(key)
        if stop.is_set():
            return
        run.start()
        yield from run.events()
    finally:
        run.close()
