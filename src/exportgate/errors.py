"""Errors that carry a field path and a problem, so every interface can say exactly what is wrong.

The CLI turns an :class:`InputError` into one line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations


class ExportgateError(Exception):
    """Base class for every error exportgate raises on purpose."""


class InputError(ExportgateError):
    """Bad input: names the field (a dotted path such as ``layers.hardware[2].quantity``) and the problem."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class InputErrors(ExportgateError):
    """Several input errors found at once (schema validation reports all of them, not the first)."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class RuleDataError(ExportgateError):
    """The rule data itself is invalid (raised at load time, naming the file, the key and the problem)."""
