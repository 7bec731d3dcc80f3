"""@record classes behave as the typing.NamedTuple they replace (validation/records.py)."""

from __future__ import annotations

import copy
import pickle
from typing import NamedTuple

import pytest

from validation.model import Finding, Severity
from validation.records import record


@record
class Point:
    """A point."""

    x: int
    y: int
    label: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def norm1(self) -> int:
        return abs(self.x) + abs(self.y)

    @classmethod
    def origin(cls) -> Point:
        return cls(0, 0)


class PointNT(NamedTuple):
    x: int
    y: int
    label: str | None = None
    tags: tuple[str, ...] = ()


def test_construction_matches_namedtuple() -> None:
    for args, kwargs in [((1, 2), {}), ((1, 2, "a"), {}), ((1,), {"y": 2, "tags": ("t",)}),
                         ((), {"x": 1, "y": 2, "label": "b"})]:
        assert tuple(Point(*args, **kwargs)) == tuple(PointNT(*args, **kwargs))


@pytest.mark.parametrize("args, kwargs", [((1,), {}), ((1, 2, 3, 4, 5), {}), ((1, 2), {"z": 3}), ((1, 2), {"x": 1})])
def test_bad_arguments_raise_what_namedtuple_raises(args: tuple, kwargs: dict) -> None:
    with pytest.raises(TypeError) as ours:
        Point(*args, **kwargs)
    with pytest.raises(TypeError) as theirs:
        PointNT(*args, **kwargs)
    assert str(ours.value).replace("Point.", "") == str(theirs.value).replace("PointNT.", "")


def test_is_an_immutable_tuple() -> None:
    p = Point(1, 2)
    assert isinstance(p, tuple) and p == (1, 2, None, ())
    assert p[0] == 1 and p.x == 1 and len(p) == 4
    x, y, _, _ = p
    assert (x, y) == (1, 2)
    assert hash(p) == hash((1, 2, None, ()))
    assert sorted([Point(2, 0), Point(1, 5)]) == [Point(1, 5), Point(2, 0)]
    with pytest.raises(AttributeError):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        p.other = 3  # type: ignore[attr-defined]


def test_namedtuple_api() -> None:
    p = Point(1, 2, "a")
    assert Point._fields == ("x", "y", "label", "tags") == PointNT._fields
    assert Point._field_defaults == {"label": None, "tags": ()} == PointNT._field_defaults
    assert Point.__match_args__ == PointNT.__match_args__
    assert p._replace(y=5) == Point(1, 5, "a") and type(p._replace(y=5)) is Point
    assert p._asdict() == {"x": 1, "y": 2, "label": "a", "tags": ()}
    assert Point._make([1, 2, None, ()]) == Point(1, 2)
    assert repr(p) == "Point(x=1, y=2, label='a', tags=())"
    with pytest.raises(TypeError, match="unexpected field names"):
        p._replace(z=1)
    with pytest.raises(TypeError, match="Expected 4 arguments, got 2"):
        Point._make([1, 2])
    match p:
        case Point(x, y):
            assert (x, y) == (1, 2)


def test_methods_docstring_and_names_are_kept() -> None:
    assert Point(3, -4).norm1 == 7
    assert type(Point.origin()) is Point and Point.origin() == (0, 0, None, ())
    assert Point.__doc__ == "A point."
    assert Point.__name__ == "Point" and Point.__qualname__ == "Point" and Point.__module__ == __name__
    assert Point.__annotations__["label"] == "str | None"  # kept as written, never evaluated
    assert Point.__new__.__qualname__ == "Point.__new__"


def test_pickles_and_copies_as_itself() -> None:
    f = Finding("SCHEMA-TYPE", Severity.ERROR, "bad", line=3)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(f, protocol))
        assert back == f and type(back) is Finding
    assert copy.copy(f) == f and copy.deepcopy(f) == f and type(copy.deepcopy(f)) is Finding


def test_a_record_without_fields_or_with_a_default_before_a_required_field_is_refused() -> None:
    with pytest.raises(TypeError, match="1 to 12 fields, not 0"):
        record(type("Empty", (), {}))
    with pytest.raises(TypeError, match="a field without a default follows one with a default"):
        record(type("Bad", (), {"__annotations__": {"a": "int", "b": "int"}, "a": 1}))
