"""A real OpenSSH server on 127.0.0.1 for the remote-training tests.

It runs as the test's own user on a free port, with a throw-away host key and an authorised key
in a temporary folder; an ssh config file names it ``polymask-test`` and the product reads that
file through $POLYMASK_SSH_CONFIG (ssh's own ``-F``). The host's Python is the test
environment's own. CI installs openssh-server and rsync (.ci/run), so nothing is skipped."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HOST = "polymask-test"
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sshd:
    def __init__(self, root: Path):
        self.root = root
        self.port = _free_port()
        keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", ""]
        subprocess.run([*keygen, "-f", str(root / "host_key")], check=True)
        subprocess.run([*keygen, "-f", str(root / "user_key")], check=True)
        shutil.copy(root / "user_key.pub", root / "authorized_keys")
        (root / "sshd_config").write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {root / 'host_key'}",
                    f"AuthorizedKeysFile {root / 'authorized_keys'}",
                    f"PidFile {root / 'sshd.pid'}",
                    "StrictModes no",  # the temp folder's modes are the test's, not a home's
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "PermitRootLogin prohibit-password",  # CI runs as root
                    "MaxStartups 100",
                    "LogLevel ERROR",
                    "",
                ]
            )
        )
        self.config = root / "ssh_config"
        self.config.write_text(self.client_config(root / "user_key"))

    def client_config(self, key: Path) -> str:
        return "\n".join(
            [
                f"Host {HOST}",
                "  HostName 127.0.0.1",
                f"  Port {self.port}",
                f"  IdentityFile {key}",
                "  IdentitiesOnly yes",
                "  StrictHostKeyChecking no",
                f"  UserKnownHostsFile {self.root / 'known_hosts'}",
                "  LogLevel ERROR",
                "",
            ]
        )

    def start(self) -> None:
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation folder
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-f", str(self.root / "sshd_config"), "-E", str(self.root / "sshd.log")],
            stdin=subprocess.DEVNULL,
        )
        for _ in range(200):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        log = (self.root / "sshd.log").read_text() if (self.root / "sshd.log").exists() else ""
        raise RuntimeError(f"sshd did not start: {log}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="session")
def sshd(tmp_path_factory):
    """The server; the product's ssh reads its config (through $POLYMASK_SSH_CONFIG)."""
    server = Sshd(tmp_path_factory.mktemp("sshd"))
    server.start()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POLYMASK_SSH_CONFIG", str(server.config))
        yield server
    server.stop()


@pytest.fixture
def ssh_env(sshd):
    return sshd


@pytest.fixture
def remote_python() -> str:
    return sys.executable


class Environment:
    """The host's Polymask environment, built once per test session (the first-use path)."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.messages: list[str] = []
        self.side = None


@pytest.fixture(scope="session")
def environment(sshd, tmp_path_factory) -> Environment:
    from trainer.launch.ssh.remote_env import ensure_environment
    from trainer.launch.ssh.transport import Connection, RemoteTarget
    from trainer.launch.ssh.wheel import local_wheel, version

    env = Environment(tmp_path_factory.mktemp("remote-work"))
    conn = Connection(RemoteTarget(HOST, python=sys.executable, workdir=str(env.workdir))).open()
    try:
        env.side = ensure_environment(conn, local_wheel(), version(), lambda stage, msg: env.messages.append(msg))
    finally:
        conn.close()
    return env


@pytest.fixture
def target(environment):
    from trainer.launch.ssh.transport import RemoteTarget

    return RemoteTarget(HOST, python=sys.executable, workdir=str(environment.workdir))
