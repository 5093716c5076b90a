"""The Qt binding itself must not corrupt Python's state: PySide6 6.12.0's emit()
leaked a reference to True per call, aborting Python 3.11 after a few hundred
mouse moves or training steps. pyproject.toml excludes it; this keeps it out."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)
    point = Signal(float, float)


def test_emit_does_not_leak_references(qtbot):
    emitter = _Emitter()
    emitter.flag.connect(lambda v: None)
    emitter.point.connect(lambda x, y: None)
    before = (sys.getrefcount(True), sys.getrefcount(None))
    for _ in range(200):
        emitter.flag.emit(True)
        emitter.point.emit(1.0, 2.0)
    after = (sys.getrefcount(True), sys.getrefcount(None))
    assert after[0] >= before[0] - 5 and after[1] >= before[1] - 5, (before, after)
