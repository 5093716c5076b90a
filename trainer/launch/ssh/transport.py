"""One SSH connection per run through the system's OpenSSH client (keys, agent and
``~/.ssh/config`` work as they do in a terminal; Polymask stores no password).

A ControlMaster socket carries every command, rsync and the event stream of one run, so the
login happens once. ssh's own failures become one line that says what to do."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

CONNECT_TIMEOUT_S = 15
SSH_CONFIG_ENV = "POLYMASK_SSH_CONFIG"  # an ssh config file used instead of ~/.ssh/config (tests use one)
DEFAULT_PYTHON = "python3"
DEFAULT_WORKDIR = "~/.cache/polymask"


class RemoteError(Exception):
    """A remote step failed; ``str()`` is the one line shown to the user."""


@dataclass
class RemoteTarget:
    host: str  # user@host[:port] or a ~/.ssh/config alias
    python: str = DEFAULT_PYTHON
    workdir: str = DEFAULT_WORKDIR
    nproc: int = 1  # >1: torchrun --nproc-per-node=N (DDP)
    pip_options: list[str] = field(default_factory=list)  # passed to pip, e.g. --extra-index-url URL
    ssh_config: str | None = None  # default: $POLYMASK_SSH_CONFIG, else ssh's own

    def destination(self) -> tuple[list[str], str]:
        """(port options, [user@]host) from ``user@host[:port]``."""
        host, _, port = self.host.rpartition(":") if re.search(r":\d+$", self.host) else (self.host, "", "")
        return (["-p", port] if port else []), host


def _is_disk_full(text: str) -> bool:
    return "No space left on device" in text or "Disk quota exceeded" in text


def explain_ssh_failure(host: str, stderr: str) -> str:
    """ssh's exit-255 chatter as one line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip() and not ln.startswith("Warning: Permanently")]
    last = lines[-1] if lines else "ssh exited with status 255"
    unreachable = (
        "Could not resolve hostname",
        "Connection refused",
        "Connection timed out",
        "No route to host",
        "Network is unreachable",
        "Operation timed out",
        "connect to host",
    )
    if any(s in stderr for s in ("Permission denied", "Too many authentication failures")):
        return (
            f"{host} refused the login ({last}). Polymask logs in with your SSH keys and agent: "
            f"check that `ssh {host}` works in a terminal without a password prompt."
        )
    if "Host key verification failed" in stderr or "REMOTE HOST IDENTIFICATION HAS CHANGED" in stderr:
        return (
            f"{host}'s host key is unknown or changed ({last}); connect once with `ssh {host}` to check and accept it."
        )
    if any(s in stderr for s in unreachable):
        return f"Cannot reach {host}: {last}."
    return f"SSH to {host} failed: {last}."


class Connection:
    """A ControlMaster connection to the target; ``close()`` ends it."""

    def __init__(self, target: RemoteTarget):
        if shutil.which("ssh") is None:
            raise RemoteError("Training on another machine needs the OpenSSH client (`ssh`), which is not installed.")
        self.target = target
        self._dir = tempfile.mkdtemp(prefix="pm-ssh-")  # short: a socket path must fit in ~100 bytes
        self.socket = os.path.join(self._dir, "s")
        self.master: subprocess.Popen | None = None

    # ------------------------------------------------------------ commands
    def base(self) -> list[str]:
        """ssh with this run's options, up to (not including) the destination."""
        config = self.target.ssh_config or os.environ.get(SSH_CONFIG_ENV)
        port, _ = self.target.destination()
        return [
            "ssh",
            *(["-F", config] if config else []),
            *port,
            "-o",
            "BatchMode=yes",  # never a password prompt on a terminal nobody sees
            "-o",
            f"ConnectTimeout={CONNECT_TIMEOUT_S}",
            "-o",
            "ServerAliveInterval=5",
            "-o",
            "ServerAliveCountMax=3",
            "-S",
            self.socket,
        ]

    def argv(self, command: str) -> list[str]:
        return [*self.base(), self.target.destination()[1], command]

    def open(self) -> Connection:
        """Log in once; later commands reuse the socket. Raises RemoteError with ssh's reason."""
        self.close_master()
        if os.path.exists(self.socket):  # left by a master that was killed: ssh would not reuse the path
            os.unlink(self.socket)
        cmd = [*self.base(), "-M", "-N", "-o", "ControlPersist=no", self.target.destination()[1]]
        err = open(os.path.join(self._dir, "master.log"), "w+", encoding="utf-8")
        self.master = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        # The master is up when a check through its socket answers (or it has exited with ssh's reason).
        for _ in range(CONNECT_TIMEOUT_S * 20 + 20):
            if self.master.poll() is not None:
                err.seek(0)
                text = err.read()
                err.close()
                self.master = None
                raise RemoteError(explain_ssh_failure(self.target.host, text))
            check = subprocess.run(
                [*self.base(), "-O", "check", self.target.destination()[1]], capture_output=True, text=True
            )
            if check.returncode == 0:
                err.close()
                return self
            try:
                self.master.wait(0.05)
            except subprocess.TimeoutExpired:
                pass
        err.close()
        self.close_master()
        raise RemoteError(f"Cannot reach {self.target.host}: no answer within {CONNECT_TIMEOUT_S} s.")

    def alive(self) -> bool:
        return self.master is not None and self.master.poll() is None

    def run(
        self, command: str, *, input: str | None = None, timeout: float | None = 120
    ) -> subprocess.CompletedProcess:
        """Run a shell command line on the host; ssh's own failure (255) raises RemoteError."""
        try:
            done = subprocess.run(
                self.argv(command), input=input, capture_output=True, text=True, timeout=timeout, errors="replace"
            )
        except subprocess.TimeoutExpired:
            raise RemoteError(f"{self.target.host} did not answer within {timeout:.0f} s.") from None
        if done.returncode == 255 and not done.stdout:
            raise RemoteError(explain_ssh_failure(self.target.host, done.stderr))
        return done

    def check(self, command: str, what: str, **kw) -> str:
        """``run`` that must succeed: its stdout, or RemoteError naming `what` and the host's reason."""
        done = self.run(command, **kw)
        if done.returncode != 0:
            raise RemoteError(remote_failure(self.target.host, what, done.stderr or done.stdout))
        return done.stdout

    def popen(self, command: str, **kw) -> subprocess.Popen:
        return subprocess.Popen(self.argv(command), **kw)

    def rsync_argv(self, *args: str) -> list[str]:
        if shutil.which("rsync") is None:
            raise RemoteError("Training on another machine needs rsync, which is not installed here.")
        return ["rsync", "-e", shlex.join(self.base()), *args]

    def remote_path(self, path: str) -> str:
        """``host:path`` for rsync (the path as the remote shell should see it)."""
        return f"{self.target.destination()[1]}:{path}"  # rsync 3.2.4+ protects the remote name itself

    # ------------------------------------------------------------ closing
    def close_master(self) -> None:
        if self.master is not None:
            if self.master.poll() is None:
                self.master.terminate()
                try:
                    self.master.wait(5)
                except subprocess.TimeoutExpired:
                    self.master.kill()
                    self.master.wait()
            self.master = None

    def close(self) -> None:
        self.close_master()
        shutil.rmtree(self._dir, ignore_errors=True)


def remote_failure(host: str, what: str, output: str) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    last = lines[-1] if lines else "no message"
    if _is_disk_full(output):
        return f"The disk on {host} is full: {what} failed ({last})."
    return f"{what} on {host} failed: {last}"


def q(path: str) -> str:
    return shlex.quote(path)
