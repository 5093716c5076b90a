"""Shared test setup: Qt runs offscreen, settings and data go to a temporary
home, and no test may leave a thread running."""

from __future__ import annotations

import gc
import os
import tempfile
import threading
import warnings

os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM", "offscreen") or "offscreen"
if os.environ.get("PYTEST_XDIST_WORKER"):
    # One worker per core: torch (and the trainer processes a test starts) must not each take
    # every core as well, or the workers slow each other down.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
_home = tempfile.mkdtemp(prefix="polymask-test-home-")
for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
    os.environ[var] = os.path.join(_home, sub)  # QSettings / QStandardPaths never touch the real home

import pytest  # noqa: E402


def _running_qthreads():
    try:
        from PySide6.QtCore import QThread, QThreadPool
    except ImportError:
        return []
    out = []
    with warnings.catch_warnings():
        # isinstance() on every live object touches deprecated module attributes (torch.distributed.reduce_op)
        warnings.simplefilter("ignore", FutureWarning)
        objects = gc.get_objects()
        qt_objects = [o for o in objects if isinstance(o, (QThread, QThreadPool))]
    for obj in qt_objects:
        try:
            if isinstance(obj, QThread) and obj.isRunning() and obj is not QThread.currentThread():
                out.append(f"QThread {obj!r}")
            elif isinstance(obj, QThreadPool) and obj.activeThreadCount():
                out.append(f"QThreadPool {obj!r} with {obj.activeThreadCount()} running jobs")
        except RuntimeError:  # C++ object already deleted
            continue
    return out


@pytest.fixture(autouse=True)
def no_thread_left_running(request):
    """Fail a test that leaves a Python thread, a QThread or a QThreadPool job running."""
    before = {t.ident for t in threading.enumerate()}
    yield
    if "qapp" in request.fixturenames or "qtbot" in request.fixturenames:
        from PySide6.QtCore import QCoreApplication, QThreadPool

        QThreadPool.globalInstance().waitForDone(2000)
        QCoreApplication.processEvents()
    deadline = threading.Event()
    left = []
    for _ in range(20):  # threads that are finishing get up to 2 s
        left = [
            t
            for t in threading.enumerate()
            if t.ident not in before and t.is_alive() and not isinstance(t, threading._DummyThread)
        ]
        if not left:
            break
        deadline.wait(0.1)
    # Only Qt tests can start QThreads; scanning every object is too slow to do for all tests.
    uses_qt = "qapp" in request.fixturenames or "qtbot" in request.fixturenames
    qt_left = _running_qthreads() if uses_qt else []
    if left or qt_left:
        pytest.fail("test left threads running: " + ", ".join([t.name for t in left] + qt_left), pytrace=False)


def pytest_collection_finish(session):
    """Start the lint and type gates beside the other tests when they are among those run. Under
    pytest-xdist every worker collects every test, so there the worker that runs a gate starts
    them when it gets there (the other worker keeps the second core busy meanwhile)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if any(item.nodeid.startswith("tests/test_gates.py") for item in session.items):
        from tests.test_gates import start_gates

        start_gates()
