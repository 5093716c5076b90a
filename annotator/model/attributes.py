"""VIA attribute definitions and how a region's class is read from / written to them.

VIA has no notion of "class": a class is an option of one region attribute. The
attribute may be a checkbox (value ``{"gun": true}``), radio / dropdown / image
(value ``"gun"``) or free text (value ``"gun"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ATTRIBUTE_TYPES = ("text", "checkbox", "radio", "dropdown", "image")
# Tried in this order when the user did not name the class attribute.
CLASS_ATTRIBUTE_NAMES = ("class", "name", "label", "category", "type", "object")
# Used when a file has no region attributes at all.
DEFAULT_CLASS = "object"


class AmbiguousClass(ValueError):
    """A checkbox class attribute with none or several options checked."""

    def __init__(self, checked: list[str]):
        self.checked = checked
        what = "no class checked" if not checked else "several classes checked: " + ", ".join(checked)
        super().__init__(what)


@dataclass
class AttributeDef:
    """One entry of VIA's ``_via_attributes.region`` or ``.file``."""

    name: str
    type: str = "text"
    description: str = ""
    options: dict[str, str] = field(default_factory=dict)  # option id -> description
    default_options: dict[str, bool] = field(default_factory=dict)
    default_value: str = ""  # text attributes only
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys survive a save

    @property
    def has_options(self) -> bool:
        return self.type in ("checkbox", "radio", "dropdown", "image")

    def class_of(self, attributes: dict[str, Any]) -> str | None:
        """The class a region's attributes name, None when unset.

        Raises AmbiguousClass for a checkbox value with zero or several options ticked.
        """
        value = attributes.get(self.name)
        if value is None or value == "":
            return None
        if isinstance(value, dict):  # checkbox
            checked = [k for k, v in value.items() if v]
            if len(checked) != 1:
                raise AmbiguousClass(checked)
            return checked[0]
        if isinstance(value, list):  # some tools write checkbox values as a list
            names = [str(v) for v in value if isinstance(v, (str, int, float))]
            if len(value) != 1 or len(names) != 1:
                raise AmbiguousClass(names)
            return names[0]
        return str(value) if isinstance(value, (str, int, float)) else None

    def class_value(self, class_name: str | None):
        """The attribute value that names `class_name`, as VIA writes it for this type."""
        if class_name is None:
            return {} if self.type == "checkbox" else ""
        if self.type == "checkbox":
            return {class_name: True}
        return class_name

    def renamed_value(self, value, old: str, new: str):
        """`value` with option `old` renamed to `new` (merging if `new` is already set)."""
        if isinstance(value, dict):
            if old not in value:
                return value
            out = {k: v for k, v in value.items() if k != old}
            out[new] = bool(value[old]) or bool(value.get(new))
            return out
        if isinstance(value, list):
            return list(dict.fromkeys(new if v == old else v for v in value))
        return new if value == old else value

    def without_value(self, value, option: str):
        """`value` with `option` removed (the region then has no class of that name)."""
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k != option}
        if isinstance(value, list):
            return [v for v in value if v != option]
        return "" if value == option else value


def choose_class_attribute(region_attributes: dict[str, AttributeDef], preferred: str | None = None) -> str | None:
    """Pick the attribute that holds the class, VIA having no notion of one."""
    if preferred:
        if preferred not in region_attributes:
            raise KeyError(
                f"no region attribute named {preferred!r}; the file has: {', '.join(region_attributes) or 'none'}"
            )
        return preferred
    if not region_attributes:
        return None
    if len(region_attributes) == 1:
        return next(iter(region_attributes))
    lowered = {name.lower(): name for name in region_attributes}
    for candidate in CLASS_ATTRIBUTE_NAMES:
        if candidate in lowered:
            return lowered[candidate]
    with_options = [n for n, a in region_attributes.items() if a.has_options]
    return with_options[0] if with_options else next(iter(region_attributes))
