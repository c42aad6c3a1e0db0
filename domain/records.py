"""``Record``: immutable value objects that cost next to nothing to define.

Every ``credential_process`` call imports the domain. A frozen ``dataclass`` costs ~0.5 ms to define
(it ``exec``s generated methods) and ``NamedTuple`` ~0.15 ms; with some 40 value objects on that path
this was several milliseconds of a ~35 ms budget. ``Record`` computes its fields once per class from the
annotations and shares one ``__init__``; type checkers see it as a frozen dataclass (PEP 681).
"""

from __future__ import annotations

from typing import Any, ClassVar, Self, dataclass_transform

_MISSING = object()


@dataclass_transform(frozen_default=True, eq_default=True)
class Record:
    _fields: ClassVar[tuple[str, ...]] = ()
    _names: ClassVar[frozenset[str]] = frozenset()
    _defaults: ClassVar[dict[str, Any]] = {}
    _hidden: ClassVar[frozenset[str]] = frozenset()
    """Fields left out of ``repr`` (secrets)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = [
            name
            for name, annotation in cls.__dict__.get("__annotations__", {}).items()  # noqa: RUF063 - inspect costs ms
            if not str(annotation).startswith(("ClassVar", "typing.ClassVar"))
        ]
        cls._fields = (*cls._fields, *(n for n in own if n not in cls._fields))
        cls._names = frozenset(cls._fields)
        cls._defaults = {
            **cls._defaults,
            **{n: cls.__dict__[n] for n in own if n in cls.__dict__},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes {len(fields)} arguments, got {len(args)}")
        # Straight into the instance dict: a lookup builds some 30 records, so this is on every start's path.
        values = self.__dict__
        values.update(zip(fields, args, strict=False))
        for name, value in kwargs.items():
            if name in values or name not in self._names:
                raise TypeError(f"{type(self).__name__}: unexpected or repeated argument {name!r}")
            values[name] = value
        if len(values) < len(fields):
            for name in fields:
                if name not in values:
                    value = self._defaults.get(name, _MISSING)
                    if value is _MISSING:
                        raise TypeError(f"{type(self).__name__}: missing argument {name!r}")
                    values[name] = value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in self._fields)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields if n not in self._hidden)
        return f"{type(self).__name__}({shown})"

    def _replace(self, **changes: Any) -> Self:
        for name in changes:
            if name not in self._names:
                raise TypeError(f"{type(self).__name__}: unexpected or repeated argument {name!r}")
        copy = object.__new__(type(self))
        values = self.__dict__  # the fields only: a subclass may keep derived data beside them (an index)
        copy.__dict__.update({name: values[name] for name in self._fields}, **changes)
        return copy

    def _asdict(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in self._fields}
