"""``Record``, the base of every value object and event: construction, defaults, immutability, equality."""

from __future__ import annotations

from typing import ClassVar

import pytest

from aws_vault.domain.records import Record


class Point(Record):
    x: int
    y: int = 0
    label: str = ""
    _hidden: ClassVar[frozenset[str]] = frozenset({"label"})
    kind: ClassVar[str] = "point"


class Point3(Point):
    z: int = 7


def test_positional_keyword_and_default_arguments() -> None:
    assert Point(1)._asdict() == {"x": 1, "y": 0, "label": ""}
    assert Point(1, 2, "a")._asdict() == {"x": 1, "y": 2, "label": "a"}
    assert Point(1, label="b")._asdict() == {"x": 1, "y": 0, "label": "b"}
    assert Point(y=3, x=4)._asdict() == {"x": 4, "y": 3, "label": ""}
    assert Point._fields == ("x", "y", "label")  # a ClassVar is not a field


def test_a_subclass_adds_fields_after_its_bases() -> None:
    assert Point3._fields == ("x", "y", "label", "z")
    assert Point3(1)._asdict() == {"x": 1, "y": 0, "label": "", "z": 7}
    assert Point3(1, 2, "c", 3).z == 3


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "missing argument 'x'"),
        ((1, 2, "a", 4), {}, "takes 3 arguments, got 4"),
        ((1,), {"x": 2}, "unexpected or repeated argument 'x'"),
        ((1,), {"w": 2}, "unexpected or repeated argument 'w'"),
        ((), {"y": 1}, "missing argument 'x'"),
    ],
)
def test_bad_arguments_are_type_errors(args: tuple[object, ...], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        Point(*args, **kwargs)  # type: ignore[arg-type]


def test_immutable() -> None:
    p = Point(1)
    with pytest.raises(AttributeError, match="immutable"):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del p.x  # type: ignore[misc]


def test_equality_and_hash_by_type_and_values() -> None:
    assert Point(1, 2) == Point(1, 2) and hash(Point(1, 2)) == hash(Point(1, 2))
    assert Point(1, 2) != Point(1, 3)
    assert Point3(1, 2) != Point(1, 2)  # another type
    assert len({Point(1), Point(1), Point(2)}) == 2


def test_repr_leaves_out_hidden_fields() -> None:
    assert repr(Point(1, 2, "secret")) == "Point(x=1, y=2)"


def test_replace_copies_with_changes_and_leaves_the_original() -> None:
    p = Point3(1, 2, "a", 3)
    q = p._replace(y=5, z=9)
    assert q == Point3(1, 5, "a", 9) and type(q) is Point3
    assert p == Point3(1, 2, "a", 3)
    with pytest.raises(AttributeError, match="immutable"):
        q.x = 0  # type: ignore[misc]
    with pytest.raises(TypeError, match="unexpected or repeated argument 'w'"):
        p._replace(w=1)
