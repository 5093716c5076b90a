"""Polymask's data model: no Qt, no torch, no I/O."""

from .attributes import DEFAULT_CLASS, AmbiguousClass, AttributeDef, choose_class_attribute
from .class_edits import (
    KeepFirstClass,
    MoveClass,
    SetClassColour,
    class_or_none,
    move_class,
    several_classes,
    ticked_classes,
)
from .edits import (
    PROJECT_WIDE,
    AddClass,
    AddRegions,
    DeleteClass,
    Edit,
    EditGroup,
    RemoveRegions,
    RenameClass,
    Scope,
    SetClass,
    SetDone,
    SetFileAttribute,
    SetRegionAttribute,
    SetShape,
    delete_vertex,
    delete_vertex_edit,
    merge_classes,
    new_region_edit,
    paste_edit,
    set_shapes_edit,
    union_bbox,
)
from .image_edits import AddImages, IgnoreImages, RemoveImages, RestackRegions
from .object_edits import add_part, cut_hole, merge_regions, paint, split_part
from .project import Project
from .project_data import PolymaskData, RunRecord
from .records import OWN_KEY, ImageRecord, Region, new_region_id, own_data
from .shapes import (
    MIN_RING_VERTICES,
    SHAPE_TYPES,
    Circle,
    Ellipse,
    MultiPolygon,
    PathShape,
    Point,
    Polygon,
    Polyline,
    Rect,
    Shape,
    area_geometry,
    label_point,
    shape_from_geometry,
)
from .snapshot import SnapshotCache
from .validation import Problem, project_problems, repair_shape, shape_problems

__all__ = [name for name in dir() if not name.startswith("_")]
