"""``assert_nothing_foreign``: walk everything an exception holds and find another user's data.

ARCHITECTURE principle 13: an exception handed to a scoped caller, and everything reachable
from it, holds only data that caller may read. "Reachable" here is the exception objects' own
state: their attributes (``__dict__`` and slots), ``args``, ``__cause__``, ``__context__`` and
``__notes__``, followed recursively through dicts, lists, tuples, sets, dataclasses, pydantic
models and any other object with attributes. Tracebacks' frames are not walked (their locals
are the library's own working state). Every ``str`` and ``bytes`` found is searched for each
foreign value, as text, as UTF-8 bytes and as base64 (the wire form of a binary attribute).
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import types
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

_SKIP = (type, types.ModuleType, types.FunctionType, types.MethodType, types.TracebackType,
         types.FrameType, types.CodeType, types.BuiltinFunctionType)  # fmt: skip
_SCALARS = (int, float, complex, bool, type(None), enum.Enum)


def _attributes(obj: object) -> Iterator[tuple[str, object]]:
    if hasattr(obj, "__dict__"):
        yield from vars(obj).items()
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if name in ("__dict__", "__weakref__"):
                continue
            try:
                yield name, getattr(obj, name)
            except AttributeError:
                continue


def reachable(root: object) -> Iterator[tuple[str, object]]:
    """Every value reachable from ``root``, with a path naming how it was reached."""
    seen: set[int] = set()
    stack: list[tuple[str, object]] = [("error", root)]
    while stack:
        path, obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _SKIP):
            continue
        seen.add(id(obj))
        yield path, obj
        if isinstance(obj, (str, bytes, bytearray, *_SCALARS)):
            continue
        children: list[tuple[str, object]] = []
        if isinstance(obj, BaseException):
            children += [(".args", obj.args), (".__cause__", obj.__cause__),
                         (".__context__", obj.__context__)]  # fmt: skip
            children += [(f".{name}", value) for name, value in _attributes(obj)]
        elif isinstance(obj, Mapping):
            for key, value in obj.items():
                children += [(f"[{key!r}]<key>", key), (f"[{key!r}]", value)]
        elif isinstance(obj, list | tuple | set | frozenset):
            children += [(f"[{i}]", value) for i, value in enumerate(obj)]
        elif isinstance(obj, BaseModel):
            children += [(f".{name}", value) for name, value in vars(obj).items()]
            children += [(f".{k}", v) for k, v in (obj.__pydantic_extra__ or {}).items()]
        elif dataclasses.is_dataclass(obj):
            children += [(f".{f.name}", getattr(obj, f.name)) for f in dataclasses.fields(obj)]
        else:
            children += [(f".{name}", value) for name, value in _attributes(obj)]
        stack.extend((path + step, value) for step, value in children)


def _forms(value: str | bytes) -> tuple[list[str], list[bytes]]:
    raw = value.encode() if isinstance(value, str) else value
    texts = [base64.b64encode(raw).decode()]
    if isinstance(value, str):
        texts.append(value)
    else:
        texts.append(raw.decode("latin-1"))
    return texts, [raw, base64.b64encode(raw)]


def leaks(root: BaseException, foreign: Iterable[str | bytes]) -> list[str]:
    """The paths under ``root`` at which one of the ``foreign`` values appears."""
    forms = [(value, *_forms(value)) for value in foreign if value]
    found: list[str] = []
    for path, obj in reachable(root):
        if isinstance(obj, str):
            hits = [v for v, texts, _ in forms if any(t in obj for t in texts)]
        elif isinstance(obj, bytes | bytearray):
            hits = [v for v, _, raws in forms if any(r in obj for r in raws)]
        else:
            continue
        found += [f"{path} holds {value!r}" for value in hits]
    return found


def assert_nothing_foreign(error: BaseException, foreign: Iterable[str | bytes]) -> None:
    """Fail, naming the paths, when anything reachable from ``error`` holds a foreign value."""
    found = leaks(error, list(foreign))
    assert not found, "foreign data reachable from the error:\n" + "\n".join(found)


def foreign_values(item: Mapping[str, Any], known: Iterable[object]) -> list[str | bytes]:
    """The str and bytes values of a (decoded) stored item, less what the caller knows."""
    told = set(known)
    return [v for v in item.values() if isinstance(v, str | bytes) and v not in told]
