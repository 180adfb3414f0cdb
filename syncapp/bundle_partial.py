"""A model built, unvalidated, from data the model refused: for rules that still apply.

Staff fix a refused Salesforce record once, from the reason it shows, so that
reason must name every field that stops the sync: the core model's and the EMR
adapter's alike. The adapter's rules read a ``PatientBundle``, and a bundle the
core refuses has none, so ``partial`` builds one with ``model_construct`` (no
validation): every value the core refused becomes ``None``, the values it
accepted are coerced to their declared types. Rules that cannot read such a
partial model are the caller's to skip; nothing here raises on bad data.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Iterable
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter

M = TypeVar("M", bound=BaseModel)


def partial(model: type[M], data: Any, refused: Iterable[tuple[int | str, ...]]) -> M | None:
    """``model`` from ``data`` with each refused leaf (a pydantic error ``loc``) set to ``None``."""
    cleared = copy.deepcopy(data)
    for loc in refused:
        _clear(cleared, loc)
    return _construct(model, cleared)


def _clear(data: Any, loc: tuple[int | str, ...]) -> None:
    """Set the value at ``loc`` to ``None`` if it is a leaf: a refused list or dict as a whole
    (two coverages of one rank, say) keeps its items, which may each still be read."""
    node = data
    for key in loc[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return
    if not loc:
        return
    try:
        if not isinstance(node[loc[-1]], dict | list):
            node[loc[-1]] = None
    except (KeyError, IndexError, TypeError):
        return


def _construct(model: type[M], data: Any) -> M | None:
    if not isinstance(data, dict):
        return None
    values = {}
    for name, field in model.model_fields.items():
        if name in data:
            values[name] = _value(field.annotation, data[name])
        elif field.is_required():
            values[name] = None
    return model.model_construct(**values)


def _value(annotation: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _value(inner[0], value) if len(inner) == 1 else value
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _construct(annotation, value)
    if origin is list:
        (item,) = get_args(annotation) or (Any,)
        return [_value(item, v) for v in value] if isinstance(value, list) else None
    if isinstance(value, str):
        value = value.strip()
    try:
        return TypeAdapter(annotation).validate_python(value)
    except Exception:  # noqa: BLE001 - the core refused it already, or it is a type we leave raw
        return value
