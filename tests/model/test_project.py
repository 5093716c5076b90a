import pytest

from annotator.model import ImageRecord, Project


def test_image_lookup_follows_changes_to_the_list():
    p = Project(images=[ImageRecord("a.jpg", 1), ImageRecord("b.jpg", 2), ImageRecord("a.jpg", 1)])
    assert p.image("a.jpg1") is p.images[0]  # listed twice: the first
    assert p.image("b.jpg2") is p.images[1]
    p.images.reverse()
    assert p.image("b.jpg2") is p.images[1] and p.image("a.jpg1") is p.images[0]
    p.images.insert(0, ImageRecord("c.jpg", 3))
    assert p.image("b.jpg2").filename == "b.jpg" and p.image("c.jpg3") is p.images[0]
    p.images[1].size = 9  # a key can change once the file size is known
    assert p.image("a.jpg9") is p.images[1]
    del p.images[:2]
    with pytest.raises(KeyError, match="c.jpg3"):
        p.image("c.jpg3")
    p.images = []
    with pytest.raises(KeyError):
        p.image("b.jpg2")
