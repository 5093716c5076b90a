"""Recently opened projects, kept in QSettings (most recent first)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 10


def settings() -> QSettings:
    return QSettings("Polymask", "Polymask")


class RecentProjects:
    KEY = "recent/projects"

    def __init__(self, store: QSettings | None = None):
        self.store = store or settings()

    def paths(self, existing_only: bool = True) -> list[str]:
        raw = self.store.value(self.KEY, [])
        if isinstance(raw, str):  # QSettings returns a bare string for a one-item list
            raw = [raw]
        out = [str(p) for p in (raw if isinstance(raw, list) else [])]
        return [p for p in out if Path(p).exists()] if existing_only else out

    def add(self, path) -> None:
        path = str(Path(path).resolve())
        items = [p for p in self.paths(existing_only=False) if p != path]
        self.store.setValue(self.KEY, [path] + items[: MAX_RECENT - 1])
        self.store.sync()

    def remove(self, path) -> None:
        path = str(path)
        self.store.setValue(self.KEY, [p for p in self.paths(existing_only=False) if p != path])

    def clear(self) -> None:
        self.store.remove(self.KEY)

    def last(self) -> str | None:
        paths = self.paths()
        return paths[0] if paths else None
