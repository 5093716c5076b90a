"""The canvas' graphics items mirror the model: one RegionItem per region of the image
shown, created, updated or removed by `sync` and nothing else (the canvas owns no data)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QGraphicsScene

from ...model import ImageRecord, Project, Region
from . import style
from .editing import safe_class
from .items import RegionItem
from .view_options import ViewOptions

SELECTED_Z = 1e6  # selected shapes are drawn over the others


class RegionLayer:
    def __init__(self, scene: QGraphicsScene):
        self.scene = scene
        self.items: dict[int, RegionItem] = {}
        self.project: Project | None = None
        self.colours: dict[str, str] = {}
        self.options = ViewOptions()
        self.zoom = 1.0

    def colour_for(self, class_name: str | None) -> str:
        if class_name is None:
            return style.NO_CLASS_COLOUR
        colour = self.colours.get(class_name)
        if colour is None and self.project is not None:
            colour = self.project.class_colours().get(class_name)
            if colour is None:
                attr = self.project.class_def
                names = list(attr.options) if attr is not None else []
                index = names.index(class_name) if class_name in names else sum(map(ord, class_name))
                colour = style.palette_colour(index)
        return colour or style.NO_CLASS_COLOUR

    def sync(self, record: ImageRecord | None, region_ids: Iterable[int] | None, selected: list[int]) -> list[int]:
        """Bring the items in line with `record`'s regions (all, or only `region_ids`);
        the ids whose items were removed."""
        if record is None:
            gone = list(self.items)
        elif region_ids is None:
            present = set()
            for index, region in enumerate(record.regions):
                present.add(region.id)
                self._sync_item(region, index, region.id in selected)
            gone = [rid for rid in self.items if rid not in present]
        else:
            gone = []
            for rid in region_ids:
                try:
                    index = record.region_index(rid)
                except KeyError:
                    if rid in self.items:
                        gone.append(rid)
                    continue
                self._sync_item(record.regions[index], index, rid in selected)
        self.remove(gone)
        return gone

    def _sync_item(self, region: Region, index: int, selected: bool) -> None:
        assert self.project is not None
        class_name = safe_class(self.project, region)
        colour = self.colour_for(class_name)
        item = self.items.get(region.id)
        z = float(index) + (SELECTED_Z if selected else 0.0)
        if item is None:
            item = RegionItem(region.id, region.shape, colour)
            item.set_zoom(self.zoom)
            item.setZValue(z)
            item.class_name = class_name
            self.apply_view(item)
            self.items[region.id] = item
            self.scene.addItem(item)
            return
        if item.shape_value is not region.shape:
            item.set_shape(region.shape)
        item.set_colour(colour)
        if item.class_name != class_name:
            item.class_name = class_name
            self.apply_view(item)
        if item.zValue() != z:
            item.setZValue(z)

    def remove(self, ids: Iterable[int]) -> None:
        for rid in ids:
            item = self.items.pop(rid, None)
            if item is not None:
                self.scene.removeItem(item)

    def show_selected(self, old: list[int], new: list[int]) -> None:
        for rid in old:
            if rid in self.items and rid not in new:
                self.items[rid].set_state(selected=False)
                self.items[rid].setZValue(self.items[rid].zValue() - SELECTED_Z)
        for rid in new:
            if rid not in old and rid in self.items:
                self.items[rid].set_state(selected=True)
                self.items[rid].setZValue(self.items[rid].zValue() + SELECTED_Z)

    def show_hovered(self, old: int | None, new: int | None) -> None:
        if old != new:
            if old in self.items:
                self.items[old].set_state(hovered=False)
            if new in self.items:
                self.items[new].set_state(hovered=True)

    def set_options(self, options: ViewOptions) -> None:
        self.options = options
        for item in self.items.values():
            self.apply_view(item)

    def apply_view(self, item: RegionItem) -> None:
        options = self.options
        item.setVisible(options.shows(item.class_name))
        item.set_fill_alphas(style.fill_alphas(options.fill_opacity))
        item.set_label(item.class_name if options.show_labels else None)

    def set_zoom(self, zoom: float) -> None:
        self.zoom = zoom
        for item in self.items.values():
            item.set_zoom(zoom)

    def topmost(self) -> list[RegionItem]:
        """The items from the top of the drawing order down (selected ones first)."""
        return sorted(self.items.values(), key=lambda it: it.zValue(), reverse=True)
