"""The SSH connection against a real sshd on 127.0.0.1: one login, ssh's failures as one line."""

from __future__ import annotations

import pytest

from tests.ssh.conftest import HOST
from trainer.launch.ssh.remote_env import check_python, resolve_workdir
from trainer.launch.ssh.transport import Connection, RemoteError, RemoteTarget


def test_one_login_carries_every_command(ssh_env, tmp_path):
    conn = Connection(RemoteTarget(HOST, workdir=str(tmp_path / "work"))).open()
    try:
        assert conn.alive()
        assert conn.check("echo $((6*7))", "Arithmetic").strip() == "42"
        assert resolve_workdir(conn) == str((tmp_path / "work").resolve())
        assert (tmp_path / "work").is_dir()
    finally:
        conn.close()
    assert not conn.alive()


def test_unreachable_host_is_one_line(ssh_env, tmp_path):
    conn = Connection(RemoteTarget("127.0.0.1:1"))
    with pytest.raises(RemoteError, match=r"^Cannot reach 127.0.0.1:1: .*Connection refused"):
        conn.open()
    conn.close()


def test_refused_login_says_to_check_keys(ssh_env, tmp_path):
    import subprocess

    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    config = tmp_path / "config"
    config.write_text(ssh_env.client_config(other))
    conn = Connection(RemoteTarget(HOST, ssh_config=str(config)))
    with pytest.raises(RemoteError, match=rf"^{HOST} refused the login \(.*Permission denied.*`ssh {HOST}` works"):
        conn.open()
    conn.close()


def test_missing_and_old_python_are_named(ssh_env, tmp_path):
    old = tmp_path / "python3.8"
    old.write_text("#!/bin/sh\necho 3.8\n")
    old.chmod(0o755)
    for python, pattern in (
        (str(tmp_path / "no" / "python3"), r"No usable Python at '.*/no/python3' on polymask-test \(.*No such file"),
        (str(old), r"is Python 3.8; Polymask needs 3.10 or newer \(--remote-python PATH\)"),
    ):
        conn = Connection(RemoteTarget(HOST, python=python)).open()
        try:
            with pytest.raises(RemoteError, match=pattern):
                check_python(conn)
        finally:
            conn.close()


def test_the_laptop_side_loads_no_torch_and_no_qt():
    import subprocess
    import sys

    code = (
        "import sys, trainer.launch.ssh.session, trainer.launch.ssh.cli_args, trainer.launch.ssh.remote;"
        "bad = [m for m in ('torch', 'torchvision', 'PySide6') if m in sys.modules]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
