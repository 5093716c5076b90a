"""Two writers, one project file: notice it, and merge when they touched different images.

The window remembers what it last read or wrote (`DiskState`: mtime, size, sha256 and
the bytes, which are the common base of a three-way merge). Before each save it checks
the file on disk against that (`unchanged`); a difference means another window or
program wrote the file, and the window asks instead of overwriting it.

`merge(base, theirs, mine)` works on native project dicts (the JSON) per image key:
an image changed only on disk takes theirs, one changed only here takes mine, one
changed on both sides (differently) is a conflict, and then nothing is merged. Image
sizes are facts learnt by looking at a file, not edits, so they never conflict.
Project-level data (attributes, settings, our own keys such as runs) follow the same
three-way rule per top-level key. Qt-free: the window and tests call it alike.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..io.disk_state import DiskState, read_state

IMAGES = "_via_img_metadata"
ORDER = "_via_image_id_list"
OURS = "_polymask"
_NOT_COMPARED = {"app_version"}  # written by every save; not data
_MISSING = object()


def unchanged(expected: DiskState | None, path) -> bool:
    """True when writing `path` overwrites nothing but what we last read or wrote.

    Another size: changed (no read). Otherwise the content decides, so a file merely
    touched, or rewritten with the same bytes, is not a conflict. Equal mtime and size
    prove nothing: mtime ticks every few ms (ext4), and two saves that each add one image
    of the same name length land in one tick with the same size (the save-race test lost
    1 save in 100 that way). A deleted file is not a conflict either: writing it again
    loses nothing."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return True
    if expected is None:
        return False  # a file appeared where there was none
    if st.st_size != expected.size:
        return False
    now = read_state(path)
    return now is not None and now.sha256 == expected.sha256


def copy_path(path, label: str) -> Path:
    """`<stem>.<label>-<YYYYmmdd-HHMMSS>.json` beside `path`, never an existing file."""
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = path.with_name(f"{path.stem}.{label}-{stamp}{path.suffix or '.json'}")
    n = 2
    while out.exists():
        out = path.with_name(f"{path.stem}.{label}-{stamp}-{n}{path.suffix or '.json'}")
        n += 1
    return out


@dataclass
class MergeResult:
    data: dict | None  # the merged project dict; None when there are conflicts
    conflicts: list[str]  # what both sides changed: image file names, project settings
    from_theirs: list[str]  # image keys taken from the file on disk
    from_mine: list[str]  # image keys taken from this window

    @property
    def ok(self) -> bool:
        return self.data is not None


def _three_way(base, theirs, mine):
    """(value, True) or (None, False) on a conflict; _MISSING stands for 'absent'."""
    if _eq(theirs, mine):
        return theirs, True
    if _eq(theirs, base):
        return mine, True
    if _eq(mine, base):
        return theirs, True
    return None, False


def _eq(a, b) -> bool:
    if a is _MISSING or b is _MISSING:
        return a is b
    return a == b


def _images(data: dict) -> dict[str, tuple[Any, Any]]:
    """key -> (VIA entry, done flag); the edits of one image."""
    via = data.get(IMAGES)
    ours = (data.get(OURS) or {}).get("images") or {}
    out = {}
    for key, entry in via.items() if isinstance(via, dict) else ():
        meta = ours.get(key) if isinstance(ours, dict) else None
        out[key] = (entry, bool((meta or {}).get("done", False)))
    return out


def _sizes(data: dict) -> dict[str, dict]:
    ours = (data.get(OURS) or {}).get("images") or {}
    return {
        k: {f: v[f] for f in ("width", "height") if v.get(f) is not None}
        for k, v in (ours.items() if isinstance(ours, dict) else ())
        if isinstance(v, dict)
    }


def _order(data: dict) -> list[str]:
    order = data.get(ORDER)
    images = data.get(IMAGES)
    if not isinstance(images, dict):
        images = {}
    keys = [k for k in order if k in images] if isinstance(order, list) else []
    return keys + [k for k in images if k not in set(keys)]


def _name(key: str, *records) -> str:
    for rec in records:
        if rec is not _MISSING and isinstance(rec[0], dict) and rec[0].get("filename"):
            return str(rec[0]["filename"])
    return key


def _own(data: dict) -> dict:
    own = data.get(OURS)
    return own if isinstance(own, dict) else {}


def merge(base: dict, theirs: dict, mine: dict) -> MergeResult:
    """Three-way merge of native project dicts (see the module's docstring)."""
    conflicts: list[str] = []
    from_theirs: list[str] = []
    from_mine: list[str] = []

    # ---- images
    b_im, t_im, m_im = _images(base), _images(theirs), _images(mine)
    merged_im: dict[str, tuple] = {}
    for key in {**b_im, **t_im, **m_im}:
        b, t, m = (d.get(key, _MISSING) for d in (b_im, t_im, m_im))
        value, ok = _three_way(b, t, m)
        if not ok:
            conflicts.append(_name(key, m, t, b))
            continue
        if not _eq(t, m):
            (from_theirs if value is t else from_mine).append(key)
        if value is not _MISSING:
            merged_im[key] = value

    # ---- project-level keys, and our own keys, one unit each
    out: dict[str, Any] = {}
    b_ours, t_ours, m_ours = (_own(d) for d in (base, theirs, mine))
    for where, (b_d, t_d, m_d), skip in (
        ("", (base, theirs, mine), {IMAGES, ORDER, OURS}),
        (OURS, (b_ours, t_ours, m_ours), {"images"} | _NOT_COMPARED),
    ):
        target = out if not where else out.setdefault(OURS, {})
        for key in {**b_d, **t_d, **m_d}:
            if key in skip:
                continue
            value, ok = _three_way(*(d.get(key, _MISSING) for d in (b_d, t_d, m_d)))
            if not ok:
                conflicts.append(f"project setting {key!r}")
            elif value is not _MISSING:
                target[key] = value
    if conflicts:
        return MergeResult(None, sorted(conflicts), from_theirs, from_mine)

    # ---- assemble: mine's order, then images only they added
    order = [k for k in _order(mine) if k in merged_im]
    order += [k for k in _order(theirs) if k in merged_im and k not in set(order)]
    order += [k for k in merged_im if k not in set(order)]
    out[IMAGES] = {k: merged_im[k][0] for k in order}
    if ORDER in mine or ORDER in theirs:
        out[ORDER] = order
    sizes = {**_sizes(theirs), **_sizes(mine)}  # learnt facts: mine where both know them
    ours = out.setdefault(OURS, {})
    if "app_version" in m_ours:
        ours["app_version"] = m_ours["app_version"]
    meta = {}
    for k in order:
        entry = dict(sizes.get(k, {}))
        if merged_im[k][1]:
            entry["done"] = True
        if entry:
            meta[k] = {"width": entry.get("width"), "height": entry.get("height"), "done": entry.get("done", False)}
    ours["images"] = meta
    return MergeResult(out, [], from_theirs, from_mine)


def merge_projects(base: bytes, theirs: bytes, mine) -> MergeResult:
    """`merge` for the window: the base and theirs as file bytes, mine as a Project.
    Mine goes through JSON too, so both sides compare as the file would hold them.
    Raises annotator.io's FormatError when a file is not a readable project."""
    from ..io.jsonfile import dumps_json, parse_json
    from ..io.native import to_native

    mine_data = parse_json(dumps_json(to_native(mine)))
    base_data = parse_json(base) if base else {}
    theirs_data = parse_json(theirs)
    for name, d in (("the base", base_data), ("the file on disk", theirs_data)):
        if not isinstance(d, dict):
            from ..io.errors import FormatError

            raise FormatError(mine.path, f"{name} is not a project (a JSON object)")
    return merge(base_data, theirs_data, mine_data)


def project_from(data: dict, like):
    """The merged dict as a Project with `like`'s file and image folder."""
    from ..io.native import from_native

    project = from_native(data, like.path).project
    project.path, project.image_root = like.path, like.image_root
    return project
