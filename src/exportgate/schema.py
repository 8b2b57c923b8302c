"""The one strict pydantic base for every input schema, and how a pydantic error becomes an InputError.

Rule data, items, cases and packages are all validated with pydantic. They share three things, written
once here:

- :class:`StrictModel`: unknown fields are errors (deny by default: a misspelt field is never silently
  ignored) and a validated document is immutable. A schema that needs something else says so in its
  own ``model_config`` (the package file strips whitespace and is not frozen).
- :func:`loc_path`: a pydantic location such as ``('layers', 'hardware', 2, 'quantity')`` as the dotted
  path users see in error messages, ``layers.hardware[2].quantity``.
- the wording of a problem: :func:`problem` (``"... (got 'x')"``, used where the first error is
  reported, by items and cases) and :func:`plain_problem` (``"must be > 0"``, used where every error
  of a file is listed at once, by packages).

The API's request bodies report their errors with the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from exportgate.safe import shown

__all__ = ["StrictModel", "loc_path", "plain_problem", "problem"]


class StrictModel(BaseModel):
    """Base of every input schema: unknown fields are errors; validated documents are frozen; a number is
    finite (``NaN`` and infinity are no quantity, value or share)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def loc_path(loc: Iterable[int | str], base: str = "") -> str:
    """A pydantic error location as a field path below ``base``: ``[2]`` for list indexes, ``.name``
    for fields; validator steps pydantic inserts (``function-after[...]``) are not fields and are left
    out."""
    out = base
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith("function-"):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def problem(err: Mapping[str, Any], with_value: bool = True) -> str:
    """One pydantic error in words, with the value that was given: ``input should be ... (got 'x')`` (the
    value cut short, a mapping or list only described: :func:`exportgate.safe.shown`). Without
    ``with_value`` the value is left out (the API never repeats the request in an error)."""
    kind = str(err.get("type", ""))
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field missing"
    msg = str(err.get("msg", "invalid")).lower()
    return f"{msg} (got {shown(err.get('input'))})" if with_value else msg


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plain_problem(err: Mapping[str, Any]) -> str:
    """One pydantic error in words, as a constraint: ``required``, ``must be > 0``, ``must not be empty``."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "greater_than":
        return f"must be > {_num(ctx.get('gt'))}"
    if kind == "greater_than_equal":
        return f"must be >= {_num(ctx.get('ge'))}"
    if kind == "less_than_equal":
        return f"must be <= {_num(ctx.get('le'))}"
    if kind == "less_than":
        return f"must be < {_num(ctx.get('lt'))}"
    if kind in ("string_too_short", "too_short"):
        return "must not be empty"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "invalid")))
    if kind == "enum" or kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    msg = str(err.get("msg", "invalid"))
    return msg[0].lower() + msg[1:] if msg else "invalid"
