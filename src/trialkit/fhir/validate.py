"""Validate resources against the FHIR R4 model (``fhir.resources.R4B``), field by field.

A resource that fails validation is not thrown away: each invalid field becomes
a :class:`DataWarning` and is removed, and the rest of the resource is used
(brief: "a bad value inside a usable record never decides anything"). Note that
the model checks types and formats, not value-set membership.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import ValidationError

from trialkit.model.record import DataWarning

_MAX_PASSES = 6


@cache
def _model(resource_type: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except KeyError:
        return None


def _child(node: Any, part: int | str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and part < len(node):
        return node[part]
    return None


def _drop(data: Any, loc: tuple[int | str, ...]) -> bool:
    """Remove the element at ``loc`` (the deepest existing container entry); True if removed."""
    node = data
    for part in loc[:-1]:
        child = _child(node, part)
        if child is None:
            break
        node = child
    else:
        last = loc[-1] if loc else None
        if isinstance(node, dict) and last in node:
            del node[last]
            return True
        if isinstance(node, list) and isinstance(last, int) and last < len(node):
            node.pop(last)
            return True
    # the location runs past existing data (e.g. a missing required field): drop its parent
    return len(loc) > 1 and _drop(data, loc[:-1])


def validated(
    resource: Mapping[str, Any], where: str
) -> tuple[dict[str, Any] | None, list[DataWarning]]:
    """The resource with every invalid field removed, and a warning for each; None if unusable."""
    model = _model(str(resource.get("resourceType")))
    data = dict(resource)
    if model is None:
        return data, []
    warnings: list[DataWarning] = []
    for _ in range(_MAX_PASSES):
        try:
            model.model_validate(data)
        except ValidationError as exc:
            if data is resource or data == resource:
                data = copy.deepcopy(dict(resource))
            removed = False
            for error in exc.errors():
                loc = tuple(p for p in error["loc"] if p != "__root__")
                field = ".".join(str(p) for p in loc) or "(resource)"
                warnings.append(DataWarning(where, field, f"invalid value removed: {error['msg']}"))
                removed = _drop(data, loc) or removed
            if not removed:
                return None, warnings
            continue
        return data, warnings
    return None, warnings
