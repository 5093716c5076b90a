"""Atomic saving: the backup is never half-written, stale temps of ours are cleaned
on open (and nothing else), and a file keeps its permission mode."""

from __future__ import annotations

import builtins
import json
import os
import stat
import time

import pytest

from annotator.io import load_project, save_project
from annotator.io.jsonfile import atomic_write_bytes, clean_stale_temps
from annotator.io.via import read_via

from .via_fixtures import tutorial_project


def _project():
    return read_via(tutorial_project()).project


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_backup_is_never_written_in_place(tmp_path, monkeypatch):
    """A kill while the backup is written must leave the old backup: so it is only
    ever created under a temp name and renamed (old code copied onto .bak directly)."""
    path = save_project(_project(), tmp_path / "polymask.json")
    save_project(_project(), path)
    bak = tmp_path / "polymask.json.bak"
    written = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            written.append(os.fspath(file))
        return real_open(file, mode, *args, **kwargs)

    def spy_os_open(file, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR):
            written.append(os.fspath(file))
        return real_os_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    save_project(_project(), path)
    monkeypatch.undo()
    assert str(bak) not in written and str(path) not in written
    assert json.loads(bak.read_text(encoding="utf-8"))["_via_img_metadata"]


def test_a_save_killed_before_the_backup_is_renamed_leaves_both_files_whole(tmp_path, monkeypatch):
    project = _project()
    path = save_project(project, tmp_path / "polymask.json")
    project.images[0].done = True
    save_project(project, path)  # now there is a backup (done False) and the file (done True)
    bak_before, file_before = (tmp_path / "polymask.json.bak").read_bytes(), path.read_bytes()
    real_replace = os.replace

    def killed(src, dst):
        if str(dst).endswith(".bak"):
            raise KeyboardInterrupt  # stands in for kill -9 at the worst moment
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        save_project(project, path)
    monkeypatch.undo()
    assert (tmp_path / "polymask.json.bak").read_bytes() == bak_before
    assert path.read_bytes() == file_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["polymask.json", "polymask.json.bak"]


def test_backup_falls_back_to_a_synced_copy_without_hard_links(tmp_path, monkeypatch):
    path = save_project(_project(), tmp_path / "polymask.json")
    before = path.read_bytes()

    def no_links(*args):
        raise OSError("hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    atomic_write_bytes(path, b"{}")
    assert (tmp_path / "polymask.json.bak").read_bytes() == before and path.read_bytes() == b"{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["polymask.json", "polymask.json.bak"]


def test_an_existing_file_keeps_its_mode_and_a_new_one_gets_the_umask_default(tmp_path):
    old_umask = os.umask(0o022)
    try:
        fresh = save_project(_project(), tmp_path / "new.json")
        assert _mode(fresh) == 0o644  # not mkstemp's 600
        shared = tmp_path / "polymask.json"
        save_project(_project(), shared)
        os.chmod(shared, 0o664)
        save_project(_project(), shared)
        assert _mode(shared) == 0o664 and _mode(tmp_path / "polymask.json.bak") == 0o664
        os.chmod(shared, 0o600)
        save_project(_project(), shared)
        assert _mode(shared) == 0o600
    finally:
        os.umask(old_umask)


def test_exports_keep_the_mode_too(tmp_path):
    from annotator.io import export

    out = tmp_path / "via.json"
    out.write_text("{}", encoding="utf-8")
    os.chmod(out, 0o640)
    export(_project(), out, "via")
    assert _mode(out) == 0o640 and json.loads(out.read_text(encoding="utf-8"))


def test_opening_a_project_removes_only_our_stale_temps(tmp_path):
    path = save_project(_project(), tmp_path / "polymask.json")
    ours_old = [tmp_path / ".polymask.json.k3j_a9x2.tmp", tmp_path / ".polymask.json.bak.0abc_xyz.tmp"]
    kept = [
        tmp_path / ".polymask.json.freshone.tmp",  # too new: another window may be saving
        tmp_path / ".other.json.k3j_a9x2.tmp",
        tmp_path / "polymask.json.tmp",
        tmp_path / ".polymask.json.k3j_a9x2.tmp.keep",
        tmp_path / ".polymask.json.TOOLONG99.tmp",
        tmp_path / ".polymask.json.UPPERCAS.tmp",
        tmp_path / "notes.txt",
    ]
    an_hour_ago = time.time() - 3600
    for p in ours_old + kept:
        p.write_bytes(b"x" * 10)
        if p.name != ".polymask.json.freshone.tmp":
            os.utime(p, (an_hour_ago, an_hour_ago))
    load_project(path)
    assert not any(p.exists() for p in ours_old)
    assert all(p.exists() for p in kept)


def test_clean_stale_temps_ignores_folders_and_links(tmp_path):
    target = tmp_path / "precious.bin"
    target.write_bytes(b"keep")
    link = tmp_path / ".polymask.json.linked00.tmp"
    link.symlink_to(target)
    folder = tmp_path / ".polymask.json.folder00.tmp"
    folder.mkdir()
    an_hour_ago = time.time() - 3600
    os.utime(folder, (an_hour_ago, an_hour_ago))
    assert clean_stale_temps(tmp_path / "polymask.json") == []
    assert link.is_symlink() and folder.is_dir() and target.read_bytes() == b"keep"


def test_no_backup_temp_is_left_when_the_backup_already_is_the_file(tmp_path):
    # rename() between two links of one file is a no-op that succeeds (POSIX): the temp
    # link stays behind unless it is removed (issue 23, item 3).
    path = tmp_path / "p.json"
    path.write_bytes(b"{}")
    os.link(path, tmp_path / "p.json.bak")
    atomic_write_bytes(path, b'{"a": 1}')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "p.json.bak"]
    assert (tmp_path / "p.json.bak").read_bytes() == b"{}"
