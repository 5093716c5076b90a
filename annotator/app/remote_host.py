"""Where to train, for the window and `polymask train --remote`: this computer or a remote
host (with its Python and work folder), the hosts remembered between sessions (most recent
first), and the host named in a run's record. The SSH work itself is `trainer.launch.ssh` (Qt-free,
annotator-free, so it also serves `python -m trainer train --remote`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from trainer.launch.ssh.transport import DEFAULT_PYTHON, DEFAULT_WORKDIR, RemoteTarget  # torch-free

MAX_REMEMBERED = 10
HOST_KEY = "host"  # the run record's key naming the machine a remote run trained on


@dataclass(frozen=True)
class RemoteChoice:
    host: str
    python: str = DEFAULT_PYTHON
    workdir: str = DEFAULT_WORKDIR
    gpus: int = 1

    def target(self) -> RemoteTarget:
        return RemoteTarget(self.host, python=self.python, workdir=self.workdir, nproc=max(1, self.gpus))

    @classmethod
    def from_dict(cls, d: Any) -> RemoteChoice | None:
        if not isinstance(d, dict) or not isinstance(d.get("host"), str) or not d["host"].strip():
            return None
        try:
            gpus = max(1, int(d.get("gpus", 1)))
        except (TypeError, ValueError):
            gpus = 1
        return cls(
            d["host"].strip(),
            str(d.get("python") or DEFAULT_PYTHON),
            str(d.get("workdir") or DEFAULT_WORKDIR),
            gpus,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def remembered(stored: Any) -> list[RemoteChoice]:
    """The hosts kept in settings (a list of dicts); anything unreadable is left out."""
    items = stored if isinstance(stored, list) else []
    out: list[RemoteChoice] = []
    for d in items:
        choice = RemoteChoice.from_dict(d)
        if choice is not None and all(c.host != choice.host for c in out):
            out.append(choice)
    return out[:MAX_REMEMBERED]


def remember(hosts: list[RemoteChoice], used: RemoteChoice) -> list[RemoteChoice]:
    """`used` first (its settings replace the host's older ones), then the others."""
    return [used, *(h for h in hosts if h.host != used.host)][:MAX_REMEMBERED]


def name_host(record: Any, host: str) -> None:
    """Name the host in a run record (a dict, or a typed record keeping unknown keys in ``extra``)."""
    if isinstance(record, dict):
        record[HOST_KEY] = host
    else:
        record.extra[HOST_KEY] = host
