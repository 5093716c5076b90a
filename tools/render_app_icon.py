"""Render annotator/resources/app/polymask.svg to the PNG sizes desktops want.

python tools/render_app_icon.py      (writes annotator/resources/app/polymask-SIZE.png)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtGui import QGuiApplication  # noqa: E402

from annotator import resources  # noqa: E402
from annotator.ui.icons import render_svg  # noqa: E402


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (QPixmap needs it)
    folder = Path(resources.__file__).parent / "app"
    for size in resources.APP_ICON_SIZES:
        render_svg(resources.app_icon_svg(), size).save(str(folder / f"{resources.APP_ID}-{size}.png"))
    print(f"wrote {len(resources.APP_ICON_SIZES)} PNGs into {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
