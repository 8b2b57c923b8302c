"""Reading documents (YAML or JSON, from a file, standard input ``-`` or a request body) within the limits,
and writing output files atomically.

Everything a counterparty or a user gives passes through :func:`parse_document`, which makes three
promises the rest of the code relies on:

- **bounded**: at most ``EXPORTGATE_MAX_INPUT_BYTES`` are read from a file or stdin (a huge file or
  ``/dev/zero`` is refused after that many bytes, never read until memory runs out); YAML aliases
  (``*name``) are refused, so a few kilobytes cannot expand into gigabytes (the "billion laughs");
  nesting deeper than ``EXPORTGATE_MAX_DEPTH`` and lists longer than ``EXPORTGATE_MAX_LIST_ITEMS`` are
  refused; every failure is an :class:`InputError`, never a ``RecursionError`` or ``MemoryError``;
- **numbers are numbers**: ``NaN``, ``Infinity``, ``.inf`` and ``1e400`` (which overflows to infinity)
  are refused with the path of the field that holds them;
- **YAML 1.2 booleans**: only ``true``/``false`` are booleans. YAML 1.1 also reads ``yes``/``no``,
  ``on``/``off``, ``y``/``n`` as booleans, which turns ``country: NO`` (Norway) into ``false``; here
  they stay text, so Norway is ``NO``, and a field that takes a boolean says so if given ``yes``.

The C YAML parser (libyaml) is used where PyYAML has it (parsing is many times faster); the alias
refusal and the YAML 1.2 booleans hold with either parser, since both live in the constructor and the
resolver, which are Python.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import Resolver

from exportgate.errors import InputError
from exportgate.settings import Limits, limits

__all__ = ["parse_date", "parse_document", "read_document", "read_source", "write_atomic"]

# --- YAML -------------------------------------------------------------------------------------------

_BOOL_TAG = "tag:yaml.org,2002:bool"


class _Resolver(Resolver):
    """PyYAML's resolver with the YAML 1.2 core schema's booleans: ``true``/``false`` only."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}
_Resolver.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class _Constructor(SafeConstructor):
    """The safe constructor, refusing aliases and turning a bad scalar into a YAML error with its place.

    An alias makes the composer hand the same node twice; constructing a node a second time is exactly
    an alias (or a merge ``<<: *name``), so that is where it is refused, before anything is expanded.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise ConstructorError(None, None, "aliases (*name) and merges of anchors are not accepted",
                                   node.start_mark)
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # a date such as 0000-01-01, an int of 5,000 digits
            raise ConstructorError(None, None, f"not a value: {_short(str(exc))}", node.start_mark) from None


def _c_parser() -> Any:
    """libyaml's parser, where PyYAML was built with it (``None`` otherwise)."""
    try:
        from yaml import cyaml
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return None
    return getattr(cyaml, "CParser", None)


_CParser: Any = _c_parser()
#: the parser in use: ``"libyaml"`` (C) or ``"python"``
YAML_PARSER = "libyaml" if _CParser is not None else "python"

if _CParser is not None:

    class _Loader(_CParser, _Constructor, _Resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _Constructor.__init__(self)
            _Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Loader(Reader, Scanner, Parser, Composer, _Constructor, _Resolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            _Constructor.__init__(self)
            _Resolver.__init__(self)


def _short(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _load_yaml(text: str, name: str, field: str) -> Any:
    loader = _Loader(text)  # what yaml.load does, with our safe loader
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        what = getattr(exc, "problem", None)
        raise InputError(field, f"{name} is not valid YAML{where}" + (f": {_short(what)}" if what else "")) from None
    except RecursionError:
        raise _too_deep(name, field) from None
    finally:
        loader.dispose()


def _too_deep(name: str, field: str) -> InputError:
    return InputError(field, f"{name} is nested too deeply (limit: EXPORTGATE_MAX_DEPTH levels)")


# --- JSON -------------------------------------------------------------------------------------------


def _load_json(text: str, name: str, field: str) -> Any:
    """JSON, with ``NaN``/``Infinity`` read as numbers so that :func:`_check_shape` can name their field."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(field, f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise _too_deep(name, field) from None
    except ValueError as exc:  # an integer of more digits than Python converts
        raise InputError(field, f"{name} is not valid JSON: {_short(str(exc))}") from None


# --- the shape every document must keep ---------------------------------------------------------------


def _path(parents: list[tuple[int, object]], index: int) -> str:
    keys: list[object] = []
    while index > 0:
        index, key = parents[index]
        keys.append(key)
    out = ""
    for key in reversed(keys):
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


#: an int beyond this many bits cannot become a float (every figure here is used as one)
_MAX_INT_BITS = 1023


def _check_shape(doc: Any, field: str, lim: Limits) -> None:
    """Walk the parsed document (without recursion) and refuse what no document of ours holds: nesting
    deeper than ``lim.depth``, a list longer than ``lim.list_items``, a number that is not finite or
    too large to be one."""
    parents: list[tuple[int, object]] = [(0, "")]  # node index -> (parent index, key)
    stack: list[tuple[Any, int, int]] = [(doc, 0, 0)]  # (value, depth, node index)
    while stack:
        value, depth, index = stack.pop()
        if isinstance(value, dict | list):
            if depth >= lim.depth:
                raise InputError(_path(parents, index) or field,
                                 f"nested more than {lim.depth} levels deep (limit: EXPORTGATE_MAX_DEPTH)")
            if isinstance(value, list):
                if len(value) > lim.list_items:
                    raise InputError(_path(parents, index) or field,
                                     f"has {len(value):,} entries; at most {lim.list_items:,} are accepted "
                                     "(limit: EXPORTGATE_MAX_LIST_ITEMS)")
                children: Any = enumerate(value)
            else:
                children = value.items()
            for key, child in children:
                if isinstance(child, dict | list | float | int):
                    parents.append((index, key))
                    stack.append((child, depth + 1, len(parents) - 1))
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise InputError(_path(parents, index) or field, f"must be a finite number (got {value})")
        elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_INT_BITS:
            raise InputError(_path(parents, index) or field, "is too large a number")


# --- reading ------------------------------------------------------------------------------------------


def read_source(source: str, field: str = "FILE", lim: Limits | None = None) -> tuple[bytes, str]:
    """The bytes of ``source`` (a path, or ``-`` for stdin) and the name to show for it.

    At most ``lim.input_bytes`` are read: a larger input (a 1 GB file, ``/dev/zero``) is an
    :class:`InputError`; so are a missing file, a directory and a file that cannot be read.
    """
    lim = lim or limits()
    cap = lim.input_bytes
    if source == "-":
        stream = getattr(sys.stdin, "buffer", None)
        raw = stream.read(cap + 1) if stream is not None else sys.stdin.read(cap + 1).encode("utf-8")
        name = "<stdin>"
    else:
        name = source
        try:
            with open(source, "rb") as handle:
                raw = handle.read(cap + 1)
        except FileNotFoundError:
            raise InputError(field, f"file not found: {source}") from None
        except IsADirectoryError:
            raise InputError(field, f"{source} is a directory, not a file") from None
        except OSError as exc:
            raise InputError(field, f"cannot read {source}: {exc.strerror or exc}") from None
    if len(raw) > cap:
        raise InputError(field, f"{name} is larger than {cap:,} bytes "
                                "(limit: EXPORTGATE_MAX_INPUT_BYTES, or check --max-input-bytes)")
    return raw, name


def parse_document(raw: bytes | str, name: str, field: str = "FILE", lim: Limits | None = None,
                   *, json_only: bool = False) -> Any:
    """Parse a YAML or JSON document (see the module docstring for what is refused).

    JSON is tried first for a ``.json`` name or text that starts with ``{`` or ``[`` (exact numbers,
    clearer errors); ``json_only`` (a JSON request body) never falls back to YAML.
    """
    lim = lim or limits()
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(field, f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    else:
        text = raw
    if not text.strip():
        raise InputError(field, f"{name} is empty")
    if json_only:
        doc = _load_json(text, name, field)
    elif name.endswith(".json") or text.lstrip().startswith(("{", "[")):
        try:
            doc = _load_json(text, name, field)
        except InputError:
            if name.endswith(".json"):
                raise
            doc = _load_yaml(text, name, field)
    else:
        doc = _load_yaml(text, name, field)
    _check_shape(doc, field, lim)
    return doc


def read_document(source: str, field: str = "FILE", lim: Limits | None = None) -> Any:
    """Read and parse a YAML or JSON document from ``source`` (a path, or ``-`` for stdin), within the
    limits (:func:`read_source`, :func:`parse_document`)."""
    lim = lim or limits()
    raw, name = read_source(source, field, lim)
    return parse_document(raw, name, field, lim)


def parse_date(value: object, field: str) -> date:
    """Parse an ISO date (``YYYY-MM-DD``) given by a user; errors name the field."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise InputError(field, "must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(field, f"{_short(value, 40)!r} is not a date YYYY-MM-DD") from None


# --- writing ------------------------------------------------------------------------------------------


def write_atomic(path: Path | str, data: str | bytes, field: str = "out") -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` so that readers see the old file or the whole new one.

    The data goes to a temporary file in the same directory, is flushed to disk, and is renamed over
    ``path`` with :func:`os.replace`; a failure at any point leaves no partial file (an earlier file at
    ``path`` stays as it was). A directory that cannot be created and a file that cannot be written (a
    read-only or missing directory, a full disk) are an :class:`InputError` on ``field``.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(field, f"cannot create directory {directory}: {exc.strerror or exc}") from None
    if path.is_dir():
        raise InputError(field, f"cannot write {path}: it is a directory")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(field, f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise InputError(field, f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return path
