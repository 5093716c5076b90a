"""The Train panel's "Where to train": this computer by default; a host typed once is
remembered (most recent first) with its Python and work folder."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from annotator.app.remote_host import RemoteChoice, remember, remembered
from annotator.ui.training.where_to_train import WhereToTrain


def choose(where: WhereToTrain, qtbot, host: str, python: str = "python3", workdir: str = "~/.cache/polymask"):
    """Pick "Another host…" and type it in, as a person would."""
    where.place.setCurrentIndex(where.place.findData("other"))
    assert where.host.isVisible()
    where.host.clear()
    qtbot.keyClicks(where.host, host)
    where.python.setText(python)
    where.workdir.setText(workdir)


def test_a_host_used_once_is_remembered(qtbot, tmp_path):
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    where = WhereToTrain(store)
    qtbot.addWidget(where)
    where.show()
    assert where.choice() is None and not where.host.isVisible()  # this computer by default
    choose(where, qtbot, "me@gpu-box:2222", "/opt/py/bin/python", "/scratch/pm")
    chosen = where.choice()
    assert chosen == RemoteChoice("me@gpu-box:2222", "/opt/py/bin/python", "/scratch/pm", 1)
    where.remember(chosen)
    again = WhereToTrain(store)
    qtbot.addWidget(again)
    again.show()
    assert [again.place.itemText(i) for i in range(again.place.count())] == [
        "This computer",
        "me@gpu-box:2222",
        "Another host…",
    ]
    again.place.setCurrentIndex(1)
    assert again.choice() == chosen and again.workdir.text() == "/scratch/pm"


def test_remembered_hosts_are_most_recent_first_and_unreadable_ones_are_dropped():
    a, b = RemoteChoice("a"), RemoteChoice("b", gpus=2)
    assert remember(remember([], a), b) == [b, a]
    assert remember([b, a], RemoteChoice("a", python="/x/python")) == [RemoteChoice("a", python="/x/python"), b]
    stored = [{"host": "a"}, {"host": ""}, "junk", {"host": "b", "gpus": "two"}, {"host": "a", "gpus": 3}]
    assert remembered(stored) == [RemoteChoice("a"), RemoteChoice("b")]
    assert remembered("not a list") == []
