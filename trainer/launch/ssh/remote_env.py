"""The host's side of a run: its work folder, a Python that is new enough, and a virtual
environment with this Polymask version, built on first use and reused afterwards.

The environment sees the packages of the Python the user named (a ``.pth`` file, like
``--system-site-packages`` but for that interpreter even when it is itself a venv or a conda
env), so a host whose Python already has a CUDA build of torch keeps it, and pip fetches from
the host's own index only what is missing (``pip_options`` are passed through, e.g.
``--extra-index-url``). Its folder is keyed by the Polymask and Python versions; a stamp
written last marks it complete, so a build that failed is never reused (and is removed)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from polymask_common.text import plural
from trainer.launch.ssh.transport import Connection, RemoteError, q, remote_failure
from trainer.launch.ssh.wheel import file_sha256

MIN_PYTHON = (3, 10)
STAMP = "polymask-env.json"
Progress = Callable[[str, str], None]  # (stage, message)


@dataclass
class RemoteSide:
    workdir: str  # absolute, on the host
    python_version: str
    env: str  # the environment's folder
    created: bool  # built (or its Polymask reinstalled) by this call

    @property
    def python(self) -> str:
        return f"{self.env}/bin/python"


def resolve_workdir(conn: Connection) -> str:
    """The work folder as an absolute path on the host (``~`` is the remote home), created."""
    wd = conn.target.workdir.strip() or "~/.cache/polymask"
    rel = wd[2:] if wd.startswith("~/") else ("." if wd == "~" else wd)
    out = conn.check(f"cd && mkdir -p -- {q(rel)} && cd -- {q(rel)} && pwd -P", f"Creating the work folder {wd}")
    return out.strip().splitlines()[-1]


def check_python(conn: Connection) -> str:
    """'X.Y' of the host's Python, or RemoteError when it is missing or too old."""
    py, host = conn.target.python, conn.target.host
    done = conn.run(f"{q(py)} -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'")
    text = (done.stdout or "").strip()
    if done.returncode != 0 or not text:
        reason = (done.stderr or "").strip().splitlines()
        why = reason[-1] if reason else f"exit status {done.returncode}"
        raise RemoteError(f"No usable Python at '{py}' on {host} ({why}); name one with --remote-python PATH.")
    try:
        major, minor = (int(x) for x in text.splitlines()[-1].split("."))
    except ValueError:
        raise RemoteError(f"'{py}' on {host} did not say its version (it printed {text[:60]!r}).") from None
    if (major, minor) < MIN_PYTHON:
        need = ".".join(map(str, MIN_PYTHON))
        raise RemoteError(
            f"'{py}' on {host} is Python {major}.{minor}; Polymask needs {need} or newer (--remote-python PATH)."
        )
    return f"{major}.{minor}"


def ensure_environment(
    conn: Connection, wheel: Path, version: str, progress: Progress, workdir: str | None = None
) -> RemoteSide:
    workdir = workdir or resolve_workdir(conn)
    pyver = check_python(conn)
    env = f"{workdir}/envs/polymask-{version}-py{pyver}"
    sha = file_sha256(wheel)
    stamp = _read_stamp(conn, env)
    side = RemoteSide(workdir, pyver, env, created=False)
    if stamp.get("version") == version and stamp.get("wheel") == sha:
        progress("environment", f"Using the environment on {conn.target.host}: {env}")
        return side
    side.created = True
    remote_wheel = f"{workdir}/wheels/{wheel.name}"
    progress("environment", f"Copying {wheel.name} to {conn.target.host}")
    conn.check(f"mkdir -p -- {q(workdir)}/wheels", "Creating the wheel folder")
    done = subprocess.run(
        conn.rsync_argv("-t", str(wheel), conn.remote_path(remote_wheel)), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RemoteError(remote_failure(conn.target.host, "Copying the Polymask wheel", done.stderr))
    fresh = not stamp  # no complete environment: build it; else only this Polymask build changed
    script = _build_script(conn.target.python, env, remote_wheel, conn.target.pip_options, fresh)
    script += f"\nprintf '%s' {q(json.dumps({'version': version, 'wheel': sha}))} > {q(env)}/{STAMP}\n"
    progress("environment", f"{'Building' if fresh else 'Updating'} the environment on {conn.target.host}: {env}")
    _stream(conn, script, progress, cleanup=f"rm -rf -- {q(env)}" if fresh else f"rm -f -- {q(env)}/{STAMP}")
    return side


def _read_stamp(conn: Connection, env: str) -> dict:
    done = conn.run(f"cat -- {q(env)}/{STAMP} 2>/dev/null")
    try:
        data = json.loads(done.stdout) if done.returncode == 0 else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


_INHERIT = (
    "import site, sys, pathlib; "
    "dirs = site.getsitepackages() + [site.getusersitepackages()]; "
    "print('\\n'.join(d for d in dirs if pathlib.Path(d).is_dir()))"
)


def _build_script(python: str, env: str, wheel: str, pip_options: list[str], fresh: bool) -> str:
    pip = f"{q(env)}/bin/python -m pip --disable-pip-version-check"
    opts = " ".join(q(o) for o in pip_options)
    if not fresh:
        return f"set -e\n{pip} install --progress-bar off --no-deps --force-reinstall {opts} {q(wheel)}"
    sp = f'"$({q(env)}/bin/python -c "import sysconfig; print(sysconfig.get_paths()[\'purelib\'])")"'
    return "\n".join(
        [
            "set -e",
            f"rm -rf -- {q(env)}",
            f"echo 'Creating a virtual environment with {python}'",
            f"{q(python)} -m venv --without-pip {q(env)}",
            f"{q(python)} -c {q(_INHERIT)} > {sp}/_polymask_inherited.pth",
            f"if ! {pip} --version >/dev/null 2>&1; then echo 'Installing pip'; "
            f"{q(env)}/bin/python -m ensurepip --default-pip; fi",
            f"echo 'Installing Polymask and what it needs (pip {opts})'.",
            f"{pip} install --progress-bar off {opts} {q(wheel)}",
        ]
    )


def _stream(conn: Connection, script: str, progress: Progress, cleanup: str) -> None:
    """Run `script` with bash on the host, passing its lines to `progress`; on failure run
    `cleanup` there and raise the last line."""
    proc = conn.popen(
        "bash -s", stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(script)
    proc.stdin.close()
    lines: list[str] = []
    for line in proc.stdout:
        line = line.rstrip()
        if line:
            lines.append(line)
            progress("environment", line)
    code = proc.wait()
    if code == 0:
        return
    if code == 255 and not conn.alive():
        raise RemoteError(f"Lost the connection to {conn.target.host} while building the environment.")
    try:
        conn.run(cleanup)
    except RemoteError:
        pass
    raise RemoteError(remote_failure(conn.target.host, "Building the Polymask environment", "\n".join(lines[-20:])))


def describe_host(conn: Connection, side: RemoteSide) -> dict:
    """torch, CUDA and the GPUs as the environment sees them (before training starts)."""
    code = (
        "import json, torch; c = torch.cuda.is_available(); "
        "print(json.dumps({'torch': torch.__version__, 'cuda': torch.version.cuda if c else None, "
        "'gpus': [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if c else []}))"
    )
    out = conn.check(f"{q(side.python)} -c {q(code)}", "Importing torch in the environment", timeout=300)
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RemoteError(f"Importing torch on {conn.target.host} printed nothing readable: {out[-200:]!r}") from None


def host_line(host: str, info: dict) -> str:
    gpus = info.get("gpus") or []
    where = f"{plural(len(gpus), 'GPU')}: {', '.join(gpus)}" if gpus else "no GPU (training runs on its CPU)"
    cuda = f", CUDA {info['cuda']}" if info.get("cuda") else ""
    return f"{host}: torch {info.get('torch')}{cuda}, {where}"
