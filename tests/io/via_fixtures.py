"""VIA files written as the VGG Image Annotator writes them (1.x, 2.x annotations-only, 2.x project)."""


def via1_balloon():
    """VIA 1.x as in the balloon dataset: regions keyed "0", "1", no attributes at all."""
    return {
        "24631331976_defa3bb61f_k.jpg668058": {
            "fileref": "",
            "size": 668058,
            "filename": "24631331976_defa3bb61f_k.jpg",
            "base64_img_data": "",
            "file_attributes": {},
            "regions": {
                "0": {
                    "shape_attributes": {
                        "name": "polygon",
                        "all_points_x": [916, 913, 905, 889, 916],
                        "all_points_y": [515, 583, 644, 541, 515],
                    },
                    "region_attributes": {},
                },
                "1": {
                    "shape_attributes": {
                        "name": "polygon",
                        "all_points_x": [100, 150, 130],
                        "all_points_y": [10, 20, 60],
                    },
                    "region_attributes": {},
                },
            },
        },
        "16335852991_f55de7958d_k.jpg1767935": {
            "fileref": "",
            "size": 1767935,
            "filename": "16335852991_f55de7958d_k.jpg",
            "base64_img_data": "",
            "file_attributes": {},
            "regions": {},
        },
    }


def tutorial_project():
    """A 2.x project as the guns-and-swords tutorials make it: polylines, a checkbox class attribute."""
    metadata = {
        "gun1.jpg12345": {
            "filename": "gun1.jpg",
            "size": 12345,
            "file_attributes": {"source": "web"},
            "regions": [
                {
                    "shape_attributes": {
                        "name": "polyline",
                        "all_points_x": [10, 50, 50, 10, 10],
                        "all_points_y": [10, 10, 40, 40, 10],
                    },
                    "region_attributes": {"name": {"gun": True}},
                },
                {
                    "shape_attributes": {"name": "polygon", "all_points_x": [60, 90, 75], "all_points_y": [60, 60, 90]},
                    "region_attributes": {"name": {"sword": True}},
                },
            ],
        },
        "sword2.jpg999": {
            "filename": "sword2.jpg",
            "size": 999,
            "file_attributes": {"source": "camera"},
            "regions": [
                {
                    "shape_attributes": {"name": "rect", "x": 5, "y": 6, "width": 30, "height": 20},
                    "region_attributes": {"name": {"sword": True, "gun": True}},
                },  # ambiguous
                {
                    "shape_attributes": {"name": "circle", "cx": 50, "cy": 50, "r": 10},
                    "region_attributes": {"name": {}},
                },  # no class ticked
                {
                    "shape_attributes": {"name": "ellipse", "cx": 70, "cy": 30, "rx": 12, "ry": 6, "theta": 0.5},
                    "region_attributes": {"name": {"gun": True}},
                },
                {"shape_attributes": {"name": "point", "cx": 3, "cy": 4}, "region_attributes": {"name": {"gun": True}}},
            ],
        },
    }
    return {
        "_via_settings": {
            "ui": {"annotation_editor_height": 25},
            "core": {"buffer_size": 18},
            "project": {"name": "weapons"},
        },
        "_via_img_metadata": metadata,
        "_via_attributes": {
            "region": {
                "name": {
                    "type": "checkbox",
                    "description": "weapon",
                    "options": {"gun": "", "sword": ""},
                    "default_options": {},
                },
                "colour": {
                    "type": "radio",
                    "description": "",
                    "options": {"dark": "", "light": ""},
                    "default_options": {"dark": True},
                },
                "size": {"type": "dropdown", "description": "", "options": {"s": "", "l": ""}, "default_options": {}},
                "note": {"type": "text", "description": "free text", "default_value": ""},
                "icon": {"type": "image", "description": "", "options": {"a.png": ""}, "default_options": {}},
            },
            "file": {"source": {"type": "text", "description": "", "default_value": ""}},
        },
        "_via_data_format_version": "2.0.10",
        "_via_image_id_list": ["sword2.jpg999", "gun1.jpg12345"],
        "my_tool_extension": {"keep": [1, 2, 3]},
    }


def via2_annotations():
    """2.x "export annotations (as json)": the image metadata alone, regions as lists."""
    return {
        "cat.png321": {
            "filename": "cat.png",
            "size": 321,
            "file_attributes": {},
            "regions": [
                {
                    "shape_attributes": {"name": "polygon", "all_points_x": [1, 8, 8], "all_points_y": [1, 1, 8]},
                    "region_attributes": {"class": "cat", "occluded": {"yes": True}},
                }
            ],
        },
    }
