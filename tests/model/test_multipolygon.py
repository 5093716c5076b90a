"""Objects in several parts and with holes: the shape, its flat vertex addressing, and the
edits that add parts, cut holes, paint, merge and split (each one undo step)."""

from __future__ import annotations

import pytest
import shapely

from annotator.model import (
    AddRegions,
    ImageRecord,
    MultiPolygon,
    Polygon,
    Project,
    Rect,
    Region,
    add_part,
    area_geometry,
    cut_hole,
    delete_vertex,
    merge_regions,
    paint,
    repair_shape,
    shape_from_geometry,
    shape_problems,
    split_part,
)

from .test_edits import shape_edit


def square(x, y, s):
    return Polygon.from_points([(x, y), (x + s, y), (x + s, y + s), (x, y + s)])


RING = MultiPolygon(((square(0, 0, 10), (square(3, 3, 4),)),))
TWO = MultiPolygon(((square(0, 0, 10), (square(3, 3, 4),)), (square(20, 0, 5), ())))


def project_with(*shapes):
    p = Project()
    im = ImageRecord("a.jpg", width=100, height=100)
    p.images.append(im)
    regions = [Region(s, {"class": "x"}) for s in shapes]
    AddRegions(im.key, regions).apply(p)
    return p, im, regions


def test_area_excludes_holes_and_counts_every_part():
    assert RING.area() == pytest.approx(100 - 16)
    assert TWO.area() == pytest.approx(100 - 16 + 25)
    assert TWO.bbox() == (0, 0, 25, 10)


def test_flat_vertex_index_addresses_every_ring():
    assert TWO.ring_starts() == [0, 4, 8]
    assert TWO.ring_of(5) == (1, 1) and TWO.ring_of(8) == (2, 0)
    moved = TWO.with_vertex(5, 8, 3)
    assert moved.rings()[1].vertices()[1] == (8, 3) and moved.rings()[0] == TWO.rings()[0]
    # inserting after the hole's last vertex stays in the hole (its closing edge)
    inserted = TWO.with_inserted_vertex(8, 3, 5)
    assert len(inserted.rings()[1].xs) == 5 and inserted.rings()[1].vertices()[-1] == (3, 5)
    assert len(inserted.rings()[2].xs) == 4
    assert len(TWO.without_vertex(9).rings()[2].xs) == 3
    tri = MultiPolygon(((Polygon.from_points([(0, 0), (5, 0), (0, 5)]), ()), (square(9, 9, 2), ())))
    with pytest.raises(ValueError):
        tri.without_vertex(0)


def test_removing_rings_and_parts_gives_the_simplest_shape():
    assert TWO.without_ring(1) == MultiPolygon(((square(0, 0, 10), ()), (square(20, 0, 5), ())))
    assert RING.without_ring(1) == square(0, 0, 10)
    assert TWO.without_part(1) == RING
    with pytest.raises(ValueError):
        RING.without_part(0)


def test_shape_from_geometry_round_trips_holes_and_drops_slivers():
    geom = area_geometry(TWO)
    back = shape_from_geometry(geom.union(shapely.box(50, 50, 50.5, 50.5)))
    assert isinstance(back, MultiPolygon) and len(back.parts) == 2
    assert area_geometry(back).symmetric_difference(geom).area == pytest.approx(0)
    assert shape_from_geometry(shapely.box(0, 0, 4, 4)) == Polygon.from_points([(4, 0), (4, 4), (0, 4), (0, 0)])
    assert shape_from_geometry(shapely.Polygon()) is None


def test_part_hole_paint_merge_split_are_each_one_undoable_step():
    p, im, (a, b) = project_with(square(0, 0, 10), square(30, 0, 10))
    before = [r.shape for r in im.regions]
    part = add_part(im, a.id, square(50, 50, 5))
    part.apply(p)
    hole = cut_hole(im, a.id, square(3, 3, 4))
    hole.apply(p)
    assert im.region(a.id).shape.area() == pytest.approx(100 + 25 - 16)
    brush = paint(im, a.id, shapely.Point(10, 5).buffer(2), erase=False)
    brush.apply(p)
    assert im.region(a.id).shape.area() > 109
    eraser = paint(im, a.id, shapely.box(-1, -1, 11, 11), erase=True)
    eraser.apply(p)
    assert area_geometry(im.region(a.id).shape).intersects(shapely.box(1, 1, 9, 9)) is False
    merge = merge_regions(im, [a.id, b.id])
    merge.apply(p)
    assert [r.id for r in im.regions] == [a.id]
    merged = im.region(a.id).shape
    assert isinstance(merged, MultiPolygon) and len(merged.parts) == 3
    split = split_part(im, a.id, 0)
    split.apply(p)
    assert len(im.regions) == 2 and im.regions[1].attributes == {"class": "x"}
    for step in [split, merge, eraser, brush, hole, part]:  # undo, newest first
        step.revert(p)
    assert [r.shape for r in im.regions] == before


def test_vertex_edits_work_on_every_ring():
    p, im, (r,) = project_with(TWO)
    e = shape_edit(im, r.id, lambda s: s.with_inserted_vertex(4, 3, 5))  # after the outer ring's last vertex
    e.apply(p)
    assert len(im.region(r.id).shape.rings()[0].xs) == 5
    shape_edit(im, r.id, lambda s: s.with_vertex(6, 8, 2)).apply(p)
    assert im.region(r.id).shape.rings()[1].vertices()[1] == (8, 2)
    delete_vertex(im, r.id, 0).apply(p)
    assert len(im.region(r.id).shape.rings()[0].xs) == 4


def test_bad_edits_are_refused_with_a_reason():
    p, im, (r, pt) = project_with(square(0, 0, 4), Rect(0, 0, 0, 0))
    with pytest.raises(ValueError, match="empty"):
        cut_hole(im, r.id, square(-1, -1, 10))
    with pytest.raises(ValueError, match="no area"):
        add_part(im, pt.id, square(0, 0, 1))
    with pytest.raises(ValueError, match="two or more"):
        merge_regions(im, [r.id])
    with pytest.raises(ValueError, match="several parts"):
        split_part(im, r.id, 0)


# ---- validation and repair ----------------------------------------------------------------------
BOW_TIE = Polygon.from_points([(0, 0), (6, 6), (6, 0), (0, 6)])


@pytest.mark.parametrize(
    "shape,kind,where",
    [
        (MultiPolygon(((square(0, 0, 10), (BOW_TIE.translated(2, 2),)),)), "self-intersection", "part 1, hole 1"),
        (MultiPolygon(((square(0, 0, 10), ()), (BOW_TIE.translated(20, 0), ()))), "self-intersection", "part 2"),
        (
            MultiPolygon(((square(0, 0, 10), (Polygon.from_points([(2, 2), (4, 4)]),)),)),
            "too-few-vertices",
            "part 1, hole 1",
        ),
        (MultiPolygon(((square(0, 0, 10), (square(20, 20, 3),)),)), "self-intersection", "rings cross"),
        (MultiPolygon(((square(0, 0, 10), ()), (square(5, 5, 10), ()))), "self-intersection", "rings cross"),
        (MultiPolygon(((square(0, 0, 10), ()), (square(95, 0, 10), ()))), "outside-image", "100x100"),
    ],
)
def test_multipolygon_problems_name_the_ring(shape, kind, where):
    problems = shape_problems(shape, 100, 100)
    assert [k for k, _ in problems] == [kind]
    assert where in problems[0][1]


def test_a_valid_multipolygon_has_no_problem():
    assert shape_problems(TWO, 100, 100) == []


def test_repair_keeps_every_part_and_hole_as_one_object():
    crossed = MultiPolygon(((square(0, 0, 10), (square(3, 3, 4),)), (square(8, 0, 5), ()), (square(40, 0, 5), ())))
    [fixed] = repair_shape(crossed, 42, 100)  # parts 1 and 2 overlap; part 3 crosses the image's edge
    assert shape_problems(fixed, 42, 100) == []
    assert fixed.area() == pytest.approx(100 - 16 + 15 + 10)
    assert len(fixed.parts) == 2 and len(fixed.parts[0][1]) == 1


def test_faulty_rings_still_have_an_area():
    """A file's too-short ring encloses nothing; a hole only cuts its own part."""
    short_hole = MultiPolygon(((square(0, 0, 10), (Polygon.from_points([(2, 2), (4, 4)]),)),))
    assert short_hole.area() == pytest.approx(100)
    island_in_hole_of_other_part = MultiPolygon(((square(0, 0, 10), (square(2, 2, 6),)), (square(4, 4, 2), ())))
    assert island_in_hole_of_other_part.area() == pytest.approx(100 - 36 + 4)
    overlapping = MultiPolygon(((square(0, 0, 10), ()), (square(5, 0, 10), ())))
    assert overlapping.area() == pytest.approx(150)
