"""Immutable records: what typing.NamedTuple makes, without its cost at import.

A NamedTuple class is built by compiling its `__new__` from generated source and a ForwardRef per annotation. For
the 22 records a check of one file imports, that was about 5 ms of a 60 ms start-up (issue 14). `@record` makes
the same tuple subclass from the same class body (fields, defaults, methods, docstring) with nothing compiled at
import: `__new__` is a precompiled template of the right arity, its parameters renamed to the fields. Instances
behave as NamedTuple's do (equality, hashing, order, unpacking, pickling, `_replace`, `_asdict`, `_fields`).
"""

from __future__ import annotations

from types import FunctionType

try:
    from _collections import _tuplegetter  # the C field accessor collections.namedtuple uses
except ImportError:  # pragma: no cover - other interpreters
    from operator import itemgetter

    def _tuplegetter(index: int, doc: str) -> Any:  # noqa: ANN401 - a descriptor
        return property(itemgetter(index), doc=doc)

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any, TypeVar

    _T = TypeVar("_T")

_tuple_new = tuple.__new__


# One __new__ per arity; @record renames the parameters (code.replace), so keyword arguments, defaults and the
# TypeError for a missing argument are Python's own, and a call costs what a namedtuple's does.
def _new1(_cls, a):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a,))


def _new2(_cls, a, b):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a, b))


def _new3(_cls, a, b, c):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a, b, c))


def _new4(_cls, a, b, c, d):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a, b, c, d))


def _new5(_cls, a, b, c, d, e):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a, b, c, d, e))


def _new6(_cls, a, b, c, d, e, f):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a, b, c, d, e, f))


def _new7(_cls, a, b, c, d, e, f, g):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a, b, c, d, e, f, g))


def _new8(_cls, a, b, c, d, e, f, g, h):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h))


def _new9(_cls, a, b, c, d, e, f, g, h, i):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i))


def _new10(_cls, a, b, c, d, e, f, g, h, i, j):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j))


def _new11(_cls, a, b, c, d, e, f, g, h, i, j, k):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k))


def _new12(_cls, a, b, c, d, e, f, g, h, i, j, k, m):  # noqa: ANN001, ANN202
    return _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j, k, m))


_NEW = (None, _new1, _new2, _new3, _new4, _new5, _new6, _new7, _new8, _new9, _new10, _new11, _new12)


class Record(tuple):
    """The base of every @record class: NamedTuple's methods, written once."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _field_defaults: dict[str, Any] = {}

    @classmethod
    def _make(cls: type[_T], iterable: Any) -> _T:  # noqa: ANN401 - any iterable of the fields
        result = _tuple_new(cls, iterable)
        if len(result) != len(cls._fields):  # type: ignore[attr-defined]
            raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(result)}")  # type: ignore[attr-defined]
        return result

    def _replace(self: _T, **changes: Any) -> _T:  # noqa: ANN401
        result = self._make(map(changes.pop, self._fields, self))  # type: ignore[attr-defined]
        if changes:
            raise TypeError(f"Got unexpected field names: {list(changes)!r}")
        return result

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={v!r}' for n, v in zip(self._fields, self, strict=True))})"

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)


def record(cls: type[_T]) -> type[_T]:
    """The class body as an immutable tuple subclass: its annotated names are the fields, in order; a value after
    an annotation is that field's default. Annotations are kept as written, never evaluated."""
    namespace = dict(cls.__dict__)
    fields = tuple(namespace.get("__annotations__", {}))
    if not 0 < len(fields) < len(_NEW):
        raise TypeError(f"@record {cls.__name__}: 1 to {len(_NEW) - 1} fields, not {len(fields)}")
    defaults = {name: namespace.pop(name) for name in fields if name in namespace}
    if list(defaults) != list(fields[len(fields) - len(defaults):]):
        raise TypeError(f"@record {cls.__name__}: a field without a default follows one with a default")
    for name in ("__dict__", "__weakref__"):
        namespace.pop(name, None)
    template = _NEW[len(fields)]
    code = template.__code__.replace(co_varnames=("_cls", *fields), co_name="__new__",
                                     co_qualname=f"{cls.__qualname__}.__new__")
    namespace["__new__"] = FunctionType(code, template.__globals__, "__new__", tuple(defaults.values()) or None)
    namespace["__slots__"] = ()
    namespace["_fields"] = fields
    namespace["_field_defaults"] = defaults
    namespace["__match_args__"] = fields
    for index, name in enumerate(fields):
        namespace[name] = _tuplegetter(index, f"Alias for field number {index}")
    return type(cls.__name__, (Record,), namespace)  # type: ignore[return-value]
