"""The image list's data roles, shared by its model and its delegate."""

from __future__ import annotations

from PySide6.QtCore import Qt

KeyRole = Qt.ItemDataRole.UserRole + 1
RegionCountRole = Qt.ItemDataRole.UserRole + 2
DoneRole = Qt.ItemDataRole.UserRole + 3
ThumbRole = Qt.ItemDataRole.UserRole + 4
SizeRole = Qt.ItemDataRole.UserRole + 5
ProblemRole = Qt.ItemDataRole.UserRole + 6  # why the image cannot be shown ("" when it can)
