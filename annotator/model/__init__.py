"""Polymask's data model: no Qt, no torch, no I/O."""
from .attributes import DEFAULT_CLASS, AmbiguousClass, AttributeDef, choose_class_attribute
from .edits import (AddClass, AddRegions, DeleteClass, Edit, EditGroup, RemoveRegions, RenameClass,
                    SetClass, SetFileAttribute, SetRegionAttribute, SetShape, delete_vertex,
                    insert_vertex, merge_classes, move_shape, move_vertex)
from .project import OWN_KEY, ImageRecord, Project, Region, new_region_id, own_data
from .shapes import SHAPE_TYPES, Circle, Ellipse, PathShape, Point, Polygon, Polyline, Rect, Shape
from .validation import Problem, project_problems, repair_shape, shape_problems

__all__ = [name for name in dir() if not name.startswith("_")]
