import copy

import pytest

from annotator.model import (
    AddClass,
    AddRegions,
    AttributeDef,
    DeleteClass,
    EditGroup,
    ImageRecord,
    Polygon,
    Project,
    Region,
    RemoveRegions,
    RenameClass,
    SetClass,
    SetFileAttribute,
    SetRegionAttribute,
    SetShape,
    delete_vertex,
    delete_vertex_edit,
    merge_classes,
    paste_edit,
    set_shapes_edit,
)


def shape_edit(im, rid, change, merge_tag=None) -> SetShape:
    """The SetShape a gesture makes: the region's shape, changed by `change`."""
    old = im.region(rid).shape
    return SetShape(im.key, rid, old, change(old), "Edit shape", merge_tag)


def snapshot(project):
    """Everything an edit may touch, comparable with ==."""
    return (
        [
            (im.key, [(r.id, r.shape, copy.deepcopy(r.attributes)) for r in im.regions], dict(im.file_attributes))
            for im in project.images
        ],
        copy.deepcopy(project.region_attributes),
        project.class_attribute,
        dict(project.class_colours()),
    )


@pytest.fixture
def project():
    tri = Polygon.from_points([(0, 0), (10, 0), (10, 10)])
    p = Project(images=[ImageRecord("a.jpg", 10, 100, 100), ImageRecord("b.jpg", 20, 100, 100)])
    p.region_attributes["class"] = AttributeDef("class", "dropdown", options={"cat": "", "dog": ""})
    p.class_attribute = "class"
    p.images[0].regions = [Region(tri, {"class": "cat"}), Region(tri.translated(20, 20), {"class": "dog"})]
    p.images[1].regions = [Region(tri, {"class": "dog"})]
    return p


def check_do_undo_redo(project, edit):
    before = snapshot(project)
    edit.apply(project)
    after = snapshot(project)
    assert after != before
    edit.revert(project)
    assert snapshot(project) == before
    edit.apply(project)
    assert snapshot(project) == after
    return after


def test_add_and_remove_regions(project):
    im = project.images[0]
    check_do_undo_redo(project, AddRegions(im.key, [Region(Polygon.from_points([(1, 1), (2, 1), (2, 2)]))]))
    first = im.regions[0].id
    check_do_undo_redo(project, RemoveRegions(im.key, [first]))
    assert first not in [r.id for r in im.regions]


def test_remove_then_undo_restores_order(project):
    im = project.images[0]
    ids = [r.id for r in im.regions]
    edit = RemoveRegions(im.key, ids)
    edit.apply(project)
    edit.revert(project)
    assert [r.id for r in im.regions] == ids


def test_shape_edits(project):
    im = project.images[0]
    rid = im.regions[0].id
    check_do_undo_redo(project, shape_edit(im, rid, lambda s: s.translated(3, 4)))
    check_do_undo_redo(project, shape_edit(im, rid, lambda s: s.with_vertex(0, 1, 1)))
    check_do_undo_redo(project, shape_edit(im, rid, lambda s: s.with_inserted_vertex(1, 5, -2)))
    assert len(im.regions[0].shape.xs) == 4
    check_do_undo_redo(project, delete_vertex(im, rid, 1))


def test_cannot_delete_below_three_vertices(project):
    im = project.images[0]
    with pytest.raises(ValueError, match="at least 3"):
        delete_vertex(im, im.regions[0].id, 0)


def test_a_vertex_that_cannot_go_says_why_as_a_sentence(project):
    im = project.images[0]
    assert (
        delete_vertex_edit(im, im.regions[0].id, 0) == "A polygon needs at least 3 vertices; delete the shape instead"
    )


def test_a_drag_of_several_shapes_is_one_undo_step_and_a_still_drag_none(project):
    im = project.images[0]
    (a, sa), (b, sb) = ((r.id, r.shape) for r in im.regions)
    assert set_shapes_edit(im.key, [(a, sa, sa), (b, sb, sb)], "Move") is None
    one = set_shapes_edit(im.key, [(a, sa, sa.translated(1, 0)), (b, sb, sb)], "Move")
    assert isinstance(one, SetShape) and one.region_id == a
    both = set_shapes_edit(im.key, [(a, sa, sa.translated(1, 0)), (b, sb, sb.translated(1, 0))], "Move 2 shapes")
    assert isinstance(both, EditGroup) and both.text == "Move 2 shapes"
    check_do_undo_redo(project, both)


def test_paste_keeps_the_group_inside_the_image_with_new_ids(project):
    im = project.images[1]
    clipboard = [(r.shape, r.attributes) for r in project.images[0].regions]  # spans (0, 0)-(30, 30)
    edit, ids = paste_edit(clipboard, im.key, 90, -5, im.width, im.height)
    check_do_undo_redo(project, edit)
    pasted = [r for r in im.regions if r.id in ids]
    assert len(pasted) == 2 and edit.text == "Paste 2 shapes"
    boxes = [r.shape.bbox() for r in pasted]
    assert min(x for x, _, _, _ in boxes) == 70 and min(y for _, y, _, _ in boxes) == 0  # pushed back inside
    assert max(x + w for x, _, w, _ in boxes) == 100


def test_drag_edits_merge(project):
    im = project.images[0]
    rid = im.regions[0].id
    original = im.regions[0].shape
    first = shape_edit(im, rid, lambda s: s.with_vertex(0, 1, 1), merge_tag="drag-1")
    first.apply(project)
    second = shape_edit(im, rid, lambda s: s.with_vertex(0, 2, 2), merge_tag="drag-1")
    second.apply(project)
    assert first.merge(second)
    first.revert(project)
    assert im.regions[0].shape == original
    other = shape_edit(im, rid, lambda s: s.with_vertex(0, 3, 3), merge_tag="drag-2")
    assert not first.merge(other)


def test_attribute_edits(project):
    im = project.images[0]
    check_do_undo_redo(project, SetRegionAttribute(im.key, [im.regions[0].id], "note", "hello"))
    check_do_undo_redo(project, SetFileAttribute(im.key, "weather", "rain"))


def test_set_class_on_checkbox_attribute_writes_a_dict(project):
    project.region_attributes["class"].type = "checkbox"
    im = project.images[0]
    check_do_undo_redo(project, SetClass(im.key, [im.regions[0].id], "bird"))
    assert im.regions[0].attributes["class"] == {"bird": True}
    assert "bird" in project.region_attributes["class"].options


def test_set_class_without_class_attribute_creates_one():
    p = Project(images=[ImageRecord("a.jpg", 1)])
    p.images[0].regions = [Region(Polygon.from_points([(0, 0), (1, 0), (1, 1)]))]
    assert p.class_names() == ["object"]
    check_do_undo_redo(p, SetClass("a.jpg1", [p.images[0].regions[0].id], "cat"))
    assert p.class_attribute == "class" and p.class_of(p.images[0].regions[0]) == "cat"


def test_rename_class_updates_every_region(project):
    project.class_colours()["cat"] = "#ff0000"
    check_do_undo_redo(project, RenameClass("cat", "kitten"))
    assert project.class_counts() == {"kitten": 1, "dog": 2}
    assert project.class_colours() == {"kitten": "#ff0000"}


def test_merge_classes(project):
    edit = EditGroup(merge_classes(["cat", "dog"], "pet"), "Merge")
    check_do_undo_redo(project, edit)
    assert project.class_counts() == {"pet": 3}


def test_rename_onto_existing_merges(project):
    check_do_undo_redo(project, RenameClass("cat", "dog"))
    assert project.class_counts() == {"dog": 3}


def test_delete_class_keeps_or_deletes_regions(project):
    check_do_undo_redo(project, DeleteClass("dog"))
    assert project.class_names() == ["cat"]
    assert sum(project.class_of(r) is None for _, r in project.iter_regions()) == 2
    project2 = project
    DeleteClass("dog").revert  # noqa: B018 - nothing to undo on a fresh edit object
    edit = DeleteClass("cat", delete_regions=True)
    check_do_undo_redo(project2, edit)
    assert all(project2.class_of(r) != "cat" for _, r in project2.iter_regions())


def test_add_class(project):
    check_do_undo_redo(project, AddClass("bird", "#00ff00"))
    assert project.class_names()[-1] == "bird"
    with pytest.raises(ValueError):
        AddClass("bird").apply(project)


def test_every_edit_declares_what_it_touches(project):
    from annotator.model import (
        PROJECT_WIDE,
        AddClass,
        EditGroup,
        RenameClass,
        Scope,
        SetClass,
        SetDone,
        new_region_edit,
    )

    a, b = project.images
    rid = a.regions[0].id
    drag = shape_edit(a, rid, lambda s: s.translated(1, 0))
    assert drag.scope() == Scope((a.key,), frozenset({rid}))  # shapes only: the list and panels stay
    assert AddRegions(a.key, []).scope() == Scope((a.key,)) and Scope((a.key,)).regions is None
    assert RemoveRegions(b.key, [b.regions[0].id]).scope() == Scope((b.key,))
    assert SetRegionAttribute(a.key, [rid], "x", 1).scope() == Scope((a.key,))
    assert SetClass(a.key, [rid], "dog").scope() == Scope((a.key,))  # the image's history, not the project's
    assert AddClass("bird").scope() == PROJECT_WIDE and RenameClass("cat", "dog").scope().project
    new, _ = new_region_edit(project, b.key, Polygon.from_points([(0, 0), (5, 0), (5, 5)]), "bird")
    assert new.scope() == Scope((b.key,))  # add + create the class: one step on b's history
    moves = EditGroup([drag, shape_edit(b, b.regions[0].id, lambda s: s.translated(0, 1))])
    assert moves.scope() == Scope((a.key, b.key), frozenset({rid, b.regions[0].id}))
    assert EditGroup([RenameClass("cat", "x"), RenameClass("dog", "x")]).scope() == PROJECT_WIDE

    done = SetDone(a.key, True)
    assert done.scope() == Scope((a.key,)) and done.text == "Mark done"
    done.apply(project)
    assert a.done
    done.revert(project)
    assert not a.done
